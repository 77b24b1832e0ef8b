import type { Clock, EventBus, Unsubscribe } from '@dialer/core';

/** The components /ready reports on, and the bus messages that prove each is alive. */
export const HEARTBEAT_SOURCES = {
  // The controller's own heartbeat if it publishes one, and any call or agent event it sends.
  asterisk: ['ari.*', 'call.*', 'agent.state'],
  gateway: ['media.gateway.heartbeat', 'media.leg.*'],
} as const;

export type Component = keyof typeof HEARTBEAT_SOURCES;

/** Remembers when each component was last heard on the bus (every node hears every message). */
export class HeartbeatTracker {
  private readonly last = new Map<Component, number>();
  private readonly unsubs: Unsubscribe[] = [];

  constructor(private readonly clock: Clock) {}

  async start(bus: EventBus): Promise<void> {
    for (const [component, patterns] of Object.entries(HEARTBEAT_SOURCES) as [Component, readonly string[]][]) {
      for (const p of patterns) {
        this.unsubs.push(
          await bus.subscribe(p, (m) => {
            // ari.* also matches nothing else; the controller's heartbeat may carry a `connected` flag.
            const d = m.data as { connected?: unknown; servers?: unknown };
            if (d.connected === false) return;
            // ari.controller.heartbeat: contact with Asterisk means at least one of its servers is connected.
            if (Array.isArray(d.servers) && !d.servers.some((s) => (s as { connected?: unknown } | null)?.connected === true)) return;
            this.last.set(component, this.clock.now());
          }),
        );
      }
    }
  }

  /** Milliseconds since the component was last heard, or undefined when never. */
  ageMs(c: Component): number | undefined {
    const t = this.last.get(c);
    return t === undefined ? undefined : this.clock.now() - t;
  }

  /** Records contact directly (tests, or an in-process probe). */
  touch(c: Component): void {
    this.last.set(c, this.clock.now());
  }

  async close(): Promise<void> {
    const u = this.unsubs.splice(0);
    await Promise.allSettled(u.map((f) => f()));
  }
}
