import { ERROR_CODES, type ErrorCode } from './codes.js';

/** Options for {@link DialerError}. */
export interface DialerErrorOptions {
  cause?: unknown;
  /** Machine-readable detail, e.g. field errors; safe to show to the caller. */
  details?: unknown;
  /** Overrides the registry's default, e.g. a 5xx from a vendor. */
  retryable?: boolean;
  /** Overrides the registry's default HTTP status. */
  status?: number;
}

/** An error with a stable code from the registry, an HTTP status and a retry hint. */
export class DialerError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options: DialerErrorOptions = {}) {
    const spec = ERROR_CODES[code];
    super(message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DialerError';
    this.code = code;
    this.status = options.status ?? spec.status;
    this.retryable = options.retryable ?? spec.retryable;
    this.details = options.details;
  }

  /** The shape every API error response and log line uses. */
  toJSON(): { code: ErrorCode; message: string; retryable: boolean; details?: unknown } {
    const out: { code: ErrorCode; message: string; retryable: boolean; details?: unknown } = {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.details !== undefined) out.details = this.details;
    return out;
  }
}

/** Thrown when an object is used after `close()` or before it is ready. */
export class InvalidStateError extends DialerError {
  constructor(message = 'Object used in an invalid state', options: DialerErrorOptions = {}) {
    super('DIALER_ERR_INVALID_STATE', message, options);
    this.name = 'InvalidStateError';
  }
}

/** Narrowing helper that also accepts errors crossing realms (duck-typed on `code`). */
export function isDialerError(err: unknown, code?: ErrorCode): err is DialerError {
  if (!(err instanceof Error)) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string' || !(c in ERROR_CODES)) return false;
  return code === undefined || c === code;
}

/** Whether retrying the failed operation can succeed. Unknown errors (e.g. ECONNRESET) are treated as retryable. */
export function isRetryable(err: unknown): boolean {
  if (isDialerError(err)) return err.retryable;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return false;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * The one place HTTP statuses from a peer are classified: 4xx are final except
 * 408 and 429; 5xx are retryable.
 */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500;
}

/** Maps a vendor or peer HTTP status to a coded error, keeping the status in `details`. */
export function errorFromStatus(
  status: number,
  codes: { auth: ErrorCode; rateLimited: ErrorCode; unavailable: ErrorCode; badRequest: ErrorCode },
  message?: string,
): DialerError {
  const details = { status };
  if (status === 401 || status === 403) return new DialerError(codes.auth, message, { details });
  if (status === 429) return new DialerError(codes.rateLimited, message, { details });
  if (isRetryableStatus(status)) return new DialerError(codes.unavailable, message, { details, retryable: true });
  return new DialerError(codes.badRequest, message, { details, retryable: false });
}
