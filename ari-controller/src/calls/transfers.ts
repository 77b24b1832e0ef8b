import { DialerError, type Target } from '@dialer/core';
import type { AriEvent } from '../ari/generated/models.js';
import type { Call } from './call.js';
import { dialString, type CallManager } from './manager.js';
import { quietly } from './media.js';

/** A consult in progress (warm transfer): who the agent is talking to while the customer holds. */
interface Consult {
  readonly target: Target;
  readonly fromAgentId: string;
  /** Agent target: their phone channel, borrowed into the first agent's bridge. */
  readonly phoneChannelId?: string;
  /** Number target: the external channel. */
  externalId?: string;
  threeWay: boolean;
}

/**
 * Blind transfers (to a queue, an agent or an external number) and warm ones
 * (consult the target while the customer is on hold in a holding bridge, then
 * complete, cancel or go three-way).
 */
export class Transfers {
  private readonly consults = new Map<string, Consult>();
  /** External legs the controller hangs up itself (a cancelled consult): their end is not the customer's. */
  private readonly dropping = new Set<string>();
  private seq = 0;

  constructor(
    private readonly m: CallManager,
    private readonly endpointTemplate: string,
  ) {}

  private announce(call: Call, kind: 'blind' | 'warm' | 'three_way', state: 'started' | 'completed' | 'cancelled', target: Target, fromAgentId?: string): void {
    this.m.publish('call.transferred', call.info.tenantId, {
      callId: call.id,
      ...(call.info.campaignId ? { campaignId: call.info.campaignId } : {}),
      ...(call.info.leadId !== undefined ? { leadId: call.info.leadId } : {}),
      kind,
      state,
      target,
      ...(fromAgentId ? { fromAgentId } : {}),
    });
  }

  private requireConnected(call: Call): string {
    const agentId = call.record.agentId;
    if (!agentId || (call.record.state !== 'connected' && call.record.state !== 'held')) throw new DialerError('DIALER_ERR_CALL_STATE', 'the call is not connected to an agent');
    return agentId;
  }

  async run(call: Call, action: 'blind' | 'warm' | 'complete' | 'cancel' | 'three_way', target?: Target): Promise<{ state: string }> {
    switch (action) {
      case 'blind':
        if (!target) throw new DialerError('DIALER_ERR_VALIDATION', 'a blind transfer needs a target');
        await this.blind(call, target);
        return { state: 'completed' };
      case 'warm':
        if (!target) throw new DialerError('DIALER_ERR_VALIDATION', 'a warm transfer needs a target');
        await this.warm(call, target);
        return { state: 'started' };
      case 'complete':
        await this.complete(call);
        return { state: 'completed' };
      case 'cancel':
        await this.cancel(call);
        return { state: 'cancelled' };
      case 'three_way':
        await this.threeWay(call);
        return { state: 'three_way' };
    }
  }

  private async blind(call: Call, target: Target): Promise<void> {
    const from = this.requireConnected(call);
    const { client } = call.server;
    if (target.kind === 'agent') {
      const to = this.m.agents.get(target.agentId);
      if (!to || !to.free || to.server !== call.server) throw new DialerError('DIALER_ERR_NO_AGENT', `agent ${target.agentId} is not free`);
      this.announce(call, 'blind', 'started', target, from);
      call.apply({ type: 'transferring' });
      this.m.agents.release(from, call);
      this.m.connect(call, to);
      this.announce(call, 'blind', 'completed', target, from);
      return;
    }
    this.announce(call, 'blind', 'started', target, from);
    call.apply({ type: 'transferring' });
    if (call.bridgeId) await quietly(client.bridges.removeChannel({ bridgeId: call.bridgeId, channel: call.channelId }));
    call.bridgeId = undefined;
    this.m.agents.release(from, call);
    if (target.kind === 'queue') {
      call.queueCampaignId = target.campaignId;
      await this.m.campaigns.campaign(call.info.tenantId, target.campaignId).catch(() => undefined);
      this.m.dispatch(call);
    } else {
      await this.dialOut(call, target.phone, async (externalId) => {
        const bridgeId = `dlr-xfer-${call.id}`;
        call.ownBridges.add(bridgeId);
        await client.bridges.create({ type: 'mixing', bridgeId, name: `dialer:transfer:${call.id}` });
        await client.bridges.addChannel({ bridgeId, channel: `${call.channelId},${externalId}` });
        call.bridgeId = bridgeId;
      });
    }
    this.announce(call, 'blind', 'completed', target, from);
  }

  /** Originates an external leg for a transfer; `onAnswer` runs at its StasisStart. Its hangup ends the customer's call too. */
  private async dialOut(call: Call, phone: string, onAnswer: (externalId: string) => Promise<void>): Promise<string> {
    const { client, router } = call.server;
    const externalId = `dlr-xfer-${call.id}-${++this.seq}`;
    let answered = false;
    router.channel(externalId, (e: AriEvent) => {
      if (e.type === 'StasisStart' && !answered) {
        answered = true;
        void onAnswer(externalId).catch((err: unknown) => call.log.warn({ err: { message: (err as Error).message } }, 'transfer bridge failed'));
      }
      if (e.type === 'ChannelDestroyed') {
        router.forgetChannel(externalId);
        call.extras.delete(`xfer:${externalId}`);
        if (this.dropping.delete(externalId)) return;
        const c = this.consults.get(call.id);
        if (c?.externalId === externalId && !c.threeWay) return void this.cancel(call).catch(() => undefined);
        if (!call.ended && (answered || !c)) call.apply({ type: 'hangup', by: 'system' });
      }
    });
    call.extras.set(`xfer:${externalId}`, () => quietly(client.channels.hangup({ channelId: externalId })));
    await client.channels.originate({
      endpoint: dialString(this.endpointTemplate, phone),
      app: this.m.app,
      appArgs: `transfer,${call.id}`,
      channelId: externalId,
      timeout: 30,
      ...(call.info.callerId ? { callerId: call.info.callerId } : {}),
    });
    return externalId;
  }

  private holdBridge(call: Call): string {
    const id = `dlr-hold-${call.id}`;
    call.ownBridges.add(id);
    return id;
  }

  /** Puts the customer in a holding bridge with music (hold, and the first step of a warm transfer). */
  async hold(call: Call, on: boolean): Promise<void> {
    const { client } = call.server;
    const agentBridge = call.record.agentId ? this.m.agents.get(call.record.agentId)?.bridgeId : undefined;
    if (on) {
      if (call.record.state !== 'connected') throw new DialerError('DIALER_ERR_CALL_STATE', 'only a connected call can be held');
      const hold = this.holdBridge(call);
      const exists = await client.bridges.get({ bridgeId: hold }).catch(() => undefined);
      if (!exists) await client.bridges.create({ type: 'holding', bridgeId: hold, name: `dialer:hold:${call.id}` });
      await client.bridges.addChannel({ bridgeId: hold, channel: call.channelId, role: 'participant' });
      await quietly(client.bridges.startMoh({ bridgeId: hold, ...(call.info.holdMedia ? { mohClass: call.info.holdMedia } : {}) }));
      call.bridgeId = hold;
      call.apply({ type: 'hold', held: true });
    } else {
      if (call.record.state !== 'held') throw new DialerError('DIALER_ERR_CALL_STATE', 'the call is not on hold');
      if (!agentBridge) throw new DialerError('DIALER_ERR_CALL_STATE', 'the agent is gone');
      await client.bridges.addChannel({ bridgeId: agentBridge, channel: call.channelId });
      call.bridgeId = agentBridge;
      call.apply({ type: 'hold', held: false });
    }
  }

  private async warm(call: Call, target: Target): Promise<void> {
    const from = this.requireConnected(call);
    if (this.consults.has(call.id)) throw new DialerError('DIALER_ERR_CALL_STATE', 'a transfer is already in progress');
    const agent = this.m.agents.get(from);
    if (!agent) throw new DialerError('DIALER_ERR_CALL_STATE', 'the agent is gone');
    const { client } = call.server;
    let consult: Consult;
    if (target.kind === 'agent') {
      const to = this.m.agents.get(target.agentId);
      if (!to || !to.free || to.server !== call.server || !to.phone) throw new DialerError('DIALER_ERR_NO_AGENT', `agent ${target.agentId} is not free`);
      this.m.agents.reserve(to, call.id);
      consult = { target, fromAgentId: from, phoneChannelId: to.phone.channelId, threeWay: false };
    } else if (target.kind === 'number') {
      consult = { target, fromAgentId: from, threeWay: false };
    } else throw new DialerError('DIALER_ERR_VALIDATION', 'a warm transfer goes to an agent or a number');
    this.consults.set(call.id, consult);
    call.extras.set('consult', () => this.ended(call));
    if (call.record.state === 'connected') await this.hold(call, true);
    call.apply({ type: 'transferring' });
    this.announce(call, 'warm', 'started', target, from);
    if (consult.phoneChannelId) await client.bridges.addChannel({ bridgeId: agent.bridgeId, channel: consult.phoneChannelId });
    else if (target.kind === 'number') {
      consult.externalId = await this.dialOut(call, target.phone, async (externalId) => {
        await client.bridges.addChannel({ bridgeId: agent.bridgeId, channel: externalId });
      });
    }
  }

  private consultOf(call: Call): Consult {
    const c = this.consults.get(call.id);
    if (!c) throw new DialerError('DIALER_ERR_CALL_STATE', 'no transfer in progress');
    return c;
  }

  private async complete(call: Call): Promise<void> {
    const c = this.consultOf(call);
    this.consults.delete(call.id);
    call.extras.delete('consult');
    const { client } = call.server;
    // After a three-way the call is connected again; completing hands it over.
    call.apply({ type: 'transferring' });
    if (c.target.kind === 'agent') {
      const to = this.m.agents.get(c.target.agentId);
      if (!to) throw new DialerError('DIALER_ERR_NO_AGENT', 'the target agent is gone');
      if (c.phoneChannelId) await client.bridges.addChannel({ bridgeId: to.bridgeId, channel: c.phoneChannelId });
      this.m.agents.release(c.fromAgentId, call);
      this.m.agents.unreserve(to, call.id);
      this.m.connect(call, to);
    } else if (c.externalId) {
      const bridgeId = `dlr-xfer-${call.id}`;
      call.ownBridges.add(bridgeId);
      await client.bridges.create({ type: 'mixing', bridgeId, name: `dialer:transfer:${call.id}` });
      await client.bridges.addChannel({ bridgeId, channel: `${call.channelId},${c.externalId}` });
      call.bridgeId = bridgeId;
      this.m.agents.release(c.fromAgentId, call);
    }
    this.announce(call, c.threeWay ? 'three_way' : 'warm', 'completed', c.target, c.fromAgentId);
  }

  private async cancel(call: Call): Promise<void> {
    const c = this.consultOf(call);
    this.consults.delete(call.id);
    call.extras.delete('consult');
    const { client } = call.server;
    const agent = this.m.agents.get(c.fromAgentId);
    if (c.target.kind === 'agent') {
      const to = this.m.agents.get(c.target.agentId);
      if (to && c.phoneChannelId) await quietly(client.bridges.addChannel({ bridgeId: to.bridgeId, channel: c.phoneChannelId }));
      if (to) this.m.agents.unreserve(to, call.id);
    } else if (c.externalId) {
      this.dropping.add(c.externalId);
      await quietly(client.channels.hangup({ channelId: c.externalId }));
    }
    if (agent && !call.ended) {
      await client.bridges.addChannel({ bridgeId: agent.bridgeId, channel: call.channelId });
      call.bridgeId = agent.bridgeId;
      call.apply({ type: 'agent_connected', agentId: agent.agentId });
    }
    this.announce(call, 'warm', 'cancelled', c.target, c.fromAgentId);
  }

  private async threeWay(call: Call): Promise<void> {
    const c = this.consultOf(call);
    const agent = this.m.agents.get(c.fromAgentId);
    if (!agent) throw new DialerError('DIALER_ERR_CALL_STATE', 'the agent is gone');
    c.threeWay = true;
    await call.server.client.bridges.addChannel({ bridgeId: agent.bridgeId, channel: call.channelId });
    call.bridgeId = agent.bridgeId;
    call.apply({ type: 'agent_connected', agentId: agent.agentId });
    this.announce(call, 'three_way', 'started', c.target, c.fromAgentId);
  }

  /** Forgets a call's consult (it ended): a borrowed agent phone goes home. */
  async ended(call: Call): Promise<void> {
    const c = this.consults.get(call.id);
    if (!c) return;
    this.consults.delete(call.id);
    if (c.target.kind === 'agent') {
      const to = this.m.agents.get(c.target.agentId);
      if (to && c.phoneChannelId) await quietly(call.server.client.bridges.addChannel({ bridgeId: to.bridgeId, channel: c.phoneChannelId }));
      if (to) this.m.agents.unreserve(to, call.id);
    }
  }
}
