import { Type } from '@sinclair/typebox';
import { defineSection, setting } from '@dialer/core';

/** Settings of the API daemon. */
export const apiSection = defineSection(
  'api',
  {
    host: setting({
      env: 'API_HOST',
      schema: Type.String({ minLength: 1 }),
      default: '127.0.0.1',
      doc: 'Address the API listens on. Keep 127.0.0.1 behind a TLS proxy; 0.0.0.0 to listen on every interface.',
    }),
    port: setting({
      env: 'API_PORT',
      schema: Type.Integer({ minimum: 0, maximum: 65535 }),
      default: 8080,
      doc: 'HTTP port of the REST API, WebSockets and console.',
    }),
    bodyLimitBytes: setting({
      env: 'API_BODY_LIMIT_BYTES',
      schema: Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024 }),
      default: 1024 * 1024,
      doc: 'Largest JSON request body; bigger bodies get 413 (CSV uploads stream and have their own limit).',
    }),
    uploadLimitBytes: setting({
      env: 'API_UPLOAD_LIMIT_BYTES',
      schema: Type.Integer({ minimum: 1024, maximum: 10 * 1024 * 1024 * 1024 }),
      default: 512 * 1024 * 1024,
      doc: 'Largest CSV upload (lead and DNC imports), streamed to the importer; bigger uploads get 413.',
    }),
    tokenSecret: setting({
      env: 'API_TOKEN_SECRET',
      schema: Type.String({ minLength: 32 }),
      optional: true,
      secret: true,
      doc: 'Key that signs access and WebSocket tokens (32+ characters). Unset: a random key is created once and kept in the database, shared by every API node.',
    }),
    accessTokenTtlS: setting({
      env: 'API_ACCESS_TOKEN_TTL_S',
      schema: Type.Integer({ minimum: 30, maximum: 86_400 }),
      default: 900,
      doc: 'Lifetime of an access token; clients renew it with their refresh token.',
    }),
    refreshTokenTtlS: setting({
      env: 'API_REFRESH_TOKEN_TTL_S',
      schema: Type.Integer({ minimum: 300, maximum: 365 * 86_400 }),
      default: 30 * 86_400,
      doc: 'Lifetime of a refresh token. Each use rotates it; reusing a rotated one revokes the whole login.',
    }),
    loginMaxFailures: setting({
      env: 'API_LOGIN_MAX_FAILURES',
      schema: Type.Integer({ minimum: 1, maximum: 100 }),
      default: 5,
      doc: 'Wrong passwords in a row before the account is locked for API_LOGIN_LOCKOUT_S.',
    }),
    loginLockoutS: setting({
      env: 'API_LOGIN_LOCKOUT_S',
      schema: Type.Integer({ minimum: 1, maximum: 86_400 }),
      default: 900,
      doc: 'How long an account stays locked after API_LOGIN_MAX_FAILURES failures (an admin can unlock it sooner).',
    }),
    loginRatePerMin: setting({
      env: 'API_LOGIN_RATE_PER_MIN',
      schema: Type.Integer({ minimum: 1, maximum: 10_000 }),
      default: 20,
      doc: 'Login attempts allowed per client address per minute, on every node together when REDIS_URL is set; more get 429.',
    }),
    corsOrigins: setting({
      env: 'API_CORS_ORIGINS',
      schema: Type.Array(Type.String({ minLength: 1 })),
      default: [],
      doc: 'Comma-separated origins allowed to call the API from a browser (e.g. `https://crm.example.com`). Empty: same origin only.',
    }),
    metricsToken: setting({
      env: 'API_METRICS_TOKEN',
      schema: Type.String({ minLength: 16 }),
      optional: true,
      secret: true,
      doc: 'When set, GET /metrics requires `Authorization: Bearer <token>`. Unset: /metrics is open (keep the port private).',
    }),
    readyRequires: setting({
      env: 'API_READY_REQUIRES',
      schema: Type.Array(Type.Union([Type.Literal('asterisk'), Type.Literal('gateway')])),
      default: [],
      doc: 'Extra components GET /ready requires a recent heartbeat from: `asterisk`, `gateway`. They are always reported; listed ones turn /ready 503 when silent.',
    }),
    heartbeatStaleS: setting({
      env: 'API_HEARTBEAT_STALE_S',
      schema: Type.Integer({ minimum: 1, maximum: 3600 }),
      default: 15,
      doc: 'A component whose last bus heartbeat is older than this counts as out of contact in GET /ready.',
    }),
    wsMaxBufferedBytes: setting({
      env: 'API_WS_MAX_BUFFERED_BYTES',
      schema: Type.Integer({ minimum: 16 * 1024, maximum: 256 * 1024 * 1024 }),
      default: 4 * 1024 * 1024,
      doc: 'A WebSocket client with more than this many bytes waiting to be sent is dropped (it reconnects and resumes).',
    }),
    wsResumeWindowS: setting({
      env: 'API_WS_RESUME_WINDOW_S',
      schema: Type.Integer({ minimum: 1, maximum: 3600 }),
      default: 60,
      doc: 'How far back a reconnecting WebSocket client can catch up from its last sequence number.',
    }),
    webhookTimeoutMs: setting({
      env: 'API_WEBHOOK_TIMEOUT_MS',
      schema: Type.Integer({ minimum: 100, maximum: 120_000 }),
      default: 10_000,
      doc: 'Time an endpoint has to answer a webhook delivery before the attempt counts as failed.',
    }),
    webhookRetryWindowS: setting({
      env: 'API_WEBHOOK_RETRY_WINDOW_S',
      schema: Type.Integer({ minimum: 1, maximum: 30 * 86_400 }),
      default: 86_400,
      doc: 'How long a failing webhook delivery is retried (exponential backoff) before it is dead-lettered for manual replay.',
    }),
    consoleDir: setting({
      env: 'API_CONSOLE_DIR',
      schema: Type.String({ minLength: 1 }),
      optional: true,
      doc: 'Folder of the built web console served at `/`. Unset: the `dist` folder of the installed @dialer/console package.',
    }),
    recordingsDir: setting({
      env: 'API_RECORDINGS_DIR',
      schema: Type.String({ minLength: 1 }),
      optional: true,
      doc: 'Folder that relative recording paths are resolved against for downloads. Unset: DATA_DIR.',
    }),
    adminEmail: setting({
      env: 'ADMIN_EMAIL',
      schema: Type.String({ minLength: 3, pattern: '^[^@\\s]+@[^@\\s]+$' }),
      default: 'admin@dialer.local',
      doc: 'E-mail of the administrator created on the very first start (when the database has no tenant yet).',
    }),
    adminPassword: setting({
      env: 'ADMIN_PASSWORD',
      schema: Type.String({ minLength: 10 }),
      optional: true,
      secret: true,
      doc: 'Password of that first administrator. Unset: a random one is generated, printed once on stderr and written to DATA_DIR/initial-admin-password.',
    }),
  },
);
