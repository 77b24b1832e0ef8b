/** What every coded error declares: its HTTP status, whether a retry can succeed, and a default message. */
export interface ErrorSpec {
  readonly status: number;
  readonly retryable: boolean;
  readonly message: string;
}

/**
 * The one registry of coded errors. Codes are stable API: clients branch on
 * them, so never rename one; add new codes at the end of their group.
 */
export const ERROR_CODES = {
  // generic
  DIALER_ERR_INTERNAL: { status: 500, retryable: false, message: 'Internal error' },
  DIALER_ERR_VALIDATION: { status: 400, retryable: false, message: 'Invalid input' },
  DIALER_ERR_NOT_FOUND: { status: 404, retryable: false, message: 'Not found' },
  DIALER_ERR_CONFLICT: { status: 409, retryable: false, message: 'Conflict' },
  DIALER_ERR_UNAUTHORIZED: { status: 401, retryable: false, message: 'Authentication required' },
  DIALER_ERR_FORBIDDEN: { status: 403, retryable: false, message: 'Not allowed' },
  DIALER_ERR_RATE_LIMITED: { status: 429, retryable: true, message: 'Too many requests' },
  DIALER_ERR_PAYLOAD_TOO_LARGE: { status: 413, retryable: false, message: 'Payload too large' },
  DIALER_ERR_UNAVAILABLE: { status: 503, retryable: true, message: 'Service unavailable' },
  DIALER_ERR_TIMEOUT: { status: 504, retryable: true, message: 'Timed out' },
  DIALER_ERR_INVALID_STATE: { status: 409, retryable: false, message: 'Object used in an invalid state' },
  DIALER_ERR_CLOSED: { status: 503, retryable: false, message: 'Object is closed' },
  DIALER_ERR_DRAINING: { status: 503, retryable: true, message: 'Shutting down; not taking new work' },

  // config and boot
  DIALER_ERR_CONFIG_INVALID: { status: 500, retryable: false, message: 'Invalid configuration' },

  // tenancy and auth
  DIALER_ERR_TENANT_SCOPE: { status: 403, retryable: false, message: 'Row belongs to another tenant' },
  DIALER_ERR_ACCOUNT_LOCKED: { status: 423, retryable: true, message: 'Account locked after repeated failures' },
  DIALER_ERR_TOKEN_EXPIRED: { status: 401, retryable: false, message: 'Token expired' },

  // webhooks (Standard Webhooks)
  DIALER_ERR_WEBHOOK_MALFORMED: { status: 400, retryable: false, message: 'Webhook headers or body malformed' },
  DIALER_ERR_WEBHOOK_SIGNATURE: { status: 401, retryable: false, message: 'Webhook signature mismatch' },
  DIALER_ERR_WEBHOOK_TIMESTAMP: { status: 401, retryable: false, message: 'Webhook timestamp outside tolerance' },
  DIALER_ERR_WEBHOOK_REPLAY: { status: 409, retryable: false, message: 'Webhook id already processed' },
  DIALER_ERR_WEBHOOK_DELIVERY: { status: 502, retryable: true, message: 'Webhook delivery failed' },

  // store and bus
  DIALER_ERR_DB_UNAVAILABLE: { status: 503, retryable: true, message: 'Database unavailable' },
  DIALER_ERR_DB_MIGRATION: { status: 500, retryable: false, message: 'Database migration failed' },
  DIALER_ERR_BUS_UNAVAILABLE: { status: 503, retryable: true, message: 'Event bus unavailable' },
  DIALER_ERR_BUS_TIMEOUT: { status: 504, retryable: true, message: 'No reply on the event bus in time' },
  DIALER_ERR_MESSAGE_INVALID: { status: 400, retryable: false, message: 'Message does not match its schema' },

  // Asterisk ARI
  DIALER_ERR_ARI_UNREACHABLE: { status: 503, retryable: true, message: 'Asterisk ARI unreachable' },
  DIALER_ERR_ARI_AUTH: { status: 502, retryable: false, message: 'Asterisk ARI rejected the credentials' },
  DIALER_ERR_ARI_REQUEST: { status: 502, retryable: false, message: 'Asterisk ARI rejected the request' },
  DIALER_ERR_ARI_NOT_IN_STASIS: { status: 409, retryable: true, message: 'Channel not in Stasis application' },
  DIALER_ERR_ARI_NOT_FOUND: { status: 404, retryable: false, message: 'Asterisk has no such channel, bridge or recording' },
  DIALER_ERR_ARI_SERVER_ERROR: { status: 502, retryable: true, message: 'Asterisk ARI failed the request' },
  DIALER_ERR_CALL_STATE: { status: 409, retryable: false, message: 'The call is not in a state that allows this' },
  DIALER_ERR_AGENT_STATE: { status: 409, retryable: false, message: 'The agent is not in a state that allows this' },

  // media
  DIALER_ERR_MEDIA_NO_GATEWAY: { status: 503, retryable: true, message: 'No healthy media gateway' },
  DIALER_ERR_MEDIA_LEG_UNKNOWN: { status: 404, retryable: false, message: 'Unknown media leg' },
  DIALER_ERR_MEDIA_CODEC: { status: 400, retryable: false, message: 'Unsupported codec or format' },
  DIALER_ERR_MEDIA_PORTS_EXHAUSTED: { status: 503, retryable: true, message: 'No free RTP port' },
  DIALER_ERR_RECORDING: { status: 500, retryable: false, message: 'Recording failed' },
  DIALER_ERR_MEDIA_CAPACITY: { status: 503, retryable: true, message: 'Media gateway is at its leg limit' },

  // speech-to-text
  DIALER_ERR_STT_AUTH: { status: 401, retryable: false, message: 'STT provider rejected the credentials' },
  DIALER_ERR_STT_UNAVAILABLE: { status: 503, retryable: true, message: 'STT provider unavailable' },
  DIALER_ERR_STT_RATE_LIMITED: { status: 429, retryable: true, message: 'STT provider rate limit' },
  DIALER_ERR_STT_STALL: { status: 504, retryable: true, message: 'STT provider stopped responding' },
  DIALER_ERR_STT_PROTOCOL: { status: 502, retryable: true, message: 'STT provider sent an unexpected message' },
  DIALER_ERR_STT_BAD_REQUEST: { status: 400, retryable: false, message: 'STT provider rejected the request' },
  DIALER_ERR_STT_EXHAUSTED: { status: 503, retryable: false, message: 'Every STT provider in the chain failed' },

  // dialer and compliance
  DIALER_ERR_DNC: { status: 403, retryable: false, message: 'Number is on a do-not-call list' },
  DIALER_ERR_CALL_WINDOW: { status: 403, retryable: true, message: 'Outside the calling window for this lead' },
  DIALER_ERR_ATTEMPT_LIMIT: { status: 403, retryable: false, message: 'Attempt limit reached for this lead' },
  DIALER_ERR_NO_AGENT: { status: 409, retryable: true, message: 'No agent available' },
  DIALER_ERR_CAMPAIGN_STATE: { status: 409, retryable: false, message: 'Campaign is not in a state that allows this' },
  DIALER_ERR_IMPORT: { status: 400, retryable: false, message: 'Import failed' },
  DIALER_ERR_PHONE_INVALID: { status: 400, retryable: false, message: 'Phone number is not valid' },
} as const satisfies Record<string, ErrorSpec>;

/** Every known error code. */
export type ErrorCode = keyof typeof ERROR_CODES;
