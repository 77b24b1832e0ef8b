import {
  consentRequired,
  createMessage,
  DialerError,
  isDialerError,
  newCall,
  newId,
  type CallPolicy,
  type Clock,
  type DaemonContext,
  type EventType,
  type Logger,
  type MessageData,
} from '@dialer/core';
import type { CallControl, DialRequest } from '../dialer/ports.js';
import type { AriConfig } from '../config.js';
import { ariStatus } from '../transport/ari-http.js';
import { AgentSessions } from './agents.js';
import type { AgentSession } from './agent-session.js';
import { Call, type CallHost, type CallInfo } from './call.js';
import { CampaignCache } from './campaigns.js';
import { GatewayRegistry } from './gateways.js';
import { quietly, type GatewayLink } from './media.js';
import { CallRepository } from './repository.js';
import type { AriServer } from './server.js';
import { TapService } from './taps.js';
import { InboundCalls } from './inbound.js';
import { startRecording, startVoicemail } from './recording.js';

/** A call to place: the dialer's request, where manual calls may have no campaign or lead. */
export type PlaceRequest = Omit<DialRequest, 'campaignId' | 'leadId'> & { readonly campaignId?: string; readonly leadId?: number };

/** Fills `{phone}` / `{digits}` in ARI_OUTBOUND_ENDPOINT. */
export function dialString(template: string, phone: string): string {
  return template.replace(/\{phone\}/g, phone).replace(/\{digits\}/g, phone.replace(/^\+/, ''));
}

/**
 * Runs the calls of every Asterisk server: originates (the dialer's
 * CallControl), inbound calls, connecting humans to agents, queues, and the
 * end of every call. The per-call flow is {@link Call}; agents are
 * {@link AgentSessions}; media taps are {@link TapService}.
 */
export class CallManager implements CallHost, CallControl {
  readonly calls = new Map<string, Call>();
  readonly repo: CallRepository;
  readonly gateways: GatewayRegistry;
  readonly agents: AgentSessions;
  readonly taps: TapService;
  readonly campaigns: CampaignCache;
  readonly clock: Clock;
  readonly nodeId: string;
  readonly app: string;
  readonly amdContext: string;
  readonly link: GatewayLink;
  readonly log: Logger;
  private readonly waiting = new Set<Call>();
  /** Calls hearing hold music (their channel's MOH is on). */
  readonly moh = new Set<string>();
  private draining = false;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly config: AriConfig,
    readonly servers: AriServer[],
  ) {
    this.log = ctx.log;
    this.clock = ctx.clock;
    this.nodeId = ctx.nodeId;
    this.app = config.app;
    this.amdContext = config.amdContext;
    this.repo = new CallRepository(ctx.store, ctx.log);
    this.gateways = new GatewayRegistry(ctx.clock, ctx.log);
    this.link = { bus: ctx.bus, clock: ctx.clock, nodeId: ctx.nodeId, log: ctx.log, requestTimeoutMs: 3000 };
    this.taps = new TapService(this.link, this.gateways, this.repo, config.app, config.tapFormat);
    this.campaigns = new CampaignCache(ctx.store, ctx.clock);
    this.agents = new AgentSessions({
      store: ctx.store,
      repo: this.repo,
      link: this.link,
      gateways: this.gateways,
      app: config.app,
      format: config.tapFormat,
      servers: () => this.servers,
      requiredSkill: (tenantId, campaignId) => this.campaigns.requiredSkill(tenantId, campaignId),
      loadCampaigns: async (tenantId, campaignIds) => {
        await Promise.all(campaignIds.map((id) => this.campaigns.campaign(tenantId, id).catch(() => undefined)));
      },
      publish: (type, tenantId, data) => this.publish(type, tenantId, data),
    });
    this.agents.on('available', (a) => this.onAgentAvailable(a));
    const inbound = new InboundCalls(this);
    for (const s of servers) s.router.onUnclaimed = (e) => inbound.onUnclaimed(s, e);
  }

  publish<T extends EventType>(type: T, tenantId: string, data: MessageData<T>): void {
    this.ctx.bus.publish(createMessage(type, tenantId, data, { clock: this.clock, source: this.nodeId }) as never).catch((err: unknown) => {
      this.log.warn({ err: { message: (err as Error).message }, type }, 'publish failed');
    });
  }

  /** Stops taking new calls (SIGTERM); calls in flight go on. */
  drain(): void {
    this.draining = true;
  }

  /** Calls not yet ended. */
  get active(): number {
    return this.calls.size;
  }

  private pickServer(tenantId: string, campaignId: string | undefined, agentId: string | undefined): AriServer {
    if (agentId) {
      const a = this.agents.get(agentId);
      if (!a) throw new DialerError('DIALER_ERR_AGENT_STATE', `agent ${agentId} is not logged in on this node`);
      if (!a.server.connected) throw new DialerError('DIALER_ERR_ARI_UNREACHABLE', `Asterisk ${a.server.id} is not connected`);
      return a.server;
    }
    const up = this.servers.filter((s) => s.connected);
    if (up.length === 0) throw new DialerError('DIALER_ERR_ARI_UNREACHABLE', 'no Asterisk server is connected');
    if (up.length === 1) return up[0]!;
    const free = (s: AriServer): number => this.agents.all().filter((a) => a.server === s && a.free && this.agents.eligible(a, tenantId, campaignId)).length;
    const load = (s: AriServer): number => [...this.calls.values()].filter((c) => c.server === s).length;
    return up.reduce((best, s) => (free(s) > free(best) || (free(s) === free(best) && load(s) < load(best)) ? s : best));
  }

  // --- outbound -------------------------------------------------------------------

  /** The dialer's port: places one outbound call; resolves once Asterisk accepted the originate. */
  originate(req: DialRequest): Promise<{ callId: string }> {
    return this.place(req, req.agentId && !req.campaignId ? 'manual' : 'outbound');
  }

  /** Places a call: the originate carries the call, lead and campaign ids in the app args and channel variables. */
  async place(req: PlaceRequest, direction: 'outbound' | 'manual'): Promise<{ callId: string }> {
    if (this.draining) throw new DialerError('DIALER_ERR_DRAINING');
    const campaign = await this.campaigns.campaign(req.tenantId, req.campaignId || undefined);
    // Chosen after the last await before the call is registered, so concurrent originates see each other.
    const server = this.pickServer(req.tenantId, req.campaignId || undefined, req.agentId);
    const now = this.clock.now();
    const callId = newId(now);
    const policy: CallPolicy = {
      amd: req.amd && direction === 'outbound',
      amdAction: req.amdAction,
      hasVoicemailMedia: !!req.voicemailMedia,
      dropTimeoutMs: req.dropTimeoutMs,
      hasAbandonMedia: !!req.abandonMedia,
      consent: false,
      queueTimeoutMs: (campaign?.queueTimeoutS ?? 60) * 1000,
    };
    const callerId = req.callerId ?? campaign?.callerId;
    const info: CallInfo = {
      tenantId: req.tenantId,
      direction,
      phone: req.phone,
      ...(callerId ? { callerId } : {}),
      ...(req.campaignId ? { campaignId: req.campaignId } : {}),
      ...(req.leadId !== undefined ? { leadId: req.leadId } : {}),
      ...(req.agentId ? { wantedAgentId: req.agentId } : {}),
      recording: req.recording,
      consentRequired: false,
      ...(req.consentMedia ?? campaign?.consentMedia ? { consentMedia: req.consentMedia ?? campaign?.consentMedia } : {}),
      ...(req.abandonMedia ? { abandonMedia: req.abandonMedia } : {}),
      ...(req.voicemailMedia ? { voicemailMedia: req.voicemailMedia } : {}),
      ...(campaign?.holdMedia ? { holdMedia: campaign.holdMedia } : {}),
      sttProviders: [...req.sttProviders],
      ...(req.sttLanguage ? { sttLanguage: req.sttLanguage } : {}),
      wrapUpS: campaign?.wrapUpS ?? 0,
      queuePriority: campaign?.queuePriority ?? 0,
      ...(campaign ? { queueFallback: campaign.queueFallback } : {}),
      ...(campaign?.script ? { script: campaign.script } : {}),
    };
    const wanted = req.agentId ? this.agents.get(req.agentId) : undefined;
    if (req.agentId) {
      if (!wanted || wanted.record.state !== 'ready' || wanted.reservedFor) throw new DialerError('DIALER_ERR_AGENT_STATE', `agent ${req.agentId} is not ready`);
      this.agents.reserve(wanted, callId);
    }
    const call = new Call(callId, server, info, policy, callId, false, this, this.log, newCall(direction, now));
    this.calls.set(callId, call);
    server.router.channel(callId, (e) => call.onEvent(e));
    void this.repo.insertCall(req.tenantId, {
      id: callId,
      campaign_id: req.campaignId || null,
      lead_id: req.leadId ?? null,
      agent_id: req.agentId ?? null,
      direction,
      phone: req.phone,
      caller_id: callerId ?? null,
      state: 'dialing',
      node_id: this.nodeId,
      asterisk_id: server.id,
      channel_id: callId,
      created_at: now,
      updated_at: now,
    });
    try {
      await server.client.channels.originate({
        endpoint: dialString(this.config.outboundEndpoint, req.phone),
        app: this.app,
        appArgs: [direction, callId, req.campaignId ?? '', req.leadId ?? ''].join(','),
        ...(callerId ? { callerId } : {}),
        timeout: req.ringTimeoutS,
        channelId: callId,
        otherChannelId: `${callId}-2`,
        variables: {
          DIALER_CALL_ID: callId,
          DIALER_TENANT_ID: req.tenantId,
          DIALER_CAMPAIGN_ID: req.campaignId ?? '',
          DIALER_LEAD_ID: String(req.leadId ?? ''),
        },
      });
    } catch (err) {
      if (isDialerError(err, 'DIALER_ERR_ARI_UNREACHABLE')) {
        server.router.forgetChannel(callId);
        this.calls.delete(callId);
        if (wanted) this.agents.unreserve(wanted, callId);
        void this.repo.deleteCall(req.tenantId, callId);
        throw err;
      }
      // Asterisk refused the originate (bad endpoint, allocation failed): a failed attempt, with its CDR.
      call.log.warn({ err: { message: (err as Error).message, status: ariStatus(err) } }, 'originate refused');
      call.apply({ type: 'dial', status: 'CHANUNAVAIL' });
      call.apply({ type: 'destroyed', cause: 0 });
      return { callId };
    }
    this.publish('call.dialing', req.tenantId, {
      callId,
      ...(req.campaignId ? { campaignId: req.campaignId } : {}),
      ...(req.leadId !== undefined ? { leadId: req.leadId } : {}),
      direction,
      phone: req.phone,
      ...(callerId ? { callerId } : {}),
      ...(req.agentId ? { agentId: req.agentId } : {}),
    });
    return { callId };
  }

  // --- agents ---------------------------------------------------------------------

  /** Connect to a free agent now, or wait for one (CallHost). */
  dispatch(call: Call): void {
    if (call.ended) return;
    const step = call.record.step;
    if (step !== 'agent' && step !== 'queue' && step !== 'fallback' && call.record.state !== 'transferring') return;
    this.openCustomerTap(call);
    let agent: AgentSession | undefined;
    if (call.info.wantedAgentId) {
      const a = this.agents.get(call.info.wantedAgentId);
      if (a && a.record.state === 'ready' && (!a.reservedFor || a.reservedFor === call.id) && a.phone?.up && a.server === call.server) agent = a;
    } else agent = this.agents.findFree(call.info.tenantId, call.queueCampaignId, call.server.id);
    if (!agent) {
      this.wait(call);
      return;
    }
    this.connect(call, agent);
  }

  private wait(call: Call): void {
    if (this.waiting.has(call)) return;
    this.waiting.add(call);
    if ((call.info.direction === 'inbound' || call.record.state === 'transferring') && !this.moh.has(call.id)) {
      this.moh.add(call.id);
      call.request('hold music', () => call.server.client.channels.startMoh({ channelId: call.channelId, ...(call.info.holdMedia ? { mohClass: call.info.holdMedia } : {}) }));
    }
    this.publishPositions(call.info.tenantId, call.queueCampaignId);
  }

  private publishPositions(tenantId: string, campaignId: string | undefined): void {
    const now = this.clock.now();
    const queue = [...this.waiting]
      .filter((c) => c.info.direction === 'inbound' && c.info.tenantId === tenantId && c.queueCampaignId === campaignId)
      .sort((a, b) => (a.record.humanAtMs ?? 0) - (b.record.humanAtMs ?? 0));
    queue.forEach((c, i) =>
      this.publish('call.queued', tenantId, {
        callId: c.id,
        ...(c.info.campaignId ? { campaignId: c.info.campaignId } : {}),
        queueId: campaignId ?? 'default',
        position: i + 1,
        waitingMs: Math.max(0, now - (c.record.humanAtMs ?? now)),
      }),
    );
  }

  /** Connects a waiting call to an agent: the customer joins the agent's persistent bridge. */
  connect(call: Call, agent: AgentSession): void {
    this.waiting.delete(call);
    try {
      this.agents.claim(agent, call);
    } catch {
      this.wait(call);
      return;
    }
    const transferring = call.record.state === 'transferring';
    call.apply({ type: 'agent_claimed', agentId: agent.agentId });
    if (call.record.step !== 'connecting' && !transferring) {
      this.agents.unclaim(agent, call);
      return;
    }
    if (this.moh.delete(call.id)) call.request('stop hold music', () => call.server.client.channels.stopMoh({ channelId: call.channelId }));
    call.request('connect to agent', async () => {
      try {
        await call.server.client.bridges.addChannel({ bridgeId: agent.bridgeId, channel: call.channelId });
      } catch (err) {
        if (!call.ended) {
          call.log.warn({ err: { message: (err as Error).message }, agentId: agent.agentId }, 'could not bridge the customer to the agent; hanging up');
          call.apply({ type: 'hangup', by: 'system' });
        }
        return;
      }
      if (call.ended) return;
      // Connected means the agent hears the customer: published only once the customer is in the agent's bridge.
      call.bridgeId = agent.bridgeId;
      call.apply({ type: 'agent_connected', agentId: agent.agentId });
      this.afterConnect(call, agent);
    });
    this.publishPositions(call.info.tenantId, call.queueCampaignId);
  }

  private afterConnect(call: Call, agent: AgentSession): void {
    void this.campaigns.lead(call.info.tenantId, call.info.leadId).then(async (lead) => {
      this.publish('call.popup', call.info.tenantId, {
        callId: call.id,
        ...(call.info.campaignId ? { campaignId: call.info.campaignId } : {}),
        ...(call.info.leadId !== undefined ? { leadId: call.info.leadId } : {}),
        agentId: agent.agentId,
        direction: call.info.direction,
        ...(lead ? { lead } : {}),
        ...(call.info.script ? { script: call.info.script } : {}),
      });
      if (agent.phoneKind === 'sip' && agent.phone && this.wantsTaps(call)) void this.taps.open(call, 'agent', agent.phone.channelId, call.info.recording === 'gateway' && call.recordingAllowed);
      if (call.info.recording === 'none' || call.info.direction === 'inbound') return this.startRecording(call, agent);
      const campaign = await this.campaigns.campaign(call.info.tenantId, call.info.campaignId);
      const needConsent = consentRequired(campaign?.consentMode ?? 'none', true, { country: (lead?.['country'] as string | null) ?? null, region: (lead?.['state'] as string | null) ?? null });
      if (needConsent && call.info.consentMedia) call.play('other', call.info.consentMedia, () => this.startRecording(call, agent));
      else this.startRecording(call, agent);
    });
  }

  private wantsTaps(call: Call): boolean {
    return call.info.sttProviders.length > 0 || call.info.recording === 'gateway';
  }

  private openCustomerTap(call: Call): void {
    if (!this.wantsTaps(call) || call.extras.has(`tap:${call.id}-customer`)) return;
    void this.taps.open(call, 'customer', call.channelId, call.info.recording === 'gateway' && call.recordingAllowed);
  }

  /** Starts recording once any consent announcement has played (see recording.ts). */
  startRecording(call: Call, agent: AgentSession): void {
    startRecording(this, this.ctx.store, call, agent);
  }

  private onAgentAvailable(a: AgentSession): void {
    let best: Call | undefined;
    for (const c of this.waiting) {
      if (c.ended || c.server !== a.server || c.info.tenantId !== a.tenantId) continue;
      if (c.info.wantedAgentId ? c.info.wantedAgentId !== a.agentId : !this.agents.eligible(a, c.info.tenantId, c.queueCampaignId)) continue;
      if (!best || c.info.queuePriority > best.info.queuePriority || (c.info.queuePriority === best.info.queuePriority && (c.record.humanAtMs ?? 0) < (best.record.humanAtMs ?? 0))) best = c;
    }
    if (best && a.free) this.connect(best, a);
  }

  /** Queue timeout (CallHost): voicemail, another queue, or hangup, as the campaign says. */
  queueFallback(call: Call): void {
    const fb = call.info.queueFallback ?? { kind: 'hangup' as const };
    call.log.info({ fallback: fb.kind }, 'queue timeout; taking the fallback');
    if (fb.kind === 'queue' && fb.campaignId) {
      this.waiting.delete(call);
      const from = call.queueCampaignId;
      call.queueCampaignId = fb.campaignId;
      this.publishPositions(call.info.tenantId, from);
      // Read the other queue's campaign first: its required skill decides who may take the call.
      void this.campaigns
        .campaign(call.info.tenantId, fb.campaignId)
        .catch(() => undefined)
        .then(() => this.dispatch(call));
      return;
    }
    this.waiting.delete(call);
    if (this.moh.delete(call.id)) call.request('stop hold music', () => call.server.client.channels.stopMoh({ channelId: call.channelId }));
    if (fb.kind === 'voicemail') {
      startVoicemail(this, this.ctx.store, call, fb.media);
      return;
    }
    if (fb.media) call.play('other', fb.media, () => call.apply({ type: 'hangup', by: 'system' }));
    else call.apply({ type: 'hangup', by: 'system' });
  }

  /** The call ended (CallHost): release the agent, taps, recording and bridges. */
  finished(call: Call): void {
    this.waiting.delete(call);
    this.moh.delete(call.id);
    if (call.info.direction === 'inbound') this.publishPositions(call.info.tenantId, call.queueCampaignId);
    if (call.info.wantedAgentId) {
      const a = this.agents.get(call.info.wantedAgentId);
      if (a) this.agents.unreserve(a, call.id);
    }
    if (call.record.agentId) this.agents.release(call.record.agentId, call);
    for (const [, release] of call.extras) void release().catch(() => undefined);
    call.extras.clear();
    for (const b of call.ownBridges) {
      call.server.router.forgetBridge(b);
      void quietly(call.server.client.bridges.destroy({ bridgeId: b }));
    }
    call.server.router.forgetChannel(call.channelId);
    this.calls.delete(call.id);
  }

  /** A call by id, if this node owns it. */
  get(callId: string): Call | undefined {
    return this.calls.get(callId);
  }

  /** Closes timers (daemon close). */
  close(): void {
    this.gateways.stop();
    this.agents.close();
  }
}
