import type { Logger } from 'pino';
import type { EventBus } from '../bus/index.js';
import type { AnyMessage } from '../messages/index.js';

/**
 * Where the media gateway sends its events (legs, recordings, transcripts,
 * speech-to-text state and usage). The default publishes on the bus; the
 * composition root may wrap it, e.g. with a durable outbox to `/ai/events`.
 * `emit` never throws and never blocks the audio path.
 */
export interface MediaEventSink {
  emit(msg: AnyMessage): void;
  /** Waits for events in flight (on drain). Optional. */
  flush?(): Promise<void>;
}

/** A sink that publishes every event on the bus, logging failures. */
export function busEventSink(bus: EventBus, log: Logger): MediaEventSink {
  const inFlight = new Set<Promise<void>>();
  return {
    emit(msg) {
      const p = bus.publish(msg).catch((err: unknown) => {
        log.warn({ err, type: msg.type }, 'media event publish failed');
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async flush() {
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** A sink that hands every event to several sinks (e.g. the bus and an outbox). */
export function teeEventSink(...sinks: MediaEventSink[]): MediaEventSink {
  return {
    emit(msg) {
      for (const s of sinks) {
        try {
          s.emit(msg);
        } catch {
          // A sink must not break the others (or the audio path).
        }
      }
    },
    async flush() {
      await Promise.allSettled(sinks.map((s) => s.flush?.()));
    },
  };
}
