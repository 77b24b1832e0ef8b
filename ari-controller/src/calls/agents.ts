import {
  DialerError,
  loggedOutAgent,
  newId,
  reduceAgent,
  TypedEmitter,
  type AgentEffect,
  type AgentInput,
  type AgentState,
  type EventType,
  type MessageData,
  type Store,
} from '@dialer/core';
import type { AgentCounts, AgentPool } from '../dialer/ports.js';
import type { AriEvent } from '../ari/generated/models.js';
import { AgentSession } from './agent-session.js';
import type { Call } from './call.js';
import type { GatewayInfo, GatewayRegistry } from './gateways.js';
import { closeLeg, createExternalMedia, openLeg, quietly, updateLeg, type GatewayLink } from './media.js';
import type { CallRepository } from './repository.js';
import type { AriServer } from './server.js';

/** What agent sessions need from the controller. */
export interface AgentDeps {
  readonly store: Store;
  readonly repo: CallRepository;
  readonly link: GatewayLink;
  readonly gateways: GatewayRegistry;
  readonly app: string;
  readonly format: string;
  servers(): AriServer[];
  /** A campaign's required skill, as last read (see CampaignCache.requiredSkill). */
  requiredSkill(tenantId: string, campaignId: string | undefined): string | undefined;
  /** Reads the campaigns an agent logs in to, so their required skills are known. */
  loadCampaigns(tenantId: string, campaignIds: readonly string[]): Promise<void>;
  publish<T extends EventType>(type: T, tenantId: string, data: MessageData<T>): void;
}

/** Returned when another controller node holds the agent. */
export const AGENT_ELSEWHERE = Symbol('agent held by another node');

/**
 * Agent sessions: login with a persistent mixing bridge holding the agent's
 * audio leg (a WebRTC softphone through a gateway, or a SIP phone), the
 * states with their timers, and the pool the dialer reads. Connecting a call
 * is adding the customer's channel to the agent's bridge.
 */
export class AgentSessions extends TypedEmitter<{ available: [AgentSession] }> implements AgentPool {
  private readonly sessions = new Map<string, AgentSession>();
  /** Latest WebRTC session per agent, from `media.webrtc.state` (it may connect before or after login). */
  private readonly webrtc = new Map<string, MessageData<'media.webrtc.state'>>();

  constructor(private readonly d: AgentDeps) {
    super({ onListenerError: (err, event) => d.link.log.error({ err, event }, 'agent listener failed') });
    d.gateways.on('dead', (g) => this.onGatewayDead(g));
  }

  get(agentId: string): AgentSession | undefined {
    return this.sessions.get(agentId);
  }

  all(): AgentSession[] {
    return [...this.sessions.values()];
  }

  /** Channel and bridge ids the sessions own (resync keeps them). */
  ownedIds(): Set<string> {
    const s = new Set<string>();
    for (const a of this.sessions.values()) {
      s.add(a.bridgeId);
      if (a.phone) s.add(a.phone.channelId);
    }
    return s;
  }

  counts(tenantId: string, campaignId: string): AgentCounts {
    let ready = 0;
    let onCall = 0;
    let wrapUp = 0;
    let paused = 0;
    const skill = this.d.requiredSkill(tenantId, campaignId);
    for (const a of this.sessions.values()) {
      // Agents without the campaign's required skill never get its calls, so the dialer must not pace for them.
      if (a.tenantId !== tenantId || a.closed || !a.serves(campaignId) || !a.qualifies(skill)) continue;
      if (a.record.state === 'on_call') onCall++;
      else if (a.record.state === 'wrap_up') wrapUp++;
      else if (a.record.state === 'ready' && a.phone?.up && !a.reservedFor) ready++;
      else if (a.record.state !== 'logged_out') paused++;
    }
    return { available: ready + onCall + wrapUp, ready, onCall, wrapUp, paused };
  }

  /** Can take a call of this campaign (queue): serves it and holds its required skill. */
  eligible(a: AgentSession, tenantId: string, campaignId: string | undefined): boolean {
    return a.tenantId === tenantId && a.serves(campaignId) && a.qualifies(this.d.requiredSkill(tenantId, campaignId));
  }

  /** The best free agent for a campaign on a server: holding its required skill; highest level, then longest idle. */
  findFree(tenantId: string, campaignId: string | undefined, serverId: string): AgentSession | undefined {
    const skill = this.d.requiredSkill(tenantId, campaignId);
    let best: AgentSession | undefined;
    for (const a of this.sessions.values()) {
      if (a.tenantId !== tenantId || a.server.id !== serverId || !a.free || !a.serves(campaignId) || !a.qualifies(skill)) continue;
      const level = a.rank(campaignId, skill);
      const bestLevel = best?.rank(campaignId, skill) ?? -1;
      if (!best || level > bestLevel || (level === bestLevel && a.record.sinceMs < best.record.sinceMs)) best = a;
    }
    return best;
  }

  // --- state changes ---------------------------------------------------------

  private apply(a: AgentSession, input: AgentInput): void {
    const now = this.d.link.clock.now();
    const t = reduceAgent(a.record, input, now);
    a.record = t.agent;
    for (const e of t.effects) this.run(a, e, t.previous);
    if (a.free) this.emit('available', a);
  }

  private run(a: AgentSession, e: AgentEffect, previous: AgentState): void {
    const clock = this.d.link.clock;
    switch (e.type) {
      case 'publish': {
        const r = a.record;
        const campaignId = a.call?.info.campaignId ?? null;
        this.d.publish('agent.state', a.tenantId, {
          agentId: a.agentId,
          userId: a.userId,
          state: r.state,
          previous,
          ...(r.reason ? { reason: r.reason } : {}),
          ...(r.callId ? { callId: r.callId } : {}),
          campaignIds: [...r.campaignIds],
          sinceMs: r.sinceMs,
          ...(r.state === 'wrap_up' && a.call ? { wrapUpS: a.call.info.wrapUpS } : {}),
        });
        void this.d.repo.logAgentState(a.tenantId, a.agentId, { id: newId(r.sinceMs), state: r.state, reason: r.reason ?? null, callId: r.callId ?? null, campaignId, atMs: r.sinceMs });
        if (r.state !== 'logged_out') {
          void this.d.repo.updateSession(a.tenantId, a.agentId, { state: r.state, reason: r.reason ?? null, call_id: r.callId ?? null, since_at: r.sinceMs, updated_at: clock.now() });
        }
        break;
      }
      case 'start_wrap_up_timer':
        clock.clearTimeout(a.wrapTimer);
        a.wrapTimer = clock.setTimeout(() => this.safeApply(a, { type: 'wrap_up_done' }), e.ms);
        break;
      case 'cancel_wrap_up_timer':
        clock.clearTimeout(a.wrapTimer);
        a.wrapTimer = undefined;
        break;
      case 'open_session':
        void this.openSession(a);
        break;
      case 'close_session':
        void this.closeSession(a);
        break;
    }
  }

  private safeApply(a: AgentSession, input: AgentInput): void {
    try {
      this.apply(a, input);
    } catch (err) {
      this.d.link.log.warn({ err: { message: (err as Error).message }, agentId: a.agentId, input: input.type }, 'agent transition refused');
    }
  }

  /** `cmd.agent.state`. Returns AGENT_ELSEWHERE when another node holds the agent. */
  async command(tenantId: string, agentId: string, action: 'login' | 'logout' | 'ready' | 'pause' | 'wrap_up_done', reason?: string, campaignIds?: readonly string[]): Promise<{ state: AgentState } | typeof AGENT_ELSEWHERE> {
    let a = this.sessions.get(agentId);
    if (a && a.tenantId !== tenantId) throw new DialerError('DIALER_ERR_NOT_FOUND', `unknown agent ${agentId}`);
    if (action === 'login') {
      await this.d.loadCampaigns(tenantId, campaignIds ?? []);
      if (a) {
        this.apply(a, { type: 'login', campaignIds: campaignIds ?? [] });
        return { state: a.record.state };
      }
      const created = await this.create(tenantId, agentId, campaignIds ?? []);
      if (created === AGENT_ELSEWHERE) return created;
      a = created;
      this.apply(a, { type: 'login', campaignIds: campaignIds ?? [] });
      return { state: a.record.state };
    }
    if (!a) return AGENT_ELSEWHERE;
    const input: AgentInput = action === 'pause' ? { type: 'pause', ...(reason ? { reason } : {}) } : { type: action };
    this.apply(a, input);
    return { state: a.record.state };
  }

  private async create(tenantId: string, agentId: string, campaignIds: readonly string[]): Promise<AgentSession | typeof AGENT_ELSEWHERE> {
    const row = await this.d.store.tenant(tenantId).selectFrom('agents').select(['id', 'user_id', 'phone_kind', 'sip_endpoint', 'skills', 'status']).where('id', '=', agentId).executeTakeFirst();
    if (!row || row.status !== 'active') throw new DialerError('DIALER_ERR_NOT_FOUND', `unknown agent ${agentId}`);
    const servers = this.d.servers().filter((s) => s.connected);
    if (servers.length === 0) throw new DialerError('DIALER_ERR_ARI_UNREACHABLE', 'no Asterisk server is connected');
    const load = (s: AriServer): number => [...this.sessions.values()].filter((x) => x.server === s).length;
    const server = servers.reduce((a, b) => (load(b) < load(a) ? b : a));
    const now = this.d.link.clock.now();
    const claimed = await this.d.repo.claimSession(
      tenantId,
      {
        agent_id: agentId,
        node_id: this.d.link.nodeId,
        server_id: server.id,
        bridge_id: `dlr-agent-${agentId}`,
        phone_channel_id: null,
        phone_leg_id: null,
        gateway_id: null,
        webrtc_session_id: null,
        state: 'logged_out',
        reason: null,
        call_id: null,
        campaign_ids: JSON.stringify(campaignIds),
        since_at: now,
        updated_at: now,
      },
      this.d.link.nodeId,
    );
    if (!claimed) return AGENT_ELSEWHERE;
    const a = new AgentSession(tenantId, agentId, row.user_id, row.phone_kind === 'sip' ? 'sip' : 'webrtc', row.sip_endpoint ?? undefined, server, loggedOutAgent(now), row.skills);
    this.sessions.set(agentId, a);
    return a;
  }

  // --- the persistent bridge and the phone --------------------------------------

  private async openSession(a: AgentSession): Promise<void> {
    const { server } = a;
    const log = this.d.link.log.child({ agentId: a.agentId });
    try {
      server.router.bridge(a.bridgeId, () => undefined);
      const existing = await server.client.bridges.get({ bridgeId: a.bridgeId }).catch(() => undefined);
      if (!existing) await server.client.bridges.create({ type: 'mixing', bridgeId: a.bridgeId, name: `dialer:agent:${a.agentId}` });
      if (a.phoneKind === 'sip' && a.sipEndpoint) await this.dialSipPhone(a);
      else {
        const w = this.webrtc.get(a.agentId);
        if (w && w.state === 'connected') await this.attachSoftphone(a, w);
      }
    } catch (err) {
      log.warn({ err: { message: (err as Error).message } }, 'agent session setup failed');
    }
  }

  private phoneSink(a: AgentSession, channelId: string): (e: AriEvent) => void {
    return (e) => {
      if ((e.type === 'ChannelDestroyed' || e.type === 'StasisEnd') && a.phone?.channelId === channelId) {
        a.server.router.forgetChannel(channelId);
        this.phoneDown(a, 'phone channel ended');
      }
    };
  }

  private async dialSipPhone(a: AgentSession): Promise<void> {
    const channelId = `dlr-phone-${a.agentId}-${++a.phoneSeq}`;
    a.phone = { channelId, up: false };
    a.server.router.channel(channelId, this.phoneSink(a, channelId));
    const started = a.server.router.waitForStasisStart(channelId, 40_000);
    started.catch(() => undefined);
    await a.server.client.channels.originate({ endpoint: `PJSIP/${a.sipEndpoint}`, app: this.d.app, appArgs: `agent,${a.agentId}`, timeout: 30, channelId, callerId: '"Dialer" <0>' });
    await started;
    await a.server.client.bridges.addChannel({ bridgeId: a.bridgeId, channel: channelId });
    this.phoneUp(a, { channel_id: channelId });
  }

  private async attachSoftphone(a: AgentSession, w: MessageData<'media.webrtc.state'>): Promise<void> {
    if (a.closed || a.record.state === 'logged_out') return;
    if (a.phone?.webrtcSessionId === w.sessionId && a.phone.up) return;
    if (a.phone) await this.dropPhone(a);
    const legId = `dlr-phone-${a.agentId}-${++a.phoneSeq}`;
    const g = this.d.gateways.get(w.gatewayId);
    const address = await openLeg(
      this.d.link,
      a.tenantId,
      { legId, callId: a.call?.id ?? '', role: 'agent', codec: this.d.format === 'slin16' ? 'slin16' : this.d.format === 'alaw' ? 'alaw' : 'ulaw', gatewayId: w.gatewayId, agentId: a.agentId, webrtcSessionId: w.sessionId },
      g?.rtpHost ?? '127.0.0.1',
    );
    const channelId = `dlr-em-${legId}`;
    a.phone = { channelId, legId, gatewayId: w.gatewayId, webrtcSessionId: w.sessionId, up: false };
    const em = await createExternalMedia(a.server, { channelId, app: this.d.app, address, format: this.d.format, sink: this.phoneSink(a, channelId) });
    await a.server.client.bridges.addChannel({ bridgeId: a.bridgeId, channel: channelId });
    await updateLeg(this.d.link, a.tenantId, { legId, gatewayId: w.gatewayId, ...(em.localHost ? { remoteHost: em.localHost } : {}), ...(em.localPort ? { remotePort: em.localPort } : {}) });
    this.phoneUp(a, { channel_id: channelId, leg_id: legId, gateway_id: w.gatewayId, webrtc_session_id: w.sessionId });
  }

  private phoneUp(a: AgentSession, ids: { channel_id: string; leg_id?: string; gateway_id?: string; webrtc_session_id?: string }): void {
    if (!a.phone || a.phone.channelId !== ids.channel_id) return;
    a.phone.up = true;
    void this.d.repo.updateSession(a.tenantId, a.agentId, {
      phone_channel_id: ids.channel_id,
      phone_leg_id: ids.leg_id ?? null,
      gateway_id: ids.gateway_id ?? null,
      webrtc_session_id: ids.webrtc_session_id ?? null,
      updated_at: this.d.link.clock.now(),
    });
    this.d.link.log.info({ agentId: a.agentId, kind: a.phoneKind }, 'agent phone connected');
    if (a.record.state === 'paused' && a.record.reason === 'phone_lost') this.safeApply(a, { type: 'ready' });
    if (a.free) this.emit('available', a);
  }

  private phoneDown(a: AgentSession, why: string): void {
    if (!a.phone) return;
    const wasUp = a.phone.up;
    a.phone = undefined;
    if (wasUp && !a.closed) {
      this.d.link.log.warn({ agentId: a.agentId, why }, 'agent phone lost');
      this.safeApply(a, { type: 'phone_lost' });
    }
  }

  private async dropPhone(a: AgentSession): Promise<void> {
    const p = a.phone;
    if (!p) return;
    a.phone = undefined;
    a.server.router.forgetChannel(p.channelId);
    if (p.legId && p.gatewayId) closeLeg(this.d.link, a.tenantId, { legId: p.legId, gatewayId: p.gatewayId, reason: 'logout' });
    await quietly(a.server.client.channels.hangup({ channelId: p.channelId }));
  }

  private async closeSession(a: AgentSession): Promise<void> {
    a.closed = true;
    this.d.link.clock.clearTimeout(a.wrapTimer);
    this.sessions.delete(a.agentId);
    await this.dropPhone(a);
    a.server.router.forgetBridge(a.bridgeId);
    await quietly(a.server.client.bridges.destroy({ bridgeId: a.bridgeId }));
    await this.d.repo.deleteSession(a.tenantId, a.agentId);
  }

  /** `media.webrtc.state` from a gateway: an agent's softphone came up or went away. */
  onWebrtcState(d: MessageData<'media.webrtc.state'>): void {
    if (d.role !== 'agent' || !d.agentId) return;
    if (d.state === 'connected') this.webrtc.set(d.agentId, d);
    else if (this.webrtc.get(d.agentId)?.sessionId === d.sessionId) this.webrtc.delete(d.agentId);
    const a = this.sessions.get(d.agentId);
    if (!a || a.phoneKind !== 'webrtc') return;
    if (d.state === 'connected') {
      this.attachSoftphone(a, d).catch((err: unknown) => this.d.link.log.warn({ err: { message: (err as Error).message }, agentId: a.agentId }, 'agent softphone leg failed'));
    } else if (a.phone?.webrtcSessionId === d.sessionId) {
      void this.dropPhone(a).then(() => undefined);
      this.phoneDownState(a, `webrtc ${d.state}`);
    }
  }

  private phoneDownState(a: AgentSession, why: string): void {
    if (a.closed) return;
    this.d.link.log.warn({ agentId: a.agentId, why }, 'agent phone lost');
    this.safeApply(a, { type: 'phone_lost' });
  }

  private onGatewayDead(g: GatewayInfo): void {
    for (const a of this.sessions.values()) {
      if (a.phone?.gatewayId !== g.gatewayId) continue;
      void this.dropPhone(a);
      this.phoneDownState(a, 'gateway dead');
    }
  }

  // --- calls ---------------------------------------------------------------------

  reserve(a: AgentSession, callId: string): void {
    a.reservedFor = callId;
  }

  unreserve(a: AgentSession, callId: string): void {
    if (a.reservedFor === callId) {
      a.reservedFor = undefined;
      if (a.free) this.emit('available', a);
    }
  }

  /** The agent takes the call (on_call); throws if they cannot. */
  claim(a: AgentSession, call: Call): void {
    this.apply(a, { type: 'call_connected', callId: call.id });
    a.reservedFor = undefined;
    a.call = call;
    if (a.phone?.legId && a.phone.gatewayId) {
      void updateLeg(this.d.link, a.tenantId, {
        legId: a.phone.legId,
        gatewayId: a.phone.gatewayId,
        callId: call.id,
        ...(call.info.campaignId ? { campaignId: call.info.campaignId } : {}),
        ...(call.info.sttProviders.length > 0 ? { stt: { providers: [...call.info.sttProviders], ...(call.info.sttLanguage ? { language: call.info.sttLanguage } : {}) } } : {}),
        record: call.info.recording === 'gateway' && call.recordingAllowed,
      });
    }
  }

  /** Turns gateway recording of the agent's softphone leg on (after the consent announcement). */
  recordSoftphone(agentId: string, call: Call): void {
    const a = this.sessions.get(agentId);
    if (!a || a.call !== call || !a.phone?.legId || !a.phone.gatewayId) return;
    void updateLeg(this.d.link, a.tenantId, { legId: a.phone.legId, gatewayId: a.phone.gatewayId, callId: call.id, record: true });
  }

  /** The connect failed after claim: back to ready. */
  unclaim(a: AgentSession, call: Call): void {
    if (a.call !== call) return;
    a.call = undefined;
    this.safeApply(a, { type: 'call_ended', wrapUpS: 0 });
  }

  /** The call ended (or left the agent): wrap-up, then ready. */
  release(agentId: string, call: Call): void {
    const a = this.sessions.get(agentId);
    if (!a || a.call !== call) return;
    if (a.phone?.legId && a.phone.gatewayId) void updateLeg(this.d.link, a.tenantId, { legId: a.phone.legId, gatewayId: a.phone.gatewayId, callId: '', record: false });
    // Cleared first: becoming ready hands the agent the next waiting call at once.
    a.call = undefined;
    this.safeApply(a, { type: 'call_ended', wrapUpS: call.info.wrapUpS });
  }

  /** Closes every session's timers (daemon close); the Asterisk side stays, and the next start cleans it up (resync). */
  close(): void {
    for (const a of this.sessions.values()) this.d.link.clock.clearTimeout(a.wrapTimer);
  }

  /** Forgets a session whose Asterisk side vanished (resync), logging the agent out. */
  async lost(a: AgentSession, why: string): Promise<void> {
    this.d.link.log.warn({ agentId: a.agentId, why }, 'agent session lost; logging the agent out');
    a.phone = undefined;
    if (a.call) a.call = undefined;
    a.record = { ...a.record, state: a.record.state === 'on_call' ? 'wrap_up' : a.record.state };
    this.safeApply(a, { type: 'logout' });
    if (!a.closed) await this.closeSession(a);
  }
}
