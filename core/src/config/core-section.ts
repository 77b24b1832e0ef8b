import { hostname } from 'node:os';
import { Type } from '@sinclair/typebox';
import { defineSection, setting } from './define.js';

/** Settings every daemon shares. */
export const coreSection = defineSection('core', {
  nodeId: setting({
    env: 'NODE_ID',
    schema: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    default: hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'node',
    defaultDoc: 'the host name',
    doc: 'This node\'s name in logs, the bus and the store (defaults to the host name).',
  }),
  databaseUrl: setting({
    env: 'DATABASE_URL',
    schema: Type.String({ pattern: '^postgres(ql)?://' }),
    optional: true,
    secret: true,
    doc: 'PostgreSQL connection URL. Unset: embedded SQLite in DATA_DIR.',
  }),
  redisUrl: setting({
    env: 'REDIS_URL',
    schema: Type.String({ pattern: '^rediss?://' }),
    optional: true,
    secret: true,
    doc: 'Redis URL for the shared event bus, replay guard and counters. Unset: in-process bus (one process only).',
  }),
  dataDir: setting({
    env: 'DATA_DIR',
    schema: Type.String({ minLength: 1 }),
    default: './data',
    doc: 'Directory for the SQLite database and, by default, recordings.',
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    schema: Type.Union([
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ]),
    default: 'info',
    doc: 'pino log level: fatal, error, warn, info, debug, trace or silent.',
  }),
  logRedactPii: setting({
    env: 'LOG_REDACT_PII',
    schema: Type.Boolean(),
    default: true,
    doc: 'Replace transcripts and phone numbers in logs (the `pii` key) with [redacted].',
  }),
  drainTimeoutMs: setting({
    env: 'DRAIN_TIMEOUT_MS',
    schema: Type.Integer({ minimum: 0, maximum: 600_000 }),
    default: 30_000,
    doc: 'On SIGTERM, how long to wait for work in flight before closing. Keep systemd TimeoutStopSec above it.',
  }),
  busPrefix: setting({
    env: 'BUS_PREFIX',
    schema: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' }),
    default: 'dialer',
    doc: 'Namespace of the Redis channels and keys, so several installations can share one Redis.',
  }),
});
