import { systemClock, type Clock } from '../clock.js';
import { isDialerError } from '../errors/index.js';
import type { AnyMessage } from '../messages/index.js';
import { signWebhook } from '../signing.js';
import type { DeliveryResult, OutboxDelivery, OutboxEntry } from './outbox.js';

/** Options of {@link httpWebhookDelivery}. */
export interface HttpDeliveryOptions {
  /** The receiver, or a function that returns it once known (undefined: not yet, retry later). */
  url: string | (() => string | undefined);
  /** Standard Webhooks secret (`whsec_...`). */
  secret: string;
  timeoutMs: number;
  clock?: Clock;
  fetch?: typeof fetch;
  userAgent?: string;
}

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Delivers outbox messages as signed `POST`s (Standard Webhooks). Every attempt
 * is signed afresh, so a message that waited in the outbox is never stale.
 *
 * Answers: 2xx delivered; 409 (the id was already processed) delivered;
 * 400, 413 and 422 dead-letter the message (it can never be accepted);
 * anything else (401 and 403 included: a secret or clock being fixed) is
 * retried, honouring `Retry-After`.
 */
export function httpWebhookDelivery(o: HttpDeliveryOptions): OutboxDelivery {
  const clock = o.clock ?? systemClock;
  const doFetch = o.fetch ?? fetch;
  return {
    async deliver(entry: OutboxEntry, signal: AbortSignal): Promise<DeliveryResult> {
      const url = typeof o.url === 'function' ? o.url() : o.url;
      if (!url) return { ok: false, retryable: true, error: 'receiver address not known yet' };
      const headers = signWebhook({ secret: o.secret, id: entry.id, body: entry.payload }, clock);
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'user-agent': o.userAgent ?? 'dialer-outbox/1' },
          body: entry.payload,
          signal: AbortSignal.any([signal, AbortSignal.timeout(o.timeoutMs)]),
        });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        return { ok: false, retryable: true, error: `POST ${url} failed: ${e.cause?.code ?? e.name}: ${e.message}` };
      }
      const text = await res.text().catch(() => '');
      if (res.ok) return { ok: true, status: res.status };
      if (res.status === 409) return { ok: true, status: 409, duplicate: true };
      const error = `POST ${url} answered ${res.status}: ${text.slice(0, 300)}`;
      if (res.status === 400 || res.status === 413 || res.status === 422) return { ok: false, retryable: false, status: res.status, error };
      const after = retryAfterMs(res.headers.get('retry-after'), clock.now());
      return { ok: false, retryable: true, status: res.status, error, ...(after === undefined ? {} : { retryAfterMs: after }) };
    },
  };
}

/**
 * Delivers outbox messages to a function in the same process (the one-process
 * start, where the API's ingest runs next to the gateway). A coded error that
 * is not retryable dead-letters the message; anything else is retried.
 */
export function localDelivery(handle: (msg: AnyMessage) => Promise<unknown>): OutboxDelivery {
  return {
    async deliver(entry: OutboxEntry): Promise<DeliveryResult> {
      try {
        await handle(JSON.parse(entry.payload) as AnyMessage);
        return { ok: true };
      } catch (err) {
        if (isDialerError(err) && err.code === 'DIALER_ERR_WEBHOOK_REPLAY') return { ok: true, duplicate: true };
        const retryable = !isDialerError(err) || err.retryable;
        return { ok: false, retryable, error: (err as Error).message, ...(isDialerError(err) ? { status: err.status } : {}) };
      }
    },
  };
}
