import type { Logger } from 'pino';
import type { DaemonContext } from '../context.js';
import type { SectionValues } from '../config/define.js';
import type { Daemon } from '../lifecycle.js';
import { silentLogger } from '../logger.js';
import type { MediaEventSink } from '../media/sink.js';
import type { AnyMessage, MessageType } from '../messages/index.js';
import type { aiEventsSection } from './config.js';
import { aiEventsSecrets } from './config.js';
import { httpWebhookDelivery, localDelivery } from './delivery.js';
import { Outbox, type OutboxDelivery } from './outbox.js';

/** The values of {@link aiEventsSection}. */
export type AiEventsConfig = SectionValues<(typeof aiEventsSection)['settings']>;

/** The message types a gateway sends through the durable outbox; the rest (interims, state) go on the bus directly. */
export const OUTBOX_EVENT_TYPES: readonly MessageType[] = ['transcript.final', 'stt.usage'];

/** Options of {@link createAiEventsOutbox}. */
export interface AiEventsOutboxOptions {
  /**
   * In-process receiver, used when AI_EVENTS_URL is unset (the one-process
   * start hands the API's ingest here).
   */
  local?: (msg: AnyMessage) => Promise<unknown>;
  /** Overrides the outbox's backoff start (tests). */
  initialBackoffMs?: number;
}

/**
 * The gateway's outbox toward `/ai/events`: signed HTTP when AI_EVENTS_URL is
 * set, the in-process receiver when one is given, and otherwise a queue that
 * keeps every event until a URL is configured (a warning says so at boot).
 */
export function createAiEventsOutbox(ctx: DaemonContext, config: AiEventsConfig, options: AiEventsOutboxOptions = {}): Outbox {
  const log = ctx.log.child({ component: 'ai-events-outbox' });
  let delivery: OutboxDelivery;
  const secret = aiEventsSecrets(config.secret)[0];
  if (config.url && secret) {
    delivery = httpWebhookDelivery({ url: config.url, secret, timeoutMs: config.timeoutMs, clock: ctx.clock });
    log.info({ url: config.url }, 'ai events go to the API over signed HTTP');
  } else if (options.local) {
    delivery = localDelivery(options.local);
    log.info('ai events go to the API in-process');
  } else {
    delivery = { deliver: async () => ({ ok: false, retryable: true, error: 'AI_EVENTS_URL is not set' }) };
    log.warn('AI_EVENTS_URL is not set: transcripts and usage wait in the outbox until it is');
  }
  return new Outbox({
    store: ctx.store,
    destination: `ai-events@${ctx.nodeId}`,
    delivery,
    clock: ctx.clock,
    log: ctx.log,
    backoff: { initialMs: options.initialBackoffMs ?? 500, maxMs: config.retryMaxMs, jitter: 0.2 },
  });
}

/** An outbox as a daemon: start it before the daemons that enqueue, so it closes after them and drains what they sent. */
export function outboxDaemon(outbox: Outbox, name = `outbox:${outbox.destination}`): Daemon {
  return {
    name,
    async start() {
      outbox.start();
    },
    drain: (signal) => outbox.drain(signal),
    close: () => outbox.close(),
  };
}

/**
 * Wraps a media event sink: final transcripts and usage go into the durable
 * outbox (to `/ai/events`), everything else to `next` (the bus). `emit` never
 * throws; an event the outbox cannot store (database down) falls back to `next`
 * so the live view still gets it, and the failure is logged.
 */
export function outboxEventSink(o: { outbox: Outbox; next: MediaEventSink; log?: Logger; types?: readonly MessageType[] }): MediaEventSink {
  const log = o.log ?? silentLogger();
  const types = new Set<string>(o.types ?? OUTBOX_EVENT_TYPES);
  const inFlight = new Set<Promise<void>>();
  return {
    emit(msg) {
      if (!types.has(msg.type)) {
        o.next.emit(msg);
        return;
      }
      const p = o.outbox.enqueue(msg).catch((err: unknown) => {
        log.error({ err, id: msg.id, type: msg.type }, 'ai event not stored in the outbox; published on the bus only');
        o.next.emit(msg);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async flush() {
      await Promise.allSettled([...inFlight]);
      await o.next.flush?.();
    },
  };
}
