import {
  CloseGuard,
  DialerError,
  abandonLevel,
  abandonReport,
  acquireLease,
  createMessage,
  recoverExpiredClaims,
  releaseLease,
  type AbandonReport,
  type AnyMessage,
  type CampaignStatus,
  type Clock,
  type EventBus,
  type Logger,
  type Message,
  type MessageData,
  type Store,
  type TimerHandle,
  type Unsubscribe,
} from '@dialer/core';
import { AgentTracker } from './agent-tracker.js';
import { loadCampaignConfig, type CampaignConfig } from './campaign-config.js';
import { CampaignRunner, type RunnerDeps } from './campaign-runner.js';
import { DEFAULT_DIALER_SETTINGS, type DialerSettings } from './config.js';
import type { AgentPool, CallControl } from './ports.js';
import { settlePreviewCall } from './preview-calls.js';

/** What the dialer service runs on. */
export interface DialerServiceOptions {
  store: Store;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  nodeId: string;
  callControl: CallControl;
  agents: AgentPool;
  settings?: Partial<DialerSettings>;
  /** Replaces the pacer per campaign (tests). */
  pacerFor?: RunnerDeps['pacerFor'];
}

interface Owned {
  runner: CampaignRunner;
  report?: AbandonReport;
  reportAt: number;
  warned: Map<string, { level: string; at: number }>;
}

const WARN_REPEAT_MS = 5 * 60_000;
const REPORT_REFRESH_MS = 15_000;
/** A stopped runner follows its calls still up for at most this long (a lost `call.ended` must not keep it forever). */
const RETIRE_LIMIT_MS = 12 * 3_600_000;

/**
 * The running dialer: follows campaign status (`campaign.state`,
 * `cmd.campaign.control`, and the database on boot and every few seconds),
 * takes each running campaign's ownership lease so that exactly one node
 * paces it, runs a {@link CampaignRunner} per owned campaign, publishes
 * `campaign.stats` once a second and `campaign.abandon_rate.warning` as a
 * campaign's abandon rate nears its limit.
 */
export class DialerService {
  private readonly settings: DialerSettings;
  private readonly owned = new Map<string, Owned>();
  /** Runners that stopped (campaign stopped, lease lost) with calls still up: they settle those calls' leads. */
  private readonly retiring = new Map<CampaignRunner, number>();
  private readonly tracker: AgentTracker;
  private readonly guard = new CloseGuard('DialerService');
  private readonly unsubs: Unsubscribe[] = [];
  private supervisor: TimerHandle | undefined;
  private statsTimer: TimerHandle | undefined;
  private lastRecovery = 0;
  private draining = false;
  private supervising: Promise<void> | undefined;
  private rerun: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly o: DialerServiceOptions) {
    this.settings = { ...DEFAULT_DIALER_SETTINGS, ...o.settings };
    this.log = o.log.child({ component: 'dialer' });
    this.tracker = new AgentTracker((r) => {
      for (const cid of r.campaignIds) this.owned.get(cid)?.runner.agentReleased(r.atMs, r.talkMs, r.wrapMs);
    });
  }

  /** Campaigns this node paces now. */
  get campaigns(): string[] {
    return [...this.owned.keys()];
  }

  runner(campaignId: string): CampaignRunner | undefined {
    return this.owned.get(campaignId)?.runner;
  }

  async start(): Promise<void> {
    this.guard.assertOpen();
    const { bus } = this.o;
    this.unsubs.push(await bus.subscribe('call.*', (m) => this.onCall(m)));
    this.unsubs.push(await bus.subscribe('agent.state', (m) => this.onAgent(m)));
    this.unsubs.push(await bus.subscribe('campaign.state', (m) => this.onCampaignState(m)));
    this.unsubs.push(await bus.handle('cmd.campaign.control', (m) => this.onControl(m)));
    await this.supervise();
    this.supervisor = this.o.clock.setInterval(() => void this.supervise(), Math.max(1000, Math.floor(this.settings.leaseTtlMs / 3)));
    this.statsTimer = this.o.clock.setInterval(() => void this.publishStats(), 1000);
    this.log.info({ campaigns: this.campaigns.length }, 'dialer started');
  }

  /** Stops placing calls, waits for calls in flight (until `signal` aborts), gives the leases up. */
  async drain(signal: AbortSignal): Promise<void> {
    this.draining = true;
    for (const o of this.owned.values()) await o.runner.stop();
    const busy = (): boolean => [...this.owned.values()].some((o) => o.runner.inFlight > 0) || [...this.retiring.keys()].some((r) => r.inFlight > 0);
    while (!signal.aborted && busy()) await this.o.clock.sleep(200, signal).catch(() => undefined);
    for (const id of [...this.owned.keys()]) await this.disown(id);
  }

  async close(): Promise<void> {
    if (!this.guard.markClosed()) return;
    this.draining = true;
    this.o.clock.clearInterval(this.supervisor);
    this.o.clock.clearInterval(this.statsTimer);
    await this.supervising?.catch(() => undefined);
    for (const u of this.unsubs.splice(0)) await u().catch(() => undefined);
    for (const id of [...this.owned.keys()]) await this.disown(id);
    this.retiring.clear();
  }

  /**
   * One supervision round: every running or paused campaign is taken (lease
   * acquired or renewed) or left to its owner; campaigns no longer running
   * are released. Also returns leads of dead nodes to the hopper.
   */
  supervise(): Promise<void> {
    // Rounds never overlap; a request during a round runs one more round after it.
    if (this.supervising) {
      this.rerun ??= this.supervising.then(() => {
        this.rerun = undefined;
        return this.supervise();
      });
      return this.rerun;
    }
    this.supervising = this.superviseOnce()
      .catch((err: unknown) => this.log.error({ err }, 'dialer supervision failed'))
      .finally(() => {
        this.supervising = undefined;
      });
    return this.supervising;
  }

  private async superviseOnce(): Promise<void> {
    if (this.draining) return;
    const { store, clock, nodeId } = this.o;
    const now = clock.now();
    const active = await store.db.selectFrom('campaigns').select(['id', 'tenant_id', 'status', 'dial_mode', 'kind']).where('status', 'in', ['running', 'paused']).execute();
    const want = new Set(active.filter((c) => c.kind !== 'inbound').map((c) => c.id));
    for (const id of [...this.owned.keys()]) if (!want.has(id)) await this.disown(id);
    for (const c of active) {
      if (!want.has(c.id) || this.draining) continue;
      const lease = await acquireLease(store, { tenantId: c.tenant_id, campaignId: c.id, nodeId, nowMs: now, ttlMs: this.settings.leaseTtlMs });
      const mine = this.owned.get(c.id);
      if (!lease.held) {
        if (mine) {
          this.log.warn({ campaignId: c.id, owner: lease.owner }, 'campaign lease lost; stopping its runner');
          await this.disown(c.id, false);
        }
        continue;
      }
      if (!mine) await this.own(c.tenant_id, c.id);
      else if (mine.runner.config.status !== c.status) await this.reload(c.tenant_id, c.id);
    }
    // Leads of calls still up keep their claims, however long the calls last.
    for (const [r, since] of this.retiring) if (now - since > RETIRE_LIMIT_MS) this.retiring.delete(r);
    for (const r of [...[...this.owned.values()].map((o) => o.runner), ...this.retiring.keys()]) await r.keepClaims(now);
    if (now - this.lastRecovery > 60_000) {
      this.lastRecovery = now;
      const n = await recoverExpiredClaims(store, now);
      if (n > 0) this.log.info({ leads: n }, 'returned leads of expired claims to the hopper');
    }
  }

  private async own(tenantId: string, campaignId: string): Promise<void> {
    let cfg: CampaignConfig;
    try {
      cfg = await loadCampaignConfig(this.o.store, tenantId, campaignId);
    } catch (err) {
      this.log.error({ err, campaignId }, 'campaign settings are invalid; not dialing it');
      await releaseLease(this.o.store, campaignId, this.o.nodeId);
      return;
    }
    const runner = new CampaignRunner(
      {
        store: this.o.store,
        clock: this.o.clock,
        log: this.log,
        nodeId: this.o.nodeId,
        callControl: this.o.callControl,
        agents: this.o.agents,
        settings: this.settings,
        readyAgents: (t, c) => this.tracker.readyAgents(t, c),
        ...(this.o.pacerFor ? { pacerFor: this.o.pacerFor } : {}),
      },
      cfg,
    );
    this.owned.set(campaignId, { runner, reportAt: 0, warned: new Map() });
    runner.start();
    this.log.info({ campaignId, dialMode: cfg.dialMode, status: cfg.status }, 'pacing campaign');
  }

  private async reload(tenantId: string, campaignId: string): Promise<void> {
    const o = this.owned.get(campaignId);
    if (!o) return;
    try {
      o.runner.setConfig(await loadCampaignConfig(this.o.store, tenantId, campaignId));
    } catch (err) {
      this.log.error({ err, campaignId }, 'reloading campaign settings failed');
    }
  }

  private async disown(campaignId: string, release = true): Promise<void> {
    const o = this.owned.get(campaignId);
    if (!o) return;
    this.owned.delete(campaignId);
    await o.runner.stop().catch((err: unknown) => this.log.warn({ err, campaignId }, 'stopping the runner failed'));
    if (o.runner.inFlight > 0 && !this.guard.closed) this.retiring.set(o.runner, this.o.clock.now());
    if (release) await releaseLease(this.o.store, campaignId, this.o.nodeId).catch(() => undefined);
    this.log.info({ campaignId }, 'stopped pacing campaign');
  }

  private async onCampaignState(m: AnyMessage): Promise<void> {
    if (m.type !== 'campaign.state' || this.guard.closed) return;
    // The database is the truth: a supervision round takes, reloads or releases the campaign.
    const o = this.owned.get(m.data.campaignId);
    if (o && m.data.status !== 'stopped') await this.reload(m.tenantId, m.data.campaignId);
    await this.supervise();
  }

  /**
   * `cmd.campaign.control`: start, pause or stop a campaign. Every node may
   * answer; the status update is conditional, so only one publishes the change.
   */
  private async onControl(m: Message<'cmd.campaign.control'>): Promise<{ campaignId: string; status: CampaignStatus; changed: boolean }> {
    const status: CampaignStatus = m.data.action === 'start' ? 'running' : m.data.action === 'pause' ? 'paused' : 'stopped';
    const scope = this.o.store.tenant(m.tenantId);
    const before = await scope.selectFrom('campaigns').select('status').where('id', '=', m.data.campaignId).executeTakeFirst();
    if (!before) throw new DialerError('DIALER_ERR_NOT_FOUND', `campaign ${m.data.campaignId} not found`);
    const r = await scope
      .updateTable('campaigns')
      .set({ status, updated_at: this.o.clock.now() })
      .where('id', '=', m.data.campaignId)
      .where('status', '=', before.status)
      .where('status', '!=', status)
      .executeTakeFirst();
    const changed = Number(r.numUpdatedRows) > 0;
    if (changed) {
      const data: MessageData<'campaign.state'> = { campaignId: m.data.campaignId, status, previous: before.status as CampaignStatus };
      await this.o.bus.publish(createMessage('campaign.state', m.tenantId, data, { clock: this.o.clock, source: this.o.nodeId }));
    }
    return { campaignId: m.data.campaignId, status, changed };
  }

  private async onCall(m: AnyMessage): Promise<void> {
    const cid = (m.data as { campaignId?: string }).campaignId;
    if (!cid) return;
    const o = this.owned.get(cid);
    if (o && (await o.runner.onCallMessage(m))) return;
    for (const r of this.retiring.keys()) {
      if (r.config.campaignId !== cid || !(await r.onCallMessage(m))) continue;
      if (r.inFlight === 0) this.retiring.delete(r);
      return;
    }
    // A preview dial of an agent: the campaign's owner settles its lead.
    if (o && m.type === 'call.ended') {
      await settlePreviewCall(this.o.store, this.log, o.runner.config, m.data, this.o.clock.now()).catch((err: unknown) =>
        this.log.error({ err, callId: m.data.callId }, 'settling a preview call failed'),
      );
    }
  }

  private onAgent(m: AnyMessage): void {
    if (m.type === 'agent.state') this.tracker.update(m.tenantId, m.data);
  }

  /** Publishes `campaign.stats` for every owned campaign, and warnings as abandon rates near their limit. */
  async publishStats(): Promise<void> {
    if (this.guard.closed) return;
    const now = this.o.clock.now();
    for (const [campaignId, o] of this.owned) {
      const cfg = o.runner.config;
      try {
        if (!o.report || now - o.reportAt >= REPORT_REFRESH_MS) {
          o.report = await abandonReport(this.o.store, {
            tenantId: cfg.tenantId,
            campaignId,
            mode: cfg.complianceMode,
            nowMs: now,
            zone: cfg.reportZone,
            amdFalsePositiveShare: cfg.amdFalsePositiveShare,
          });
          o.reportAt = now;
          await this.warn(o, cfg, now);
        }
        const s = o.runner.snapshot();
        const lines = s.dialing + s.waiting + s.connected;
        const data: MessageData<'campaign.stats'> = {
          campaignId,
          status: cfg.status,
          dialMode: cfg.dialMode,
          dialLevel: s.counts.available > 0 ? lines / s.counts.available : 0,
          callsDialing: s.dialing,
          callsWaiting: s.waiting,
          callsInQueue: s.waiting,
          agents: { ready: s.counts.ready, paused: s.counts.paused, onCall: s.counts.onCall, wrapUp: s.counts.wrapUp },
          abandonRateToday: o.report.today.rate,
          abandonRate30d: o.report.rate30d,
          targetAbandonRate: cfg.targetAbandonRate,
          answerRate: s.answerRate,
          hopperSize: s.hopper,
        };
        await this.o.bus.publish(createMessage('campaign.stats', cfg.tenantId, data, { clock: this.o.clock, source: this.o.nodeId }));
      } catch (err) {
        this.log.warn({ err, campaignId }, 'publishing campaign stats failed');
      }
    }
  }

  private async warn(o: Owned, cfg: CampaignConfig, now: number): Promise<void> {
    const r = o.report!;
    const windows: { window: '30d' | '24h' | 'today'; rate: number }[] = [{ window: r.window, rate: r.rate }];
    if (r.window !== 'today') windows.push({ window: 'today', rate: r.today.rate });
    for (const w of windows) {
      const level = abandonLevel(w.rate, cfg.targetAbandonRate, this.settings.abandonWarnAt);
      const prev = o.warned.get(w.window);
      if (level === 'ok') {
        o.warned.delete(w.window);
        continue;
      }
      if (prev && prev.level === level && now - prev.at < WARN_REPEAT_MS) continue;
      o.warned.set(w.window, { level, at: now });
      this.log.warn({ campaignId: cfg.campaignId, window: w.window, rate: w.rate, target: cfg.targetAbandonRate, level }, 'abandon rate near its limit');
      await this.o.bus.publish(
        createMessage('campaign.abandon_rate.warning', cfg.tenantId, { campaignId: cfg.campaignId, window: w.window, rate: w.rate, target: cfg.targetAbandonRate }, { clock: this.o.clock, source: this.o.nodeId }),
      );
    }
  }
}
