import { DialerError, type MessageData } from '@dialer/core';
import type { Call } from './call.js';
import type { CallManager } from './manager.js';
import { closeLeg, createExternalMedia, openLeg, quietly, updateLeg } from './media.js';

type Mode = 'listen' | 'whisper' | 'barge';

interface Monitor {
  readonly call: Call;
  readonly supervisorId: string;
  readonly mode: Mode;
  readonly legId: string;
  readonly gatewayId: string;
  readonly emId: string;
  readonly snoopId?: string;
  readonly bridgeId?: string;
}

/**
 * Supervisor monitoring. The supervisor's audio is a WebRTC session on a
 * gateway (`media.webrtc.state`, role supervisor, `userId`), bridged to an
 * ExternalMedia channel here:
 * - listen: a snoop on the customer channel (`spy=both`) in a monitor bridge;
 * - whisper: a snoop on the agent's phone (`spy=both`, `whisper=out`): only the agent hears the supervisor;
 * - barge: the supervisor's channel joins the agent's bridge.
 */
export class Monitors {
  private readonly monitors = new Map<string, Monitor>();
  private readonly sessions = new Map<string, MessageData<'media.webrtc.state'>>();
  private seq = 0;

  constructor(private readonly m: CallManager) {}

  onWebrtcState(d: MessageData<'media.webrtc.state'>): void {
    if (d.role !== 'supervisor' || !d.userId) return;
    if (d.state === 'connected') this.sessions.set(d.userId, d);
    else if (this.sessions.get(d.userId)?.sessionId === d.sessionId) this.sessions.delete(d.userId);
  }

  ownedIds(): Set<string> {
    const s = new Set<string>();
    for (const x of this.monitors.values()) {
      s.add(x.emId);
      if (x.snoopId) s.add(x.snoopId);
      if (x.bridgeId) s.add(x.bridgeId);
    }
    return s;
  }

  async run(call: Call, supervisorId: string, mode: Mode | 'stop'): Promise<{ active: boolean }> {
    const key = `${call.id}/${supervisorId}`;
    const existing = this.monitors.get(key);
    if (existing) await this.stop(existing);
    if (mode === 'stop') return { active: false };
    const agent = call.record.agentId ? this.m.agents.get(call.record.agentId) : undefined;
    if (!agent || (call.record.state !== 'connected' && call.record.state !== 'held' && call.record.state !== 'transferring')) {
      throw new DialerError('DIALER_ERR_CALL_STATE', 'only a call connected to an agent can be monitored');
    }
    if (mode === 'whisper' && !agent.phone) throw new DialerError('DIALER_ERR_CALL_STATE', 'the agent has no phone to whisper to');
    const s = this.sessions.get(supervisorId);
    if (!s) throw new DialerError('DIALER_ERR_MEDIA_NO_GATEWAY', 'the supervisor has no softphone connected (open the console audio first)');
    const { server } = call;
    const legId = `dlr-sup-${call.id}-${++this.seq}`;
    const g = this.m.gateways.get(s.gatewayId);
    const address = await openLeg(
      this.m.link,
      call.info.tenantId,
      { legId, callId: call.id, role: 'supervisor', codec: 'ulaw', gatewayId: s.gatewayId, webrtcSessionId: s.sessionId, ...(call.info.campaignId ? { campaignId: call.info.campaignId } : {}) },
      g?.rtpHost ?? '127.0.0.1',
    );
    const emId = `dlr-em-${legId}`;
    let snoopId: string | undefined;
    let bridgeId: string | undefined;
    try {
      const em = await createExternalMedia(server, { channelId: emId, app: this.m.app, address, format: 'ulaw', sink: () => undefined });
      await updateLeg(this.m.link, call.info.tenantId, { legId, gatewayId: s.gatewayId, ...(em.localHost ? { remoteHost: em.localHost } : {}), ...(em.localPort ? { remotePort: em.localPort } : {}) });
      if (mode === 'barge') {
        await server.client.bridges.addChannel({ bridgeId: agent.bridgeId, channel: emId });
      } else {
        snoopId = `dlr-snoop-${legId}`;
        bridgeId = `dlr-mon-${legId}`;
        server.router.channel(snoopId, () => undefined);
        const started = server.router.waitForStasisStart(snoopId, 5000);
        started.catch(() => undefined);
        await server.client.channels.snoopChannel({
          channelId: mode === 'listen' ? call.channelId : agent.phone!.channelId,
          spy: 'both',
          ...(mode === 'whisper' ? { whisper: 'out' as const } : {}),
          app: this.m.app,
          appArgs: `monitor,${legId}`,
          snoopId,
        });
        await started;
        server.router.bridge(bridgeId, () => undefined);
        await server.client.bridges.create({ type: 'mixing', bridgeId, name: `dialer:monitor:${legId}` });
        await server.client.bridges.addChannel({ bridgeId, channel: `${snoopId},${emId}` });
      }
    } catch (err) {
      await this.stop({ call, supervisorId, mode, legId, gatewayId: s.gatewayId, emId, ...(snoopId ? { snoopId } : {}), ...(bridgeId ? { bridgeId } : {}) }, false);
      throw err;
    }
    const mon: Monitor = { call, supervisorId, mode, legId, gatewayId: s.gatewayId, emId, ...(snoopId ? { snoopId } : {}), ...(bridgeId ? { bridgeId } : {}) };
    this.monitors.set(key, mon);
    call.extras.set(`monitor:${supervisorId}`, () => this.stop(mon));
    this.announce(mon, true);
    return { active: true };
  }

  private announce(x: Monitor, active: boolean): void {
    this.m.publish('call.monitor', x.call.info.tenantId, {
      callId: x.call.id,
      ...(x.call.info.campaignId ? { campaignId: x.call.info.campaignId } : {}),
      supervisorId: x.supervisorId,
      mode: x.mode,
      active,
    });
  }

  private async stop(x: Monitor, announce = true): Promise<void> {
    const key = `${x.call.id}/${x.supervisorId}`;
    if (this.monitors.get(key) === x) this.monitors.delete(key);
    x.call.extras.delete(`monitor:${x.supervisorId}`);
    const { server } = x.call;
    closeLeg(this.m.link, x.call.info.tenantId, { legId: x.legId, gatewayId: x.gatewayId, reason: 'monitor stopped' });
    server.router.forgetChannel(x.emId);
    await quietly(server.client.channels.hangup({ channelId: x.emId }));
    if (x.bridgeId) {
      server.router.forgetBridge(x.bridgeId);
      await quietly(server.client.bridges.destroy({ bridgeId: x.bridgeId }));
    }
    if (x.snoopId) {
      server.router.forgetChannel(x.snoopId);
      await quietly(server.client.channels.hangup({ channelId: x.snoopId }));
    }
    if (announce) this.announce(x, false);
  }
}
