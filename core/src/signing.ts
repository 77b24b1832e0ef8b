import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DialerError } from './errors/index.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

/** Header names of the Standard Webhooks scheme. */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** Default tolerance between the sender's timestamp and our clock. */
export const DEFAULT_TOLERANCE_S = 300;

const SECRET_PREFIX = 'whsec_';

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** Smallest accepted key, in bytes (the scheme recommends 24 to 64). */
export const MIN_SECRET_BYTES = 16;

/**
 * Decodes a signing secret the Standard Webhooks way: an optional `whsec_`
 * prefix, then base64. Throws DIALER_ERR_VALIDATION for a secret that is not
 * base64 or is shorter than 16 bytes, so a weak secret fails at boot.
 */
export function secretBytes(secret: string): Buffer {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64_RE.test(b64) || b64.length % 4 === 1) {
    throw new DialerError('DIALER_ERR_VALIDATION', 'webhook secret must be base64, optionally prefixed with whsec_');
  }
  const b = Buffer.from(b64, 'base64');
  if (b.length < MIN_SECRET_BYTES) {
    throw new DialerError('DIALER_ERR_VALIDATION', `webhook secret must decode to at least ${MIN_SECRET_BYTES} bytes`);
  }
  return b;
}

/** A new random secret in the `whsec_` form (32 bytes). */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

function hmac(key: Buffer, id: string, timestampS: number, body: string | Buffer): Buffer {
  const h = createHmac('sha256', key);
  h.update(`${id}.${timestampS}.`);
  h.update(body);
  return h.digest();
}

/** Input of {@link signWebhook}. */
export interface SignInput {
  secret: string;
  id: string;
  /** Seconds since the epoch; defaults to now. */
  timestampS?: number;
  body: string | Buffer;
}

/** Computes the three Standard Webhooks headers for a body. */
export function signWebhook(input: SignInput, clock: Clock = systemClock): Record<(typeof WEBHOOK_HEADERS)[keyof typeof WEBHOOK_HEADERS], string> {
  const ts = input.timestampS ?? Math.floor(clock.now() / 1000);
  const sig = hmac(secretBytes(input.secret), input.id, ts, input.body).toString('base64');
  return {
    [WEBHOOK_HEADERS.id]: input.id,
    [WEBHOOK_HEADERS.timestamp]: String(ts),
    [WEBHOOK_HEADERS.signature]: `v1,${sig}`,
  };
}

/**
 * Remembers webhook ids already accepted, so a captured request cannot be
 * replayed inside the tolerance window. Backed by memory, Redis or the store.
 */
export interface ReplayGuard {
  /** Records `id` until `expiresAtMs`; resolves false when it was already recorded. */
  remember(id: string, expiresAtMs: number): Promise<boolean>;
  /** Forgets an id (used when processing failed and the sender should retry). */
  forget(id: string): Promise<void>;
}

/** An in-process {@link ReplayGuard} with bounded memory (oldest ids go first). */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly clock: Clock = systemClock,
    private readonly maxEntries = 100_000,
  ) {}

  async remember(id: string, expiresAtMs: number): Promise<boolean> {
    const now = this.clock.now();
    const prior = this.seen.get(id);
    if (prior !== undefined && prior > now) return false;
    this.seen.delete(id);
    this.seen.set(id, expiresAtMs);
    if (this.seen.size > this.maxEntries) this.sweep(now);
    return true;
  }

  async forget(id: string): Promise<void> {
    this.seen.delete(id);
  }

  private sweep(now: number): void {
    for (const [k, exp] of this.seen) {
      if (exp <= now || this.seen.size > this.maxEntries) this.seen.delete(k);
      else break;
    }
  }
}

/** Input of {@link verifyWebhook}. */
export interface VerifyInput {
  /** One secret, or several during a rotation: any may match. */
  secret: string | readonly string[];
  /** Request headers; names are matched case-insensitively. */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body exactly as received. */
  body: string | Buffer;
  toleranceS?: number;
  /** When given, a reused `webhook-id` is rejected with DIALER_ERR_WEBHOOK_REPLAY. */
  replayGuard?: ReplayGuard;
  clock?: Clock;
}

function header(headers: VerifyInput['headers'], name: string): string | undefined {
  const direct = headers[name] ?? headers[name.toLowerCase()];
  let v = direct;
  if (v === undefined) {
    for (const [k, val] of Object.entries(headers)) {
      if (k.toLowerCase() === name) {
        v = val;
        break;
      }
    }
  }
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Verifies a Standard Webhooks request. Checks, in order: headers present and
 * well-formed (400), timestamp inside the tolerance (401), signature in
 * constant time (401), and the id not seen before (409). Resolves with the id.
 */
export async function verifyWebhook(input: VerifyInput): Promise<{ id: string; timestampS: number }> {
  const clock = input.clock ?? systemClock;
  const toleranceS = input.toleranceS ?? DEFAULT_TOLERANCE_S;
  const id = header(input.headers, WEBHOOK_HEADERS.id);
  const tsRaw = header(input.headers, WEBHOOK_HEADERS.timestamp);
  const sigRaw = header(input.headers, WEBHOOK_HEADERS.signature);
  if (!id || !tsRaw || !sigRaw) {
    throw new DialerError('DIALER_ERR_WEBHOOK_MALFORMED', 'missing webhook-id, webhook-timestamp or webhook-signature header');
  }
  if (id.length > 256) throw new DialerError('DIALER_ERR_WEBHOOK_MALFORMED', 'webhook-id longer than 256 characters');
  if (!/^\d{1,12}$/.test(tsRaw)) throw new DialerError('DIALER_ERR_WEBHOOK_MALFORMED', 'webhook-timestamp is not integer seconds');
  const ts = Number(tsRaw);
  const nowS = Math.floor(clock.now() / 1000);
  if (Math.abs(nowS - ts) > toleranceS) {
    throw new DialerError('DIALER_ERR_WEBHOOK_TIMESTAMP', `webhook-timestamp is ${nowS - ts}s from now; tolerance is ${toleranceS}s`, {
      details: { skewS: nowS - ts, toleranceS },
    });
  }

  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  const expected = secrets.map((s) => hmac(secretBytes(s), id, ts, input.body));
  let matched = false;
  for (const part of sigRaw.split(' ')) {
    const comma = part.indexOf(',');
    if (comma < 0 || part.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(part.slice(comma + 1), 'base64');
    for (const e of expected) {
      // Lengths differ only for a forged or truncated signature; the comparison itself is constant-time.
      if (given.length === e.length && timingSafeEqual(given, e)) matched = true;
    }
  }
  if (!matched) throw new DialerError('DIALER_ERR_WEBHOOK_SIGNATURE');

  if (input.replayGuard) {
    const fresh = await input.replayGuard.remember(id, clock.now() + 2 * toleranceS * 1000);
    if (!fresh) throw new DialerError('DIALER_ERR_WEBHOOK_REPLAY', `webhook-id ${id} was already processed`);
  }
  return { id, timestampS: ts };
}
