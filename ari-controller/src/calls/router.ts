import { DialerError, type Clock, type TimerHandle, type Logger } from '@dialer/core';
import type { AriEvent, Channel, StasisStart } from '../ari/generated/models.js';

/** Receives the events of the channels (and bridges, playbacks) it registered. */
export type EventSink = (e: AriEvent) => void;

interface Waiter {
  resolve: (e: StasisStart) => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
}

/** The channel an event is about: `channel`, or `peer` for Dial. */
export function eventChannel(e: AriEvent): Channel | undefined {
  const x = e as { channel?: Channel; peer?: Channel };
  return x.channel ?? x.peer;
}

/**
 * Routes one server's ARI events to their owners by id. Ids are registered
 * before the request that creates them (the controller chooses its channel,
 * bridge and playback ids), so events that arrive before the response — a
 * snoop's StasisStart, ChannelCreated with subscribeAll — are never lost.
 */
export class EventRouter {
  private readonly channels = new Map<string, EventSink>();
  private readonly bridges = new Map<string, EventSink>();
  private readonly playbacks = new Map<string, EventSink>();
  private readonly waiters = new Map<string, Waiter>();
  /** StasisStart of a channel nobody registered: inbound calls, and leftovers. */
  onUnclaimed: ((e: StasisStart) => void) | undefined;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  channel(id: string, sink: EventSink): void {
    this.channels.set(id, sink);
  }

  bridge(id: string, sink: EventSink): void {
    this.bridges.set(id, sink);
  }

  /** Routes a playback's (or a live recording's, by name) events. */
  playback(id: string, sink: EventSink): void {
    this.playbacks.set(id, sink);
  }

  forgetChannel(id: string): void {
    this.channels.delete(id);
    const w = this.waiters.get(id);
    if (w) {
      this.waiters.delete(id);
      this.clock.clearTimeout(w.timer);
      w.reject(new DialerError('DIALER_ERR_ARI_NOT_FOUND', `channel ${id} went away before StasisStart`));
    }
  }

  forgetBridge(id: string): void {
    this.bridges.delete(id);
  }

  forgetPlayback(id: string): void {
    this.playbacks.delete(id);
  }

  knowsChannel(id: string): boolean {
    return this.channels.has(id);
  }

  /** Channel ids registered now (for leak checks and resync). */
  channelIds(): string[] {
    return [...this.channels.keys()];
  }

  bridgeIds(): string[] {
    return [...this.bridges.keys()];
  }

  /**
   * Resolves on the channel's StasisStart. Register it before the request that
   * creates the channel: an ExternalMedia channel must be in Stasis before
   * addChannel, or Asterisk answers 422 "Channel not in Stasis application".
   */
  waitForStasisStart(id: string, timeoutMs: number): Promise<StasisStart> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(id);
        reject(new DialerError('DIALER_ERR_TIMEOUT', `no StasisStart for ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
    });
  }

  /** Rejects every waiter (the connection dropped). */
  failWaiters(reason: string): void {
    for (const [id, w] of this.waiters) {
      this.clock.clearTimeout(w.timer);
      w.reject(new DialerError('DIALER_ERR_ARI_UNREACHABLE', `${reason} while waiting for ${id}`));
    }
    this.waiters.clear();
  }

  dispatch(e: AriEvent): void {
    const ch = eventChannel(e);
    if (e.type === 'StasisStart' && ch) {
      const w = this.waiters.get(ch.id);
      if (w) {
        this.waiters.delete(ch.id);
        this.clock.clearTimeout(w.timer);
        w.resolve(e);
      }
    }
    let delivered = false;
    if (ch) {
      const sink = this.channels.get(ch.id);
      if (sink) {
        delivered = true;
        this.safe(sink, e);
      }
    }
    const bridge = (e as { bridge?: { id: string } }).bridge;
    if (bridge && !delivered) {
      const sink = this.bridges.get(bridge.id);
      if (sink) {
        delivered = true;
        this.safe(sink, e);
      }
    }
    // Playbacks and recordings are routed by the id (or name) the controller gave them.
    const pb = (e as { playback?: { id: string } }).playback ?? (e as { recording?: { name: string } }).recording;
    if (pb) {
      const sink = this.playbacks.get('id' in pb ? pb.id : (pb as { name: string }).name);
      if (sink) {
        delivered = true;
        this.safe(sink, e);
      }
    }
    if (!delivered && e.type === 'StasisStart' && ch) this.onUnclaimed?.(e);
  }

  private safe(sink: EventSink, e: AriEvent): void {
    try {
      sink(e);
    } catch (err) {
      this.log.error({ err, type: e.type }, 'ARI event handler failed');
    }
  }
}
