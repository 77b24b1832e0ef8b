import { DialerError, errorFromStatus, isDialerError } from '@dialer/core';

const STT_CODES = {
  auth: 'DIALER_ERR_STT_AUTH',
  rateLimited: 'DIALER_ERR_STT_RATE_LIMITED',
  unavailable: 'DIALER_ERR_STT_UNAVAILABLE',
  badRequest: 'DIALER_ERR_STT_BAD_REQUEST',
} as const;

const NETWORK = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND|UND_ERR_\w+)\b/;

/** The coded STT error for an HTTP status from a vendor. */
export function sttErrorFromStatus(provider: string, status: number, what: string): DialerError {
  return errorFromStatus(status, STT_CODES, `${provider}: ${what} (HTTP ${status})`);
}

/**
 * Classifies a transport error (a WebSocket handshake refused with a status, a
 * refused or reset connection, a timeout) as a coded, retryable-or-not error.
 */
export function sttErrorFromTransport(provider: string, err: unknown, stage: 'connect' | 'stream'): DialerError {
  if (isDialerError(err)) return err;
  const e = err as { message?: string; code?: string; cause?: { code?: string } } | undefined;
  const message = e?.message ?? String(err);
  const status = /Unexpected server response: (\d{3})/.exec(message)?.[1];
  if (status) return sttErrorFromStatus(provider, Number(status), `${stage === 'connect' ? 'handshake refused' : 'request refused'}`);
  const net = e?.code ?? e?.cause?.code ?? NETWORK.exec(message)?.[1];
  if (/timed? ?out|TIMEOUT/i.test(message) && !net) {
    return new DialerError('DIALER_ERR_STT_UNAVAILABLE', `${provider}: ${stage} timed out`, { details: { stage }, cause: err });
  }
  return new DialerError('DIALER_ERR_STT_UNAVAILABLE', `${provider}: ${stage} failed: ${net ?? message}`, {
    details: { stage, ...(net ? { network: net } : {}), ...(stage === 'stream' ? { dropped: true } : {}) },
    cause: err,
  });
}

/** A dropped connection (the provider closed it, or the network did, while streaming). */
export function droppedError(provider: string, code: number, reason: string): DialerError {
  return new DialerError('DIALER_ERR_STT_UNAVAILABLE', `${provider}: connection closed (${code}${reason ? ` ${reason}` : ''})`, {
    details: { dropped: true, closeCode: code },
  });
}

/** True when the error says the connection was established and then lost. */
export function isDropped(err: DialerError): boolean {
  return (err.details as { dropped?: unknown } | undefined)?.dropped === true;
}
