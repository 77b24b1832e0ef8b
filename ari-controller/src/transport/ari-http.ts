import { DialerError, type ErrorCode } from '@dialer/core';
import { AriClient } from '../ari/generated/client.js';
import { ARI_OPERATIONS, type AriOperationId, type AriOperationSpec } from '../ari/generated/operations.js';

/** Where and how to reach one Asterisk server's ARI. */
export interface AriEndpoint {
  /** Base URL of Asterisk's HTTP server, e.g. `http://127.0.0.1:8088` (ARI lives under `/ari`). */
  readonly url: string;
  readonly username: string;
  readonly password: string | undefined;
}

/** Options for {@link createAriClient}. */
export interface AriHttpOptions extends AriEndpoint {
  fetchImpl?: typeof fetch;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
}

/** A failed ARI request: the coded error plus what Asterisk said. */
export interface AriErrorDetails {
  readonly status: number;
  readonly operation: AriOperationId;
  /** Asterisk's `message` (or `error`, which it uses for 500 "Allocation failed"). */
  readonly reason: string;
}

/** Classifies an ARI error status in one place. */
export function ariErrorCode(status: number, reason: string): ErrorCode {
  if (status === 401 || status === 403) return 'DIALER_ERR_ARI_AUTH';
  if ((status === 409 || status === 422) && /not in (a )?Stasis/i.test(reason)) return 'DIALER_ERR_ARI_NOT_IN_STASIS';
  if (status === 404) return 'DIALER_ERR_ARI_NOT_FOUND';
  // addChannel of an unknown channel is a 400 "Channel not found" (see the traces): still a not-found.
  if (status === 400 && /not found/i.test(reason)) return 'DIALER_ERR_ARI_NOT_FOUND';
  if (status >= 500) return 'DIALER_ERR_ARI_SERVER_ERROR';
  return 'DIALER_ERR_ARI_REQUEST';
}

/** The status of a failed ARI request, when the error came from one. */
export function ariStatus(err: unknown): number | undefined {
  const d = (err as { details?: { status?: unknown } } | null)?.details;
  return typeof d?.status === 'number' ? d.status : undefined;
}

function serialise(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}

/** Builds the URL and body of one operation; exported for the simulator's tests. */
export function buildRequest(base: string, op: AriOperationSpec, params: Record<string, unknown>): { url: string; body: string | undefined } {
  let path = op.path;
  const query = new URLSearchParams();
  let body: Record<string, unknown> | undefined;
  for (const p of op.params) {
    const v = params[p.name];
    if (v === undefined || v === null) continue;
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(serialise(v)));
    else if (p.in === 'query') query.append(p.name, serialise(v));
    else (body ??= {})[p.name] = v;
  }
  const qs = query.toString();
  return { url: `${base.replace(/\/+$/, '')}/ari${path}${qs ? `?${qs}` : ''}`, body: body ? JSON.stringify(body) : undefined };
}

/**
 * The HTTP side of ARI: a typed {@link AriClient} whose calls go through
 * `fetch` with Basic auth. Failures become coded errors
 * (`DIALER_ERR_ARI_UNREACHABLE`, `_AUTH`, `_NOT_FOUND`, `_NOT_IN_STASIS`,
 * `_REQUEST`, `_SERVER_ERROR`) with `{ status, operation, reason }` in `details`.
 */
export function createAriClient(o: AriHttpOptions): AriClient {
  const f = o.fetchImpl ?? fetch;
  const auth = o.password === undefined ? undefined : `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
  const timeoutMs = o.timeoutMs ?? 10_000;
  return new AriClient(async (id, params) => {
    const op = ARI_OPERATIONS[id] as AriOperationSpec;
    const { url, body } = buildRequest(o.url, op, params as Record<string, unknown>);
    const headers: Record<string, string> = {};
    if (auth) headers['authorization'] = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await f(url, { method: op.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new DialerError('DIALER_ERR_ARI_UNREACHABLE', `ARI ${id} failed: ${cause}`, { cause: err, details: { operation: id } });
    }
    const text = await res.text();
    if (!res.ok) {
      let reason = text;
      try {
        const j = JSON.parse(text) as { message?: string; error?: string };
        reason = j.message ?? j.error ?? text;
      } catch {
        // Not JSON: keep the text.
      }
      const details: AriErrorDetails = { status: res.status, operation: id, reason };
      throw new DialerError(ariErrorCode(res.status, reason), `ARI ${id} answered ${res.status}: ${reason}`, { details });
    }
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  });
}
