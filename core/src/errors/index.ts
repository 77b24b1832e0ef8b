export { ERROR_CODES, type ErrorCode, type ErrorSpec } from './codes.js';
export {
  DialerError,
  InvalidStateError,
  isDialerError,
  isRetryable,
  isRetryableStatus,
  errorFromStatus,
  type DialerErrorOptions,
} from './dialer-error.js';
