import { TypedEmitter, type Clock, type MessageData, type TimerHandle, type Logger } from '@dialer/core';

/** A media gateway as its heartbeats describe it. */
export interface GatewayInfo {
  readonly gatewayId: string;
  readonly rtpHost: string;
  legs: number;
  maxLegs: number;
  draining: boolean;
  startedAtMs: number;
  intervalMs: number;
  lastSeenMs: number;
  /** Legs this controller opened there since the last beat (so a burst spreads before the next beat). */
  pendingLegs: number;
}

const DEFAULT_INTERVAL_MS = 2000;
const MISSED_BEATS = 3;

/**
 * Healthy media gateways, from their `media.gateway.heartbeat` messages. A
 * gateway that misses 3 beats (of the interval it announces) is dead: the
 * registry says so once, and the controller moves that gateway's taps.
 */
export class GatewayRegistry extends TypedEmitter<{ dead: [GatewayInfo]; alive: [GatewayInfo] }> {
  private readonly gateways = new Map<string, GatewayInfo>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    super({ onListenerError: (err, event) => log.error({ err, event }, 'gateway listener failed') });
  }

  /** Checks for dead gateways every `everyMs` (default: a quarter of the shortest interval seen). */
  start(everyMs = 500): void {
    this.stop();
    this.timer = this.clock.setInterval(() => this.sweep(), everyMs);
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  heartbeat(d: MessageData<'media.gateway.heartbeat'>): void {
    const now = this.clock.now();
    const known = this.gateways.get(d.gatewayId);
    const restarted = known && known.startedAtMs !== d.startedAtMs;
    const g: GatewayInfo = {
      gatewayId: d.gatewayId,
      rtpHost: d.rtpHost,
      legs: d.legs,
      maxLegs: d.maxLegs,
      draining: d.draining,
      startedAtMs: d.startedAtMs,
      intervalMs: d.intervalMs ?? known?.intervalMs ?? DEFAULT_INTERVAL_MS,
      lastSeenMs: now,
      pendingLegs: 0,
    };
    this.gateways.set(d.gatewayId, g);
    if (!known) {
      this.log.info({ gatewayId: d.gatewayId, rtpHost: d.rtpHost }, 'media gateway joined');
      this.emit('alive', g);
    } else if (restarted) {
      // A restart loses every leg: same as a death, then a new gateway.
      this.log.warn({ gatewayId: d.gatewayId }, 'media gateway restarted; its legs are gone');
      this.emit('dead', known);
      this.emit('alive', g);
    }
  }

  private isHealthy(g: GatewayInfo, now: number): boolean {
    return now - g.lastSeenMs <= MISSED_BEATS * g.intervalMs;
  }

  /** Declares gateways that missed 3 beats dead, once. */
  sweep(): void {
    const now = this.clock.now();
    for (const g of [...this.gateways.values()]) {
      if (this.isHealthy(g, now)) continue;
      this.gateways.delete(g.gatewayId);
      this.log.warn({ gatewayId: g.gatewayId, silentMs: now - g.lastSeenMs }, 'media gateway missed 3 heartbeats; treating it as dead');
      this.emit('dead', g);
    }
  }

  /** The healthy, non-draining gateway with the most room, or undefined. */
  pick(exclude?: string): GatewayInfo | undefined {
    const now = this.clock.now();
    let best: GatewayInfo | undefined;
    let bestLoad = Infinity;
    for (const g of this.gateways.values()) {
      if (g.gatewayId === exclude || g.draining || !this.isHealthy(g, now)) continue;
      const used = g.legs + g.pendingLegs;
      if (g.maxLegs > 0 && used >= g.maxLegs) continue;
      const load = g.maxLegs > 0 ? used / g.maxLegs : used;
      if (load < bestLoad) {
        best = g;
        bestLoad = load;
      }
    }
    if (best) best.pendingLegs++;
    return best;
  }

  get(id: string): GatewayInfo | undefined {
    return this.gateways.get(id);
  }

  healthy(): GatewayInfo[] {
    const now = this.clock.now();
    return [...this.gateways.values()].filter((g) => this.isHealthy(g, now));
  }
}
