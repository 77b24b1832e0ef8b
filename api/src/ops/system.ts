import type { AnyMessage, Clock, EventBus, MessageData, Unsubscribe } from '@dialer/core';
import { CONTROLLER_HEARTBEAT, parseControllerHeartbeat, type ControllerHeartbeat } from './controller-heartbeat.js';

type GatewayBeat = MessageData<'media.gateway.heartbeat'>;
type SttEntry = NonNullable<GatewayBeat['stt']>[number];

/** Heartbeat interval assumed when a beat does not say (the gateway's default MEDIA_HEARTBEAT_MS). */
const DEFAULT_INTERVAL_MS = 2000;
/** A node silent this long is forgotten (decommissioned, renamed): status stops listing it. */
const FORGET_MS = 3600_000;
/** A controller known only by its events counts as up this long after its last one. */
const EVENT_ONLY_UP_MS = 90_000;
/** Bounds, so a flood of made-up ids on the bus cannot grow memory without limit. */
const MAX_NODES = 512;

/**
 * How a node looks from its beats: `up`, `draining` (shutting down), `stale`
 * (3 beats missed), or `unknown` (a controller without heartbeats whose last
 * event is old: idle and dead look the same).
 */
export type NodeState = 'up' | 'draining' | 'stale' | 'unknown';

/** A media gateway, from its `media.gateway.heartbeat`. */
export interface GatewayView {
  gatewayId: string;
  /** The NODE_ID that published the beats. */
  nodeId: string | null;
  /** The RTP address Asterisk is told (MEDIA_ADVERTISE_HOST or MEDIA_RTP_HOST). */
  address: string;
  legs: number;
  maxLegs: number;
  draining: boolean;
  state: NodeState;
  startedAtMs: number;
  lastSeenMs: number;
  lastSeenAgoMs: number;
  stt: SttEntry[];
}

/** An ARI controller node: from its `ari.controller.heartbeat`, or only from the call and agent events it sends. */
export interface ControllerView {
  nodeId: string;
  state: NodeState;
  /** False when the node publishes no heartbeat: it is known only from its events, so servers and calls are unknown. */
  heartbeat: boolean;
  startedAtMs: number | null;
  activeCalls: number | null;
  draining: boolean;
  app: string | null;
  servers: ControllerHeartbeat['servers'];
  lastSeenMs: number;
  lastSeenAgoMs: number;
}

/** A speech-to-text provider across the live gateways. */
export interface SttView {
  provider: string;
  /** `ok` (usable everywhere it is tried), `degraded` (down on some gateways), `down` (down on all), `unused` (configured, not tried). */
  state: 'ok' | 'degraded' | 'down' | 'unused';
  gateways: { ok: number; down: number; unused: number };
  streams: number;
  downUntilMs: number | null;
  lastErrorAtMs: number | null;
  lastError: { code: string; message: string } | null;
}

interface GatewayEntry {
  beat: GatewayBeat;
  source: string | null;
  lastSeenMs: number;
}

interface ControllerEntry {
  beat: ControllerHeartbeat | undefined;
  lastSeenMs: number;
}

function stateOf(ageMs: number, intervalMs: number, draining: boolean): NodeState {
  if (ageMs > 3 * intervalMs) return 'stale';
  return draining ? 'draining' : 'up';
}

/** Keeps a bounded map: the entry silent the longest goes first. */
function remember<V extends { lastSeenMs: number }>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_NODES) map.delete(map.keys().next().value as string);
}

/**
 * What this API node has heard of the other daemons: gateways (and the
 * speech-to-text providers they report), controllers and the Asterisk
 * servers behind them. Every API node hears every bus message, so each has
 * the same view from the moment it starts.
 */
export class SystemTracker {
  private readonly gateways = new Map<string, GatewayEntry>();
  private readonly controllers = new Map<string, ControllerEntry>();
  private readonly unsubs: Unsubscribe[] = [];

  constructor(private readonly clock: Clock) {}

  async start(bus: EventBus): Promise<void> {
    this.unsubs.push(
      await bus.subscribe('media.gateway.heartbeat', (m) => this.onGateway(m)),
      await bus.subscribe(CONTROLLER_HEARTBEAT, (m) => this.onControllerBeat(m)),
      // Without a heartbeat, a controller is still known by the events it sends.
      await bus.subscribe('call.*', (m) => this.onControllerEvent(m)),
      await bus.subscribe('agent.state', (m) => this.onControllerEvent(m)),
    );
  }

  /** Records a gateway heartbeat (the bus handler; tests call it directly). */
  onGateway(m: AnyMessage): void {
    if (m.type !== 'media.gateway.heartbeat') return;
    const beat = m.data;
    if (typeof beat?.gatewayId !== 'string' || beat.gatewayId === '') return;
    remember(this.gateways, beat.gatewayId, { beat, source: m.source ?? null, lastSeenMs: this.clock.now() });
  }

  /** Records a controller heartbeat; a malformed one is ignored. */
  onControllerBeat(m: { type: string; data: unknown }): void {
    if (m.type !== CONTROLLER_HEARTBEAT) return;
    const beat = parseControllerHeartbeat(m.data);
    if (!beat) return;
    remember(this.controllers, beat.nodeId, { beat, lastSeenMs: this.clock.now() });
  }

  private onControllerEvent(m: AnyMessage): void {
    if (!m.source) return;
    const known = this.controllers.get(m.source);
    // A node with heartbeats keeps them (its state comes from the beats); events only refresh when there are none.
    if (known?.beat) return;
    remember(this.controllers, m.source, { beat: undefined, lastSeenMs: this.clock.now() });
  }

  private prune(now: number): void {
    for (const map of [this.gateways, this.controllers] as Map<string, { lastSeenMs: number }>[]) {
      for (const [k, v] of map) if (now - v.lastSeenMs > FORGET_MS) map.delete(k);
    }
  }

  /** The gateways heard in the last hour, by id. */
  gatewayViews(): GatewayView[] {
    const now = this.clock.now();
    this.prune(now);
    return [...this.gateways.values()]
      .map(({ beat, source, lastSeenMs }) => ({
        gatewayId: beat.gatewayId,
        nodeId: source,
        address: beat.rtpHost,
        legs: beat.legs,
        maxLegs: beat.maxLegs,
        draining: beat.draining,
        state: stateOf(now - lastSeenMs, beat.intervalMs ?? DEFAULT_INTERVAL_MS, beat.draining),
        startedAtMs: beat.startedAtMs,
        lastSeenMs,
        lastSeenAgoMs: now - lastSeenMs,
        stt: beat.stt ?? [],
      }))
      .sort((a, b) => a.gatewayId.localeCompare(b.gatewayId));
  }

  /** The controller nodes heard in the last hour, by node id. */
  controllerViews(): ControllerView[] {
    const now = this.clock.now();
    this.prune(now);
    return [...this.controllers.entries()]
      .map(([nodeId, { beat, lastSeenMs }]) => ({
        nodeId,
        // Event-only nodes have no interval: after a quiet spell, idle and dead cannot be told apart.
        state: beat ? stateOf(now - lastSeenMs, beat.intervalMs, beat.draining) : now - lastSeenMs > EVENT_ONLY_UP_MS ? ('unknown' as const) : ('up' as const),
        heartbeat: beat !== undefined,
        startedAtMs: beat?.startedAtMs ?? null,
        activeCalls: beat?.activeCalls ?? null,
        draining: beat?.draining ?? false,
        app: beat?.app ?? null,
        servers: beat?.servers ?? [],
        lastSeenMs,
        lastSeenAgoMs: now - lastSeenMs,
      }))
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  /** Speech-to-text providers as the live (not stale) gateways report them, in the first gateway's chain order. */
  sttViews(gateways: readonly GatewayView[] = this.gatewayViews()): SttView[] {
    const out = new Map<string, SttView>();
    for (const g of gateways) {
      if (g.state === 'stale') continue;
      for (const p of g.stt) {
        let v = out.get(p.provider);
        if (!v) {
          v = { provider: p.provider, state: 'unused', gateways: { ok: 0, down: 0, unused: 0 }, streams: 0, downUntilMs: null, lastErrorAtMs: null, lastError: null };
          out.set(p.provider, v);
        }
        v.gateways[p.state]++;
        v.streams += p.streams ?? 0;
        if (p.state === 'down' && p.downUntilMs !== undefined) v.downUntilMs = Math.max(v.downUntilMs ?? 0, p.downUntilMs);
        if (p.lastError && (v.lastErrorAtMs === null || (p.lastErrorAtMs ?? 0) >= v.lastErrorAtMs)) {
          v.lastErrorAtMs = p.lastErrorAtMs ?? v.lastErrorAtMs;
          v.lastError = { code: p.lastError.code, message: p.lastError.message };
        }
      }
    }
    for (const v of out.values()) {
      const { ok, down } = v.gateways;
      v.state = down > 0 ? (ok > 0 ? 'degraded' : 'down') : ok > 0 ? 'ok' : 'unused';
    }
    return [...out.values()];
  }

  async close(): Promise<void> {
    const u = this.unsubs.splice(0);
    await Promise.allSettled(u.map((f) => f()));
  }
}
