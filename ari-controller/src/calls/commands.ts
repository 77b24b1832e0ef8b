import { DialerError, MemoryReplayGuard, NOT_MINE, StoreReplayGuard, type EventBus, type HangupBy, type Message, type ReplayGuard, type Store, type Unsubscribe } from '@dialer/core';
import type { CallManager } from './manager.js';
import type { Monitors } from './monitor.js';
import type { Transfers } from './transfers.js';
import { AGENT_ELSEWHERE } from './agents.js';
import { quietly, updateLeg } from './media.js';

const HANGUP_BY: Record<string, HangupBy> = { agent: 'agent', supervisor: 'supervisor', system: 'system' };

/**
 * The typed bus commands the API and the CLI send to the controller:
 * `cmd.call.*` and `cmd.agent.state`. With several controller nodes every
 * node receives each command; only the owner of the call (or agent) answers,
 * the others say NOT_MINE. A manual originate with no agent is claimed once
 * through the store's replay guard, so exactly one node places it.
 */
export class CommandHandlers {
  private readonly offs: Unsubscribe[] = [];
  private readonly once: ReplayGuard;

  constructor(
    private readonly m: CallManager,
    private readonly transfers: Transfers,
    private readonly monitors: Monitors,
    store: Store | undefined,
  ) {
    this.once = store ? new StoreReplayGuard(store.db) : new MemoryReplayGuard();
  }

  private call(callId: string) {
    return this.m.get(callId);
  }

  async register(bus: EventBus): Promise<void> {
    const m = this.m;
    this.offs.push(
      await bus.handle('cmd.call.hangup', (msg) => {
        const call = this.call(msg.data.callId);
        if (!call) return NOT_MINE;
        call.apply({ type: 'hangup', by: HANGUP_BY[msg.data.reason ?? 'agent'] ?? 'agent' });
        return { callId: call.id };
      }),
      await bus.handle('cmd.call.hold', async (msg) => {
        const call = this.call(msg.data.callId);
        if (!call) return NOT_MINE;
        await this.transfers.hold(call, msg.data.hold);
        return { held: msg.data.hold };
      }),
      await bus.handle('cmd.call.mute', async (msg) => {
        const call = this.call(msg.data.callId);
        if (!call) return NOT_MINE;
        const agent = call.record.agentId ? m.agents.get(call.record.agentId) : undefined;
        if (!agent?.phone) throw new DialerError('DIALER_ERR_CALL_STATE', 'the call has no agent phone to mute');
        // Mute what the agent says (direction in: from the agent into Asterisk).
        if (msg.data.mute) await call.server.client.channels.mute({ channelId: agent.phone.channelId, direction: 'in' });
        else await call.server.client.channels.unmute({ channelId: agent.phone.channelId, direction: 'in' });
        return { muted: msg.data.mute };
      }),
      await bus.handle('cmd.call.dtmf', async (msg) => {
        const call = this.call(msg.data.callId);
        if (!call) return NOT_MINE;
        await call.server.client.channels.sendDTMF({ channelId: call.channelId, dtmf: msg.data.digits });
        return { sent: msg.data.digits.length };
      }),
      await bus.handle('cmd.call.transfer', async (msg) => {
        const call = this.call(msg.data.callId);
        if (!call) return NOT_MINE;
        return this.transfers.run(call, msg.data.action, msg.data.target);
      }),
      await bus.handle('cmd.call.monitor', async (msg) => {
        const call = this.call(msg.data.callId);
        if (!call) return NOT_MINE;
        return this.monitors.run(call, msg.data.supervisorId, msg.data.mode);
      }),
      await bus.handle('cmd.call.record', async (msg) => {
        const call = this.call(msg.data.callId);
        if (!call) return NOT_MINE;
        return this.record(call.id, msg.data.action);
      }),
      await bus.handle('cmd.call.originate', (msg) => this.originate(msg)),
      await bus.handle('cmd.agent.state', async (msg) => {
        const d = msg.data;
        const r = await m.agents.command(msg.tenantId, d.agentId, d.action, d.reason, d.campaignIds);
        return r === AGENT_ELSEWHERE ? NOT_MINE : r;
      }),
    );
  }

  /** Start, stop, pause or resume a call's recording: through the gateway (its taps), or the bridge recording. */
  private async record(callId: string, action: 'start' | 'stop' | 'pause' | 'resume'): Promise<{ action: string }> {
    const call = this.call(callId)!;
    const { info } = call;
    if (info.recording === 'gateway') {
      const legs = this.m.taps.tapsOf(call.id);
      const agent = call.record.agentId ? this.m.agents.get(call.record.agentId) : undefined;
      const targets = legs.filter((t) => t.gatewayId).map((t) => ({ legId: t.legId, gatewayId: t.gatewayId! }));
      if (agent?.phone?.legId && agent.phone.gatewayId) targets.push({ legId: agent.phone.legId, gatewayId: agent.phone.gatewayId });
      if (targets.length === 0) throw new DialerError('DIALER_ERR_RECORDING', 'the call has no media legs to record');
      for (const t of targets) {
        await updateLeg(this.m.link, info.tenantId, {
          ...t,
          ...(action === 'start' ? { record: true } : action === 'stop' ? { record: false } : { recordingPaused: action === 'pause' }),
        });
      }
      return { action };
    }
    const name = `dlr-rec-${call.id}`;
    const { client } = call.server;
    const agent = call.record.agentId ? this.m.agents.get(call.record.agentId) : undefined;
    if (action === 'start') {
      if (!agent) throw new DialerError('DIALER_ERR_CALL_STATE', 'only a connected call can be recorded');
      this.m.startRecording(call, agent);
    } else if (action === 'stop') await quietly(client.recordings.stop({ recordingName: name }));
    else if (action === 'pause') await client.recordings.pause({ recordingName: name });
    else await client.recordings.unpause({ recordingName: name });
    return { action };
  }

  private async originate(msg: Message<'cmd.call.originate'>): Promise<unknown> {
    const d = msg.data;
    const agent = d.agentId ? this.m.agents.get(d.agentId) : undefined;
    if (d.agentId && !agent) return NOT_MINE;
    if (!d.agentId) {
      if (!this.m.servers.some((s) => s.connected)) return NOT_MINE;
      // Exactly one node takes an originate that names no agent.
      if (!(await this.once.remember(`originate:${msg.id}`, Date.now() + 600_000))) return NOT_MINE;
    }
    const campaign = await this.m.campaigns.campaign(msg.tenantId, d.campaignId);
    const leadId = d.leadId === undefined ? undefined : Number(d.leadId);
    return this.m.place(
      {
        tenantId: msg.tenantId,
        ...(d.campaignId ? { campaignId: d.campaignId } : {}),
        ...(leadId !== undefined && Number.isInteger(leadId) ? { leadId } : {}),
        phone: d.phone,
        ...(d.callerId ? { callerId: d.callerId } : {}),
        ringTimeoutS: d.ringTimeoutS ?? campaign?.ringTimeoutS ?? 30,
        amd: false,
        amdAction: 'connect',
        // The agent is reserved and waits on the line: no drop for manual calls.
        dropTimeoutMs: 60_000,
        ...(d.agentId ? { agentId: d.agentId } : {}),
        recording: campaign?.recording ?? 'none',
        ...(campaign?.consentMedia ? { consentMedia: campaign.consentMedia } : {}),
        sttProviders: campaign?.sttProviders ?? [],
        ...(campaign?.sttLanguage ? { sttLanguage: campaign.sttLanguage } : {}),
      },
      'manual',
    );
  }

  async close(): Promise<void> {
    for (const off of this.offs.splice(0)) await off().catch(() => undefined);
  }
}
