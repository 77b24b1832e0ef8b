import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DialerError, isDialerError } from '@dialer/core';

/** One field problem of a 400, as `{ in, path, message }`. */
export interface FieldError {
  in: string;
  path: string;
  message: string;
}

function fieldErrors(err: FastifyError): FieldError[] {
  const where = err.validationContext ?? 'body';
  return (err.validation ?? []).map((v) => {
    const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
    const extra = (v.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    const base = v.instancePath || '';
    const path = missing ? `${base}/${missing}` : extra ? `${base}/${extra}` : base || '/';
    return { in: where, path, message: extra ? 'is not a known field' : (v.message ?? 'is invalid') };
  });
}

/** Maps anything thrown in a route to the coded error shared by every API response. */
export function toDialerError(err: unknown): DialerError {
  if (isDialerError(err)) return err;
  const e = err as FastifyError;
  if (e.validation) {
    const details = fieldErrors(e);
    const first = details[0];
    return new DialerError('DIALER_ERR_VALIDATION', first ? `${first.in}${first.path === '/' ? '' : first.path} ${first.message}` : e.message, { details });
  }
  const status = e.statusCode;
  if (status === 413) return new DialerError('DIALER_ERR_PAYLOAD_TOO_LARGE');
  if (status === 429) return new DialerError('DIALER_ERR_RATE_LIMITED', e.message);
  if (status === 404) return new DialerError('DIALER_ERR_NOT_FOUND', e.message);
  if (status && status >= 400 && status < 500) return new DialerError('DIALER_ERR_VALIDATION', e.message, { status });
  // Constraint violations that slipped past a route's own checks.
  const msg = String((err as Error)?.message ?? '');
  if (/UNIQUE constraint|duplicate key value/i.test(msg)) return new DialerError('DIALER_ERR_CONFLICT', 'a record with the same unique value exists');
  if (/FOREIGN KEY constraint|violates foreign key/i.test(msg)) return new DialerError('DIALER_ERR_VALIDATION', 'a referenced record does not exist');
  return new DialerError('DIALER_ERR_INTERNAL');
}

/** Fastify error handler: logs 5xx with the request id, answers `{ error: { code, message, retryable, details? } }`. */
export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = toDialerError(err);
  if (e.status >= 500) req.log.error({ err }, 'request failed');
  if (e.code === 'DIALER_ERR_RATE_LIMITED' || e.code === 'DIALER_ERR_ACCOUNT_LOCKED') {
    const retryAfterMs = (e.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
    if (retryAfterMs !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  }
  return reply.code(e.status).send({ error: e.toJSON() });
}

/** Throws a 404 in the coded shape. */
export function notFound(what: string, id: string | number): never {
  throw new DialerError('DIALER_ERR_NOT_FOUND', `${what} ${id} not found`);
}
