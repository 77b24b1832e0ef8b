import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';
import { setListenerErrorHandler } from './events.js';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, at the top level or one level down. */
export const SECRET_KEYS = [
  'password',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'secret',
  'authorization',
  'cookie',
  'signature',
  'key',
] as const;

/** Key under which transcripts, phone numbers and other personal data go, so they can be redacted as one. */
export const PII_KEY = 'pii';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** The daemon's name: `api`, `ari`, `media`, `all`, ... */
  name: string;
  level?: LevelWithSilent;
  /** When true (the default), everything under the `pii` key is replaced by `[redacted]`. */
  redactPii?: boolean;
  /** Where lines go; defaults to stdout. Benchmarks pass stderr (fd 2). */
  destination?: DestinationStream | number;
  /** Fields added to every line, e.g. `{ nodeId }`. */
  base?: Record<string, unknown>;
}

function redactPaths(redactPii: boolean): string[] {
  const paths: string[] = [];
  for (const k of SECRET_KEYS) paths.push(k, `*.${k}`);
  paths.push('req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'headers.authorization');
  paths.push('req.headers["webhook-signature"]');
  if (redactPii) paths.push(PII_KEY, `*.${PII_KEY}`);
  return paths;
}

/**
 * Creates a daemon's one root logger. Everything else uses `log.child(...)`:
 * per request, per call (`{ callId }`), per leg.
 */
export function createLogger(options: LoggerOptions): Logger {
  const dest =
    typeof options.destination === 'number'
      ? pino.destination({ fd: options.destination, sync: false })
      : options.destination ?? pino.destination({ fd: 1, sync: false });
  const log = pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      base: { pid: process.pid, ...options.base },
      redact: { paths: redactPaths(options.redactPii ?? true), censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  );
  setListenerErrorHandler((err, event) => log.error({ err, event }, 'event listener threw'));
  return log;
}

/** A logger that writes nothing, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
