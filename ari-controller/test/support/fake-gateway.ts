// A stand-in media gateway on the bus: heartbeats, answers leg commands for
// its own id, and really receives the RTP Asterisk (the simulator) sends.
import { createSocket, type Socket } from 'node:dgram';
import { createMessage, NOT_MINE, type EventBus, type MessageData, type Unsubscribe } from '@dialer/core';

export interface FakeLeg {
  open: MessageData<'cmd.media.leg.open'>;
  updates: MessageData<'cmd.media.leg.update'>[];
  closed: boolean;
  /** RTP packets that arrived from the leg's Asterisk address. */
  packets: number;
}

export class FakeGateway {
  readonly legs = new Map<string, FakeLeg>();
  private socket: Socket | undefined;
  private beat: NodeJS.Timeout | undefined;
  private readonly offs: Unsubscribe[] = [];
  port = 0;
  /** Packets from sources no leg claims yet (before leg.update). */
  unmatched = 0;
  readonly startedAtMs = Date.now();

  constructor(
    private readonly bus: EventBus,
    readonly id: string,
    private readonly intervalMs = 200,
  ) {}

  async start(): Promise<this> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    this.socket = s;
    this.port = s.address().port;
    s.on('message', (_msg, rinfo) => {
      const from = `${rinfo.address}:${rinfo.port}`;
      for (const leg of this.legs.values()) {
        const u = leg.updates.at(-1);
        if (!leg.closed && u && `${u.remoteHost}:${u.remotePort}` === from) {
          leg.packets++;
          return;
        }
      }
      this.unmatched++;
    });
    const mine = <T extends { gatewayId?: string }>(d: T): boolean => d.gatewayId === this.id;
    this.offs.push(
      await this.bus.handle('cmd.media.leg.open', (m) => {
        if (!mine(m.data) || !this.socket) return NOT_MINE;
        this.legs.set(m.data.legId, { open: m.data, updates: [], closed: false, packets: 0 });
        return { rtpHost: '127.0.0.1', rtpPort: this.port };
      }),
      await this.bus.handle('cmd.media.leg.update', (m) => {
        if (!mine(m.data) || !this.socket) return NOT_MINE;
        this.legs.get(m.data.legId)?.updates.push(m.data);
        return { ok: true };
      }),
      await this.bus.handle('cmd.media.leg.close', (m) => {
        if (!mine(m.data) || !this.socket) return NOT_MINE;
        const leg = this.legs.get(m.data.legId);
        if (leg) leg.closed = true;
        return { ok: true };
      }),
    );
    this.heartbeat();
    this.beat = setInterval(() => this.heartbeat(), this.intervalMs);
    return this;
  }

  private heartbeat(): void {
    const open = [...this.legs.values()].filter((l) => !l.closed).length;
    void this.bus
      .publish(
        createMessage('media.gateway.heartbeat', '-', {
          gatewayId: this.id,
          rtpHost: '127.0.0.1',
          legs: open,
          maxLegs: 1000,
          draining: false,
          startedAtMs: this.startedAtMs,
          intervalMs: this.intervalMs,
        }),
      )
      .catch(() => undefined);
  }

  /** A browser session on this gateway came up (or went away) for an agent or a supervisor. */
  async webrtc(o: { sessionId: string; role: 'agent' | 'supervisor'; agentId?: string; userId?: string; state: 'connected' | 'closed' }, tenantId: string): Promise<void> {
    await this.bus.publish(
      createMessage('media.webrtc.state', tenantId, {
        sessionId: o.sessionId,
        gatewayId: this.id,
        legId: `webrtc-${o.sessionId}`,
        role: o.role,
        state: o.state,
        ...(o.agentId ? { agentId: o.agentId } : {}),
        ...(o.userId ? { userId: o.userId } : {}),
      }),
    );
  }

  openLegs(): FakeLeg[] {
    return [...this.legs.values()].filter((l) => !l.closed);
  }

  /** Dies: no more heartbeats, no replies, no socket. */
  async kill(): Promise<void> {
    if (this.beat) clearInterval(this.beat);
    this.beat = undefined;
    for (const off of this.offs.splice(0)) await off();
    this.socket?.close();
    this.socket = undefined;
  }
}
