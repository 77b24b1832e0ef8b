import type { Logger } from 'pino';
import type { AnyMessage, CampaignHistoryPoint, Clock, EventBus, MessageData, Unsubscribe } from '@dialer/core';
import type { StatsBackend, StatsOp } from './backend.js';

/** Today's counters of a campaign (UTC day), kept from bus messages. */
export interface CampaignCounters {
  dialed: number;
  answered: number;
  human: number;
  machine: number;
  connected: number;
  abandoned: number;
  ended: number;
  talkMs: number;
  waitMs: number;
  dispositions: number;
}

/** Today's counters and current state of an agent. */
export interface AgentCounters {
  state: string | null;
  sinceMs: number | null;
  callId: string | null;
  calls: number;
  talkMs: number;
  dispositions: number;
  /** Milliseconds spent in each state today (closed periods only). */
  stateMs: Record<string, number>;
}

const DAY_TTL_MS = 2 * 86_400_000;
const MINUTE_MS = 60_000;
const CAMPAIGN_FIELDS: (keyof CampaignCounters)[] = ['dialed', 'answered', 'human', 'machine', 'connected', 'abandoned', 'ended', 'talkMs', 'waitMs', 'dispositions'];

/** The UTC day of a message time, `YYYY-MM-DD`. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Real-time statistics per campaign and agent, from counters updated by bus
 * messages (never from scans of the call tables). The dialer's once-a-second
 * `campaign.stats` snapshot is kept as it comes.
 */
export class StatsService {
  private readonly live = new Map<string, { tenantId: string; at: number; stats: MessageData<'campaign.stats'> }>();
  private readonly unsubs: Unsubscribe[] = [];
  /** The last minute each campaign was sampled in, so a node writes at most one sample a minute. */
  private readonly sampled = new Map<string, number>();

  constructor(
    private readonly backend: StatsBackend,
    private readonly prefix: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly onCampaignStats?: (tenantId: string, s: MessageData<'campaign.stats'>) => void,
  ) {}

  async start(bus: EventBus): Promise<void> {
    for (const p of ['call.*', 'agent.state', 'lead.disposed', 'campaign.stats']) {
      this.unsubs.push(await bus.subscribe(p, (m) => this.observe(m).catch((err: unknown) => this.log.warn({ err, type: m.type }, 'stats update failed'))));
    }
  }

  private k(tenantId: string, ...parts: string[]): string {
    return `${this.prefix}:stats:${tenantId}:${parts.join(':')}`;
  }

  /** Applies one message to the counters (idempotent by message id). */
  async observe(m: AnyMessage): Promise<void> {
    const at = Date.parse(m.time);
    const day = dayOf(Number.isNaN(at) ? this.clock.now() : at);
    const t = m.tenantId;
    const ops: StatsOp[] = [];
    const camp = (campaignId: string | undefined, incr: Partial<CampaignCounters>): void => {
      if (!campaignId) return;
      ops.push({ key: this.k(t, 'campaign', campaignId, day), incr: incr as Record<string, number>, index: { key: this.k(t, 'campaigns', day), member: campaignId }, ttlMs: DAY_TTL_MS });
    };
    const agent = (agentId: string | undefined, incr: Record<string, number>): void => {
      if (!agentId) return;
      ops.push({ key: this.k(t, 'agent', agentId, day), incr, index: { key: this.k(t, 'agents', day), member: agentId }, ttlMs: DAY_TTL_MS });
    };
    switch (m.type) {
      case 'campaign.stats':
        this.live.set(`${t}:${m.data.campaignId}`, { tenantId: t, at: this.clock.now(), stats: m.data });
        this.onCampaignStats?.(t, m.data);
        await this.sample(t, m.data, Number.isNaN(at) ? this.clock.now() : at);
        return;
      case 'call.dialing':
        camp(m.data.campaignId, { dialed: 1 });
        break;
      case 'call.answered':
        camp(m.data.campaignId, { answered: 1 });
        break;
      case 'call.amd':
        if (m.data.result === 'HUMAN') camp(m.data.campaignId, { human: 1 });
        else if (m.data.result === 'MACHINE') camp(m.data.campaignId, { machine: 1 });
        break;
      case 'call.connected':
        camp(m.data.campaignId, { connected: 1, waitMs: m.data.waitMs });
        agent(m.data.agentId, { calls: 1 });
        break;
      case 'call.ended':
        camp(m.data.campaignId, { ended: 1, talkMs: m.data.talkMs, ...(m.data.abandoned ? { abandoned: 1 } : {}) });
        agent(m.data.agentId, { talkMs: m.data.talkMs });
        break;
      case 'lead.disposed':
        camp(m.data.campaignId, { dispositions: 1 });
        agent(m.data.agentId, { dispositions: 1 });
        break;
      case 'agent.state':
        await this.backend.transition(m.id, {
          currentKey: this.k(t, 'agent-state', m.data.agentId),
          dayKey: this.k(t, 'agent', m.data.agentId, dayOf(m.data.sinceMs)),
          state: m.data.state,
          sinceMs: m.data.sinceMs,
          callId: m.data.callId ?? '',
          ttlMs: DAY_TTL_MS,
        });
        await this.backend.apply(`${m.id}:idx`, [{ key: this.k(t, 'agent-seen', m.data.agentId), set: { at: m.data.sinceMs }, index: { key: this.k(t, 'agents', dayOf(m.data.sinceMs)), member: m.data.agentId }, ttlMs: DAY_TTL_MS }]);
        return;
      default:
        return;
    }
    if (ops.length > 0) await this.backend.apply(m.id, ops);
  }

  /**
   * Keeps the first snapshot of each minute in the day's history hash (field:
   * minute of the UTC day). Every node hears the snapshot; the minute's
   * dedupe id lets one of them write it.
   */
  private async sample(tenantId: string, d: MessageData<'campaign.stats'>, atMs: number): Promise<void> {
    const minute = Math.floor(atMs / MINUTE_MS);
    const key = `${tenantId}:${d.campaignId}`;
    if (this.sampled.get(key) === minute) return;
    this.sampled.set(key, minute);
    const day = dayOf(atMs);
    const field = String(minute - Date.parse(`${day}T00:00:00Z`) / MINUTE_MS);
    const a = d.agents;
    const value = JSON.stringify([d.abandonRateToday, d.answerRate, d.dialLevel, d.callsWaiting, d.callsInQueue, a.ready, a.paused, a.onCall, a.wrapUp]);
    await this.backend.apply(`history:${tenantId}:${d.campaignId}:${minute}`, [{ key: this.k(tenantId, 'history', d.campaignId, day), set: { [field]: value }, ttlMs: DAY_TTL_MS }]);
  }

  /** A campaign's per-minute history over a UTC day, oldest first (minutes without a snapshot are absent). */
  async campaignHistory(tenantId: string, campaignId: string, day = dayOf(this.clock.now())): Promise<CampaignHistoryPoint[]> {
    const h = await this.backend.read(this.k(tenantId, 'history', campaignId, day));
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const out: CampaignHistoryPoint[] = [];
    for (const [field, raw] of Object.entries(h)) {
      const minute = Number(field);
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch {
        continue;
      }
      if (!Number.isInteger(minute) || !Array.isArray(v) || v.length < 9 || !v.every((x) => typeof x === 'number')) continue;
      const n = v as number[];
      out.push({ t: dayStart + minute * MINUTE_MS, abandonRateToday: n[0]!, answerRate: n[1]!, dialLevel: n[2]!, callsWaiting: n[3]!, callsInQueue: n[4]!, agents: { ready: n[5]!, paused: n[6]!, onCall: n[7]!, wrapUp: n[8]! } });
    }
    return out.sort((x, y) => x.t - y.t);
  }

  /** The dialer's latest snapshot of a campaign, if one arrived in the last 10 s. */
  liveCampaign(tenantId: string, campaignId: string): MessageData<'campaign.stats'> | null {
    const e = this.live.get(`${tenantId}:${campaignId}`);
    return e && this.clock.now() - e.at < 10_000 ? e.stats : null;
  }

  async campaign(tenantId: string, campaignId: string, day = dayOf(this.clock.now())): Promise<CampaignCounters> {
    const h = await this.backend.read(this.k(tenantId, 'campaign', campaignId, day));
    const out = {} as CampaignCounters;
    for (const f of CAMPAIGN_FIELDS) out[f] = Number(h[f] ?? 0);
    return out;
  }

  async agent(tenantId: string, agentId: string, day = dayOf(this.clock.now())): Promise<AgentCounters> {
    const [h, cur] = await Promise.all([this.backend.read(this.k(tenantId, 'agent', agentId, day)), this.backend.read(this.k(tenantId, 'agent-state', agentId))]);
    const stateMs: Record<string, number> = {};
    for (const [f, v] of Object.entries(h)) if (f.startsWith('state_ms_')) stateMs[f.slice(9)] = Number(v);
    return {
      state: cur['state'] ?? null,
      sinceMs: cur['since_ms'] !== undefined ? Number(cur['since_ms']) : null,
      callId: cur['call_id'] ? cur['call_id'] : null,
      calls: Number(h['calls'] ?? 0),
      talkMs: Number(h['talkMs'] ?? 0),
      dispositions: Number(h['dispositions'] ?? 0),
      stateMs,
    };
  }

  /** Campaigns and agents with counters today. */
  async campaignsToday(tenantId: string): Promise<string[]> {
    return this.backend.members(this.k(tenantId, 'campaigns', dayOf(this.clock.now())));
  }

  async agentsToday(tenantId: string): Promise<string[]> {
    return this.backend.members(this.k(tenantId, 'agents', dayOf(this.clock.now())));
  }

  async close(): Promise<void> {
    const u = this.unsubs.splice(0);
    await Promise.allSettled(u.map((f) => f()));
    await this.backend.close();
  }
}
