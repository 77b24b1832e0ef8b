import { DialerError, type Speaker } from '@dialer/core';
import type { AriEvent } from '../ari/generated/models.js';
import type { Call } from './call.js';
import type { GatewayInfo, GatewayRegistry } from './gateways.js';
import { closeLeg, createExternalMedia, openLeg, quietly, updateLeg, type GatewayLink } from './media.js';
import type { CallRepository } from './repository.js';

/** One media tap: snoop (spy=in) on a call leg, a bridge, and an ExternalMedia channel toward a gateway. */
export class Tap {
  gatewayId: string | undefined;
  emId: string | undefined;
  generation = 0;
  gapMs = 0;
  closed = false;
  /** Waiting for a healthy gateway (its last one died and none was free). */
  orphanedAtMs: number | undefined;

  constructor(
    readonly call: Call,
    readonly legId: string,
    readonly role: Speaker,
    readonly targetChannelId: string,
    public record: boolean,
  ) {}

  get snoopId(): string {
    return `dlr-snoop-${this.legId}`;
  }

  get bridgeId(): string {
    return `dlr-tap-${this.legId}`;
  }
}

/**
 * Media taps for transcription and recording. For each leg: ask a healthy
 * gateway for an RTP address (`cmd.media.leg.open`), snoop the leg (`spy=in`),
 * bridge the snoop with an ExternalMedia channel toward the gateway (added
 * only after its StasisStart), then tell the gateway Asterisk's address
 * (`cmd.media.leg.update`). When a gateway dies the taps move to a healthy
 * one, and the gap is recorded on the leg. Everything goes at hangup.
 */
export class TapService {
  private readonly taps = new Map<string, Tap>();

  constructor(
    private readonly link: GatewayLink,
    private readonly gateways: GatewayRegistry,
    private readonly repo: CallRepository,
    private readonly app: string,
    private readonly format: string,
  ) {
    gateways.on('dead', (g) => void this.onGatewayDead(g));
    gateways.on('alive', () => void this.adoptOrphans());
  }

  /** Channel and bridge ids the taps own (resync keeps them). */
  ownedIds(): Set<string> {
    const s = new Set<string>();
    for (const t of this.taps.values()) {
      s.add(t.snoopId);
      s.add(t.bridgeId);
      if (t.emId) s.add(t.emId);
    }
    return s;
  }

  tapsOf(callId: string): Tap[] {
    return [...this.taps.values()].filter((t) => t.call.id === callId);
  }

  /** Turns recording on for a call's taps (after its consent announcement). */
  async setRecording(call: Call, on: boolean): Promise<void> {
    for (const t of this.tapsOf(call.id)) {
      if (t.record === on) continue;
      t.record = on;
      if (t.gatewayId) await updateLeg(this.link, call.info.tenantId, { legId: t.legId, gatewayId: t.gatewayId, record: on });
    }
  }

  /** Opens a tap; on failure the call goes on without it (logged). */
  async open(call: Call, role: Speaker, targetChannelId: string, record: boolean): Promise<Tap | undefined> {
    const legId = `${call.id}-${role}`;
    if (this.taps.has(legId) || call.ended) return this.taps.get(legId);
    const tap = new Tap(call, legId, role, targetChannelId, record);
    this.taps.set(legId, tap);
    const { server } = call;
    const now = this.link.clock.now();
    void this.repo.insertLeg(call.info.tenantId, {
      id: legId,
      call_id: call.id,
      role,
      channel_id: targetChannelId,
      snoop_channel_id: tap.snoopId,
      bridge_id: tap.bridgeId,
      gateway_id: null,
      codec: this.format,
      state: 'opening',
      created_at: now,
      closed_at: null,
    });
    call.extras.set(`tap:${legId}`, () => this.close(tap, 'hangup'));
    try {
      server.router.channel(tap.snoopId, (e) => this.onSnoopEvent(tap, e));
      const started = server.router.waitForStasisStart(tap.snoopId, 5000);
      started.catch(() => undefined);
      await server.client.channels.snoopChannel({ channelId: targetChannelId, spy: 'in', app: this.app, appArgs: `tap,${legId}`, snoopId: tap.snoopId });
      await started;
      server.router.bridge(tap.bridgeId, () => undefined);
      await server.client.bridges.create({ type: 'mixing', bridgeId: tap.bridgeId, name: `dialer:tap:${legId}` });
      await server.client.bridges.addChannel({ bridgeId: tap.bridgeId, channel: tap.snoopId });
      if (tap.closed) return undefined;
      await this.attach(tap, undefined);
      return tap;
    } catch (err) {
      call.log.warn({ err: { message: (err as Error).message, code: (err as DialerError).code }, legId, role }, 'media tap failed; the call goes on without it');
      await this.close(tap, 'error');
      return undefined;
    }
  }

  /** Puts the tap's ExternalMedia channel on a healthy gateway (again, after a gateway death). */
  private async attach(tap: Tap, gapMs: number | undefined, exclude?: string): Promise<void> {
    const { call } = tap;
    const g = this.gateways.pick(exclude);
    if (!g) throw new DialerError('DIALER_ERR_MEDIA_NO_GATEWAY', 'no healthy media gateway for the tap');
    const info = call.info;
    const address = await openLeg(
      this.link,
      info.tenantId,
      {
        legId: tap.legId,
        callId: call.id,
        role: tap.role,
        codec: this.format === 'slin16' ? 'slin16' : this.format === 'alaw' ? 'alaw' : 'ulaw',
        gatewayId: g.gatewayId,
        record: tap.record,
        ...(info.sttProviders.length > 0 ? { stt: { providers: [...info.sttProviders], ...(info.sttLanguage ? { language: info.sttLanguage } : {}) } } : {}),
        ...(info.campaignId ? { campaignId: info.campaignId } : {}),
        ...(call.agentId ? { agentId: call.agentId } : {}),
        ...(gapMs !== undefined ? { gapMs } : {}),
      },
      g.rtpHost,
    );
    const emId = `dlr-em-${tap.legId}-${++tap.generation}`;
    let em: Awaited<ReturnType<typeof createExternalMedia>>;
    try {
      em = await createExternalMedia(call.server, { channelId: emId, app: this.app, address, format: this.format, sink: () => undefined });
      if (tap.closed) throw new DialerError('DIALER_ERR_CALL_STATE', 'the call ended while its tap was being set up');
      await call.server.client.bridges.addChannel({ bridgeId: tap.bridgeId, channel: emId });
    } catch (err) {
      // The gateway already opened the leg: close it there, and drop the half-made ExternalMedia channel.
      call.server.router.forgetChannel(emId);
      await quietly(call.server.client.channels.hangup({ channelId: emId }));
      closeLeg(this.link, info.tenantId, { legId: tap.legId, gatewayId: g.gatewayId, reason: tap.closed ? 'hangup' : 'error' });
      if (tap.closed) return;
      throw err;
    }
    tap.emId = emId;
    tap.gatewayId = g.gatewayId;
    tap.orphanedAtMs = undefined;
    await updateLeg(this.link, info.tenantId, {
      legId: tap.legId,
      gatewayId: g.gatewayId,
      ...(em.localHost ? { remoteHost: em.localHost } : {}),
      ...(em.localPort ? { remotePort: em.localPort } : {}),
    });
    void this.repo.updateLeg(info.tenantId, call.id, tap.legId, { state: 'open', gateway_id: g.gatewayId });
  }

  private onSnoopEvent(tap: Tap, e: AriEvent): void {
    // The snooped channel hung up: its snoops end by themselves (StasisEnd; app-only sends no ChannelDestroyed).
    if (e.type === 'StasisEnd' || e.type === 'ChannelDestroyed') tap.call.server.router.forgetChannel(tap.snoopId);
  }

  /** Closes a tap: gateway leg, ExternalMedia channel, bridge and snoop. Idempotent. */
  async close(tap: Tap, reason: string): Promise<void> {
    if (tap.closed) return;
    tap.closed = true;
    this.taps.delete(tap.legId);
    const { server, info } = tap.call;
    if (tap.gatewayId) closeLeg(this.link, info.tenantId, { legId: tap.legId, gatewayId: tap.gatewayId, reason });
    if (tap.emId) {
      server.router.forgetChannel(tap.emId);
      await quietly(server.client.channels.hangup({ channelId: tap.emId }));
    }
    server.router.forgetBridge(tap.bridgeId);
    await quietly(server.client.bridges.destroy({ bridgeId: tap.bridgeId }));
    server.router.forgetChannel(tap.snoopId);
    await quietly(server.client.channels.hangup({ channelId: tap.snoopId }));
    void this.repo.updateLeg(info.tenantId, tap.call.id, tap.legId, { state: 'closed', closed_at: this.link.clock.now() });
  }

  /** A gateway missed 3 beats: move its taps to a healthy one and record the gap. */
  async onGatewayDead(g: GatewayInfo): Promise<void> {
    const affected = [...this.taps.values()].filter((t) => t.gatewayId === g.gatewayId && !t.closed);
    await Promise.all(affected.map((t) => this.move(t, g.lastSeenMs, g.gatewayId)));
  }

  private async move(tap: Tap, lostSinceMs: number, deadGateway: string): Promise<void> {
    const { server } = tap.call;
    const old = tap.emId;
    tap.emId = undefined;
    tap.gatewayId = undefined;
    if (old) {
      server.router.forgetChannel(old);
      await quietly(server.client.channels.hangup({ channelId: old }));
    }
    tap.orphanedAtMs ??= lostSinceMs;
    await this.reattach(tap, deadGateway);
  }

  private async reattach(tap: Tap, exclude?: string): Promise<void> {
    if (tap.closed || tap.orphanedAtMs === undefined) return;
    const since = tap.orphanedAtMs;
    try {
      const gap = Math.max(0, this.link.clock.now() - since);
      await this.attach(tap, gap, exclude);
      tap.gapMs += gap;
      void this.repo.addLegGap(tap.call.info.tenantId, tap.call.id, tap.legId, gap, tap.gatewayId!);
      tap.call.log.warn({ legId: tap.legId, gatewayId: tap.gatewayId, gapMs: gap }, 'media tap moved to another gateway');
    } catch (err) {
      tap.orphanedAtMs = since;
      tap.call.log.warn({ err: { message: (err as Error).message }, legId: tap.legId }, 'media tap has no gateway; waiting for one');
    }
  }

  /** A gateway (re)appeared: taps left without one get it. */
  private async adoptOrphans(): Promise<void> {
    const waiting = [...this.taps.values()].filter((t) => !t.closed && t.orphanedAtMs !== undefined && !t.emId);
    for (const t of waiting) await this.reattach(t);
  }
}
