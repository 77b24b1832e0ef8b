import {
  campaignZones,
  checkLeadAtDialTime,
  claimDueCallbacks,
  claimLeads,
  createPacer,
  PredictivePacer,
  extendClaims,
  isDialerError,
  localDayKey,
  openZones,
  recordAttempt,
  consentRequired,
  releaseLead,
  returnCallback,
  type AnyMessage,
  type LeadRelease,
  type ClaimedLead,
  type Clock,
  type Logger,
  type Pacer,
  type PacingEvent,
  type Store,
  type TimerHandle,
} from '@dialer/core';
import type { CampaignConfig } from './campaign-config.js';
import type { DialerSettings } from './config.js';
import { applyCallOutcome } from './outcomes.js';
import type { AgentCounts, AgentPool, CallControl, DialRequest } from './ports.js';

/** What a campaign runner needs. */
export interface RunnerDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  nodeId: string;
  callControl: CallControl;
  agents: AgentPool;
  settings: DialerSettings;
  readyAgents: (tenantId: string, campaignId: string) => string[];
  /** Replaces the pacer (tests). */
  pacerFor?: (cfg: CampaignConfig) => Pacer | undefined;
}

interface InFlight {
  callId: string;
  lead: ClaimedLead;
  dialedAtMs: number;
  phase: 'dialing' | 'waiting' | 'connected' | 'machine';
  humanAtMs?: number;
  connectedAtMs?: number;
}

const PACED = new Set(['predictive', 'progressive', 'ratio']);

/**
 * Runs one campaign on this node while it holds the campaign's lease: once a
 * tick it asks the pacer how many calls to place, takes leads from the hopper
 * (due callbacks first), checks each again at dial time (call window with
 * state rules, DNC, consumer caps), originates through the call flows, and
 * turns call progress from the bus into pacer events and lead outcomes.
 */
export class CampaignRunner {
  private cfg: CampaignConfig;
  private pacer: Pacer | undefined;
  private timer: TimerHandle | undefined;
  private ticking = false;
  private stopped = false;
  private readonly buffer: ClaimedLead[] = [];
  private readonly calls = new Map<string, InFlight>();
  /** Messages for calls whose originate has not resolved yet, by lead id. */
  private readonly originating = new Map<number, AnyMessage[]>();
  private zones: { at: number; zones: (string | null)[] } | undefined;
  private readonly log: Logger;
  private lastCounts: AgentCounts = { available: 0, ready: 0, onCall: 0, wrapUp: 0, paused: 0 };
  private dials = 0;
  private humans = 0;
  private claimsKeptAt = 0;

  constructor(
    private readonly deps: RunnerDeps,
    cfg: CampaignConfig,
  ) {
    this.cfg = cfg;
    this.log = deps.log.child({ campaignId: cfg.campaignId });
    this.pacer = this.makePacer(cfg);
  }

  get config(): CampaignConfig {
    return this.cfg;
  }

  /** Calls placed and not finished. */
  get inFlight(): number {
    return this.calls.size + this.originating.size;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = this.deps.clock.setInterval(() => void this.tick(), this.deps.settings.tickMs);
  }

  /** New settings (status, mode, target...): the pacer is rebuilt only when its inputs change. */
  setConfig(cfg: CampaignConfig): void {
    const old = this.cfg;
    this.cfg = cfg;
    if (
      old.dialMode !== cfg.dialMode ||
      old.targetAbandonRate !== cfg.targetAbandonRate ||
      old.dialRatio !== cfg.dialRatio ||
      old.complianceMode !== cfg.complianceMode ||
      old.amdFalsePositiveShare !== cfg.amdFalsePositiveShare
    )
      this.pacer = this.makePacer(cfg);
  }

  /** Stops dialing and gives unused leads back. Calls in flight are still followed until they end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.deps.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.releaseBuffer();
  }

  /**
   * Extends the claims of the leads this runner still works on (calls up,
   * leads buffered), at most every third of the claim TTL, so a call longer
   * than the TTL never sees its lead returned to the hopper mid-call.
   */
  async keepClaims(nowMs: number): Promise<void> {
    const ttl = this.deps.settings.claimTtlMs;
    if (nowMs - this.claimsKeptAt < ttl / 3) return;
    this.claimsKeptAt = nowMs;
    const ids = [...[...this.calls.values()].map((c) => c.lead.id), ...this.originating.keys(), ...this.buffer.map((l) => l.id)];
    await extendClaims(this.deps.store, this.cfg.tenantId, this.deps.nodeId, ids, nowMs + ttl).catch((err: unknown) => this.log.warn({ err }, 'extending lead claims failed'));
  }

  /** A figure for `campaign.stats`. */
  snapshot(): { counts: AgentCounts; dialing: number; waiting: number; connected: number; hopper: number; answerRate: number } {
    let dialing = this.originating.size;
    let waiting = 0;
    let connected = 0;
    for (const c of this.calls.values()) {
      if (c.phase === 'dialing') dialing++;
      else if (c.phase === 'waiting') waiting++;
      else if (c.phase === 'connected') connected++;
    }
    return { counts: this.lastCounts, dialing, waiting, connected, hopper: this.buffer.length, answerRate: this.dials > 0 ? this.humans / this.dials : 0 };
  }

  /** Feeds an agent's release to the pacer. */
  agentReleased(atMs: number, talkMs: number, wrapMs: number): void {
    this.observe({ type: 'agent_released', atMs, talkMs, wrapMs });
  }

  /** Handles a call message; true when the call is one of this runner's. */
  async onCallMessage(msg: AnyMessage): Promise<boolean> {
    const data = msg.data as { callId?: string; leadId?: string | number };
    if (!data.callId) return false;
    const call = this.calls.get(data.callId);
    if (!call) {
      const leadId = data.leadId === undefined ? NaN : Number(data.leadId);
      const early = this.originating.get(leadId);
      if (!early) return false;
      early.push(msg);
      return true;
    }
    const at = this.deps.clock.now();
    switch (msg.type) {
      case 'call.answered':
        if (!this.cfg.amd && call.phase === 'dialing') this.human(call, msg.data.atMs);
        break;
      case 'call.amd':
        if (call.phase !== 'dialing') break;
        if (msg.data.result === 'MACHINE') {
          call.phase = 'machine';
          this.observe({ type: 'answered', atMs: at, callId: call.callId, by: 'machine' });
        } else if (msg.data.result === 'HUMAN' || msg.data.result === 'NOTSURE') this.human(call, at);
        break;
      case 'call.connected':
        if (call.phase === 'dialing') this.human(call, at);
        call.phase = 'connected';
        call.connectedAtMs = at;
        this.observe({ type: 'connected', atMs: at, callId: call.callId });
        break;
      case 'call.ended': {
        this.calls.delete(call.callId);
        const d = msg.data;
        if (d.abandoned) {
          if (call.phase === 'dialing') this.human(call, at);
          this.observe({ type: 'abandoned', atMs: at, callId: call.callId });
        } else if (call.phase === 'dialing') {
          if (d.outcome === 'human') {
            this.human(call, at);
          } else if (d.outcome === 'machine') {
            this.observe({ type: 'answered', atMs: at, callId: call.callId, by: 'machine' });
          } else {
            const reason = d.outcome === 'busy' || d.outcome === 'no_answer' || d.outcome === 'congestion' ? d.outcome : 'failed';
            this.observe({ type: 'unanswered', atMs: at, callId: call.callId, reason });
          }
        }
        const connected = call.connectedAtMs !== undefined;
        await applyCallOutcome(this.deps.store, this.log, this.deps.nodeId, this.cfg, {
          callId: call.callId,
          lead: call.lead,
          outcome: d.outcome,
          abandoned: d.abandoned,
          machine: call.phase === 'machine' || d.outcome === 'machine',
          connected,
          talkMs: d.talkMs,
          waitMs: connected && call.humanAtMs !== undefined ? call.connectedAtMs! - call.humanAtMs : 0,
          atMs: at,
        }).catch((err: unknown) => this.log.error({ err, callId: call.callId }, 'recording the call outcome failed'));
        break;
      }
      default:
        break;
    }
    return true;
  }

  private human(call: InFlight, at: number): void {
    call.phase = 'waiting';
    call.humanAtMs = at;
    this.humans++;
    this.observe({ type: 'answered', atMs: at, callId: call.callId, by: 'human' });
  }

  private observe(e: PacingEvent): void {
    try {
      this.pacer?.observe(e);
    } catch (err) {
      this.log.error({ err, event: e.type }, 'pacer observe failed');
    }
  }

  private makePacer(cfg: CampaignConfig): Pacer | undefined {
    return this.deps.pacerFor?.(cfg) ?? pacerForCampaign(cfg);
  }

  /** One pacing round; ticks never overlap. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      await this.round();
    } catch (err) {
      this.log.error({ err }, 'dialer tick failed');
    } finally {
      this.ticking = false;
    }
  }

  private async round(): Promise<void> {
    const cfg = this.cfg;
    const counts = this.deps.agents.counts(cfg.tenantId, cfg.campaignId);
    this.lastCounts = counts;
    if (!this.pacer || cfg.status !== 'running' || cfg.kind === 'inbound') return;
    const s = this.snapshot();
    const now = this.deps.clock.now();
    const want = this.pacer.decide({
      nowMs: now,
      agentsAvailable: counts.available,
      agentsReady: counts.ready,
      agentsOnCall: counts.onCall,
      agentsWrapUp: counts.wrapUp,
      callsDialing: s.dialing,
      callsWaiting: s.waiting,
    });
    // The campaign's ceiling on lines per available agent.
    const ceiling = Math.floor(Math.max(1, cfg.maxDialLevel) * counts.available) - s.dialing - s.waiting;
    let n = Math.max(0, Math.min(Math.floor(want), ceiling, 200));
    while (n > 0 && !this.stopped && this.cfg.status === 'running') {
      const lead = await this.nextLead(n);
      if (!lead) break;
      if (await this.dial(lead)) n--;
    }
  }

  private async nextLead(need: number): Promise<ClaimedLead | undefined> {
    if (this.buffer.length === 0) await this.refill(need);
    return this.buffer.shift();
  }

  private async refill(need: number): Promise<void> {
    const cfg = this.cfg;
    const now = this.deps.clock.now();
    const limit = Math.min(200, Math.max(need * 2, 10));
    const base = { tenantId: cfg.tenantId, campaignId: cfg.campaignId, nodeId: this.deps.nodeId, nowMs: now, leaseMs: this.deps.settings.claimTtlMs };
    const callbacks = await claimDueCallbacks(this.deps.store, { ...base, limit, readyAgentIds: this.deps.readyAgents(cfg.tenantId, cfg.campaignId) });
    this.buffer.push(...callbacks);
    if (this.buffer.length >= need) return;
    if (!this.zones || now - this.zones.at > 300_000) this.zones = { at: now, zones: await campaignZones(this.deps.store, cfg.tenantId, cfg.campaignId) };
    const open = openZones(cfg.window, this.zones.zones, now);
    const leads = await claimLeads(this.deps.store, {
      ...base,
      limit: limit - this.buffer.length,
      order: cfg.leadOrder,
      listMix: cfg.listMix,
      zones: open.zones,
      includeUnknownZone: open.includeUnknownZone,
    });
    this.buffer.push(...leads);
  }

  /** Dial-time checks, then originate. True when a call was placed. */
  private async dial(lead: ClaimedLead): Promise<boolean> {
    const cfg = this.cfg;
    const { store, nodeId } = this.deps;
    const now = this.deps.clock.now();
    const back = async (release: LeadRelease): Promise<boolean> => {
      if (lead.callbackId) await returnCallback(store, cfg.tenantId, lead.callbackId, release, now);
      return releaseLead(store, cfg.tenantId, nodeId, lead.id, release, now);
    };
    const refusal = await checkLeadAtDialTime(
      store,
      { tenantId: cfg.tenantId, campaignId: cfg.campaignId, window: cfg.window, maxAttempts: cfg.recycle.maxAttempts, maxAttemptsPerDay: cfg.recycle.maxAttemptsPerDay, consumerCaps: cfg.consumerCaps },
      lead,
      now,
    );
    if (refusal) {
      if (refusal.reason === 'dnc') this.log.info({ leadId: lead.id }, 'lead on DNC at dial time; skipped');
      await back(refusal.release);
      return false;
    }
    const dayKey = localDayKey(lead, cfg.window, now);

    const req: DialRequest = {
      tenantId: cfg.tenantId,
      campaignId: cfg.campaignId,
      leadId: lead.id,
      phone: lead.dialPhone,
      ringTimeoutS: cfg.ringTimeoutS,
      amd: cfg.amd,
      amdAction: cfg.amdAction,
      dropTimeoutMs: cfg.dropTimeoutMs,
      recording: cfg.recording,
      sttProviders: cfg.sttProviders,
      ...(cfg.callerId ? { callerId: cfg.callerId } : {}),
      ...(cfg.voicemailMedia ? { voicemailMedia: cfg.voicemailMedia } : {}),
      ...(cfg.abandonMedia ? { abandonMedia: cfg.abandonMedia } : {}),
      ...(lead.callbackAgentId ? { agentId: lead.callbackAgentId } : {}),
      ...(cfg.consentMedia && consentRequired(cfg.consentMode as 'none' | 'announce' | 'by_jurisdiction', cfg.recording !== 'none', { country: lead.country, region: lead.state })
        ? { consentMedia: cfg.consentMedia }
        : {}),
      ...(cfg.sttLanguage ? { sttLanguage: cfg.sttLanguage } : {}),
    };
    this.originating.set(lead.id, []);
    let callId: string;
    try {
      ({ callId } = await this.deps.callControl.originate(req));
    } catch (err) {
      this.originating.delete(lead.id);
      this.log.warn({ err, leadId: lead.id }, 'originate failed');
      await back({ status: lead.callbackId ? 'callback' : 'callable', nextCallAfter: now + (isDialerError(err) && err.retryable ? 30_000 : 3_600_000) });
      return false;
    }
    const early = this.originating.get(lead.id) ?? [];
    this.originating.delete(lead.id);
    this.dials++;
    this.calls.set(callId, { callId, lead, dialedAtMs: now, phase: 'dialing' });
    this.observe({ type: 'dialed', atMs: now, callId });
    await recordAttempt(store, cfg.tenantId, lead.id, dayKey, now).catch((err: unknown) => this.log.error({ err, leadId: lead.id }, 'recording the attempt failed'));
    for (const m of early) await this.onCallMessage(m);
    return true;
  }

  private async releaseBuffer(): Promise<void> {
    const now = this.deps.clock.now();
    const leads = this.buffer.splice(0);
    for (const l of leads) {
      if (l.callbackId) {
        await this.deps.store.tenant(this.cfg.tenantId).updateTable('callbacks').set({ status: 'pending', updated_at: now }).where('id', '=', l.callbackId).execute().catch(() => undefined);
      }
      await releaseLead(this.deps.store, this.cfg.tenantId, this.deps.nodeId, l.id, { status: l.attempts === 0 ? 'new' : l.callbackId ? 'callback' : 'callable' }, now).catch(
        (err: unknown) => this.log.warn({ err, leadId: l.id }, 'releasing a lead failed'),
      );
    }
  }
}

/** The pacer a campaign's settings call for; undefined for modes that are not paced (manual, preview). */
export function pacerForCampaign(cfg: Pick<CampaignConfig, 'dialMode' | 'targetAbandonRate' | 'dialRatio' | 'complianceMode' | 'amdFalsePositiveShare'>): Pacer | undefined {
  if (!PACED.has(cfg.dialMode)) return undefined;
  // UK (Ofcom) campaigns budget for the humans AMD hangs up on as machines.
  if (cfg.dialMode === 'predictive' && cfg.complianceMode === 'uk') {
    return new PredictivePacer({ targetAbandonRate: cfg.targetAbandonRate, compliance: 'uk', amdFalsePositiveShare: cfg.amdFalsePositiveShare });
  }
  return createPacer({ mode: cfg.dialMode as 'predictive' | 'progressive' | 'ratio', targetAbandonRate: cfg.targetAbandonRate, ratio: Math.max(1, cfg.dialRatio) });
}
