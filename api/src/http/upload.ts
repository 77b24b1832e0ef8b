import { Readable, Transform } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { DialerError } from '@dialer/core';

/**
 * The raw body of a CSV upload, capped at `maxBytes` as it streams (nothing
 * is buffered whole). A declared Content-Length over the cap is refused
 * before reading; a body that grows past it fails with a 413.
 */
export function uploadStream(req: FastifyRequest, maxBytes: number): Readable {
  const body = req.body as unknown;
  if (!(body instanceof Readable)) throw new DialerError('DIALER_ERR_VALIDATION', 'send the file as the request body with Content-Type: text/csv', { status: 415 });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new DialerError('DIALER_ERR_PAYLOAD_TOO_LARGE', `uploads are limited to ${maxBytes} bytes`);
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(new DialerError('DIALER_ERR_PAYLOAD_TOO_LARGE', `uploads are limited to ${maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  body.on('error', (err) => cap.destroy(err));
  return body.pipe(cap);
}
