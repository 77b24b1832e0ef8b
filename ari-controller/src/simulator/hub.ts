import { astTime, type SimBridge, type SimChannel } from './state.js';

/** One events WebSocket, as Asterisk sees it: `GET /ari/events?app=a,b&subscribeAll=...`. */
export interface EventConnection {
  readonly apps: readonly string[];
  readonly subscribeAll: boolean;
  send(text: string): void;
}

/** What an event is about, which decides who receives it in app-only mode. */
export interface EventScope {
  readonly channels?: readonly (SimChannel | undefined)[];
  readonly bridge?: SimBridge | undefined;
}

/** An event as sent, with the scope ids kept for observers. */
export interface SentEvent {
  readonly event: Record<string, unknown> & { type: string };
  readonly channelIds: readonly string[];
  readonly bridgeId?: string;
}

/**
 * Delivers events to the events WebSockets with Asterisk's subscription rules:
 * a `subscribeAll` socket receives everything; an app-only socket receives
 * an event when one of its apps is subscribed to a channel or bridge the
 * event is about.
 */
export class EventHub {
  readonly connections = new Set<EventConnection>();
  private readonly observers = new Set<(e: SentEvent) => void>();
  /** Apps that have had a WebSocket since the last restart. */
  readonly everRegistered = new Set<string>();

  constructor(
    private readonly asteriskId: string,
    private readonly now: () => number,
  ) {}

  add(conn: EventConnection): void {
    this.connections.add(conn);
    for (const a of conn.apps) this.everRegistered.add(a);
  }

  remove(conn: EventConnection): void {
    this.connections.delete(conn);
  }

  /** Apps with a connected WebSocket right now. */
  activeApps(): Set<string> {
    const s = new Set<string>();
    for (const c of this.connections) for (const a of c.apps) s.add(a);
    return s;
  }

  observe(fn: (e: SentEvent) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /** Sends an event; `leading` fields come before `type`, as Asterisk writes ChannelVarset and ChannelHangupRequest. */
  emit(type: string, fields: Record<string, unknown>, scope: EventScope = {}, leading?: Record<string, unknown>): void {
    const at = astTime(this.now());
    const channels = (scope.channels ?? []).filter((c): c is SimChannel => c !== undefined);
    const base = { ...leading, type, timestamp: at, ...fields };
    const sent: SentEvent = {
      event: { ...base, asterisk_id: this.asteriskId },
      channelIds: channels.map((c) => c.id),
      ...(scope.bridge ? { bridgeId: scope.bridge.id } : {}),
    };
    for (const o of this.observers) o(sent);
    for (const conn of this.connections) {
      for (const app of conn.apps) {
        const subscribed = channels.some((c) => c.subscribers.has(app)) || (scope.bridge?.subscribers.has(app) ?? false);
        if (!conn.subscribeAll && !subscribed) continue;
        conn.send(JSON.stringify({ ...base, asterisk_id: this.asteriskId, application: app }));
      }
    }
  }
}
