import type { AgentState, AnyMessage, MessageData } from '@dialer/core';
import { Observable, timeOf } from './store.js';

export type CampaignStats = MessageData<'campaign.stats'>;

/** One agent on the wallboard. */
export interface BoardAgent {
  agentId: string;
  name?: string | undefined;
  state: AgentState;
  reason?: string | undefined;
  sinceMs: number;
  callId?: string | undefined;
  campaignIds: string[];
}

/** One live call on the wallboard. */
export interface BoardCall {
  callId: string;
  campaignId?: string | undefined;
  agentId?: string | undefined;
  phone?: string | undefined;
  direction?: string | undefined;
  state: 'dialing' | 'ringing' | 'answered' | 'queued' | 'connected' | 'held' | 'ended';
  sinceMs: number;
  queuePosition?: number | undefined;
  /** The last transcript line heard (when the board follows the call). */
  peek?: { speaker: string; text: string; final: boolean } | undefined;
  monitoredAs?: 'listen' | 'whisper' | 'barge' | undefined;
}

/** A sample of a time series for the small charts. */
export interface Point {
  t: number;
  v: number;
}

/** Agents by state at one moment. */
export interface StateSample {
  t: number;
  ready: number;
  paused: number;
  onCall: number;
  wrapUp: number;
}

/**
 * The supervisor's wallboard: agents by state, live calls, the latest
 * per-campaign figures, and the history behind the small charts (abandon rate
 * over the day per campaign, agents by state over time). Folded from the
 * `wallboard` topic (and the call topics it follows for transcript peeks).
 */
export class WallboardModel extends Observable {
  readonly agents = new Map<string, BoardAgent>();
  readonly calls = new Map<string, BoardCall>();
  readonly campaigns = new Map<string, CampaignStats & { atMs: number }>();
  /** Campaign status from `campaign.state` (start, pause, stop), known even before the dialer's first figures. */
  readonly campaignStatus = new Map<string, string>();
  readonly abandonSeries = new Map<string, Point[]>();
  readonly stateSeries: StateSample[] = [];
  /** Ended calls stay visible (greyed) this long. */
  private readonly endedKeepMs = 5000;

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly abandonEveryMs = 60_000,
    private readonly stateEveryMs = 60_000,
    private readonly maxPoints = 1440,
  ) {
    super();
  }

  /** Replaces the agents from a REST read. */
  loadAgents(list: BoardAgent[]): void {
    this.agents.clear();
    for (const a of list) this.agents.set(a.agentId, a);
    this.changed();
  }

  /** Seeds campaign figures from a REST read (the dialer's latest snapshots). */
  loadCampaignStats(list: CampaignStats[]): void {
    const now = this.now();
    for (const s of list) {
      this.campaigns.set(s.campaignId, { ...s, atMs: now });
      this.campaignStatus.set(s.campaignId, s.status);
    }
    this.changed();
  }

  /**
   * Merges the day's abandon-rate history (from the API, one point a minute)
   * with the points sampled live: where both have a point in the same
   * interval the live one wins. Also fills a gap left by a disconnection.
   */
  loadAbandonHistory(campaignId: string, points: Point[]): void {
    this.abandonSeries.set(campaignId, mergeSeries(this.abandonSeries.get(campaignId) ?? [], points, this.abandonEveryMs, this.maxPoints));
    this.changed();
  }

  /** Merges the day's agents-by-state history (from the API) with the samples taken live. */
  loadStateHistory(samples: StateSample[]): void {
    const merged = mergeSeries(this.stateSeries, samples.map((p) => ({ t: p.t, ready: p.ready, paused: p.paused, onCall: p.onCall, wrapUp: p.wrapUp })), this.stateEveryMs, this.maxPoints);
    this.stateSeries.splice(0, this.stateSeries.length, ...merged);
    this.changed();
  }

  /** Replaces the live calls from a REST read. */
  loadCalls(list: BoardCall[]): void {
    this.calls.clear();
    for (const c of list) this.calls.set(c.callId, c);
    this.changed();
  }

  /** Names agents (from the agents list) without touching their state. */
  nameAgents(names: Map<string, string>): void {
    for (const [id, name] of names) {
      const a = this.agents.get(id);
      if (a) a.name = name;
    }
    this.changed();
  }

  apply(msg: AnyMessage): boolean {
    const at = timeOf(msg, this.now());
    switch (msg.type) {
      case 'agent.state': {
        const d = msg.data;
        const prev = this.agents.get(d.agentId);
        if (d.state === 'logged_out') this.agents.delete(d.agentId);
        else this.agents.set(d.agentId, { agentId: d.agentId, name: prev?.name, state: d.state, reason: d.reason, sinceMs: d.sinceMs, callId: d.callId, campaignIds: d.campaignIds ?? prev?.campaignIds ?? [] });
        this.sampleStates(at);
        break;
      }
      case 'campaign.stats': {
        const d = msg.data;
        this.campaigns.set(d.campaignId, { ...d, atMs: at });
        this.campaignStatus.set(d.campaignId, d.status);
        this.sampleAbandon(d.campaignId, d.abandonRateToday, at);
        this.sampleStates(at);
        break;
      }
      case 'campaign.state': {
        this.campaignStatus.set(msg.data.campaignId, msg.data.status);
        const c = this.campaigns.get(msg.data.campaignId);
        if (c) c.status = msg.data.status;
        break;
      }
      case 'call.dialing':
        this.upsertCall(msg.data.callId, { state: 'dialing', sinceMs: at, phone: msg.data.phone, direction: msg.data.direction, campaignId: msg.data.campaignId, agentId: msg.data.agentId });
        break;
      case 'call.ringing':
        this.upsertCall(msg.data.callId, { state: 'ringing', campaignId: msg.data.campaignId });
        break;
      case 'call.answered':
        this.upsertCall(msg.data.callId, { state: 'answered', sinceMs: at, campaignId: msg.data.campaignId });
        break;
      case 'call.queued':
        this.upsertCall(msg.data.callId, { state: 'queued', queuePosition: msg.data.position, campaignId: msg.data.campaignId });
        break;
      case 'call.connected':
        this.upsertCall(msg.data.callId, { state: 'connected', sinceMs: at, agentId: msg.data.agentId, campaignId: msg.data.campaignId, queuePosition: undefined });
        break;
      case 'call.popup':
        this.upsertCall(msg.data.callId, { agentId: msg.data.agentId, direction: msg.data.direction, phone: typeof msg.data.lead?.['phone'] === 'string' ? (msg.data.lead['phone'] as string) : undefined });
        break;
      case 'call.hold': {
        const c = this.calls.get(msg.data.callId);
        if (!c) return false;
        c.state = msg.data.held ? 'held' : 'connected';
        break;
      }
      case 'call.monitor': {
        const c = this.calls.get(msg.data.callId);
        if (!c) return false;
        c.monitoredAs = msg.data.active ? msg.data.mode : undefined;
        break;
      }
      case 'call.ended': {
        const c = this.calls.get(msg.data.callId);
        if (!c) return false;
        c.state = 'ended';
        c.sinceMs = at;
        break;
      }
      case 'transcript.interim':
      case 'transcript.final': {
        const c = this.calls.get(msg.data.callId);
        if (!c || msg.data.text.trim() === '') return false;
        c.peek = { speaker: msg.data.speaker, text: msg.data.text, final: msg.type === 'transcript.final' };
        break;
      }
      default:
        return false;
    }
    this.changed();
    return true;
  }

  private upsertCall(callId: string, patch: Partial<BoardCall>): void {
    const c = this.calls.get(callId);
    const clean = Object.fromEntries(Object.entries(patch).filter(([k, v]) => v !== undefined || k === 'queuePosition')) as Partial<BoardCall>;
    if (c) {
      if (c.state === 'ended') return;
      Object.assign(c, clean);
    } else this.calls.set(callId, { callId, state: 'dialing', sinceMs: this.now(), ...clean });
  }

  /** Removes calls that ended a while ago; call once a second. Returns true if any went. */
  sweep(): boolean {
    const cutoff = this.now() - this.endedKeepMs;
    let gone = false;
    for (const [id, c] of this.calls) {
      if (c.state === 'ended' && c.sinceMs < cutoff) {
        this.calls.delete(id);
        gone = true;
      }
    }
    if (gone) this.changed();
    return gone;
  }

  /** Agents by state, now. */
  counts(campaignId?: string): { ready: number; paused: number; onCall: number; wrapUp: number } {
    const out = { ready: 0, paused: 0, onCall: 0, wrapUp: 0 };
    for (const a of this.agents.values()) {
      if (campaignId && !a.campaignIds.includes(campaignId)) continue;
      if (a.state === 'ready') out.ready++;
      else if (a.state === 'paused') out.paused++;
      else if (a.state === 'on_call') out.onCall++;
      else if (a.state === 'wrap_up') out.wrapUp++;
    }
    return out;
  }

  private sampleAbandon(campaignId: string, rate: number, at: number): void {
    let s = this.abandonSeries.get(campaignId);
    if (!s) {
      s = [];
      this.abandonSeries.set(campaignId, s);
    }
    const last = s[s.length - 1];
    // One point per interval: the latest value within an interval replaces the earlier one.
    if (last && at - last.t < this.abandonEveryMs) last.v = rate;
    else s.push({ t: at, v: rate });
    if (s.length > this.maxPoints) s.splice(0, s.length - this.maxPoints);
  }

  private sampleStates(at: number): void {
    const c = this.counts();
    const last = this.stateSeries[this.stateSeries.length - 1];
    if (last && at - last.t < this.stateEveryMs) Object.assign(last, c);
    else this.stateSeries.push({ t: at, ...c });
    if (this.stateSeries.length > this.maxPoints) this.stateSeries.splice(0, this.stateSeries.length - this.maxPoints);
  }
}

/** Live points plus the history points of intervals that have no live point, in time order, at most `max`. */
export function mergeSeries<P extends { t: number }>(live: readonly P[], history: readonly P[], everyMs: number, max: number): P[] {
  const taken = new Set(live.map((p) => Math.floor(p.t / everyMs)));
  const out = [...live, ...history.filter((p) => !taken.has(Math.floor(p.t / everyMs)))].sort((a, b) => a.t - b.t);
  return out.length > max ? out.slice(out.length - max) : out;
}

/** Bars the agents-by-state chart draws at most: the day is binned into this many. */
const MAX_BARS = 72;

/** Samples binned into at most `bars` equal spans of time, each bar the last sample of its span. */
export function binStates(samples: readonly StateSample[], bars = MAX_BARS): StateSample[] {
  if (samples.length <= bars) return [...samples];
  const t0 = samples[0]!.t;
  const span = (samples[samples.length - 1]!.t - t0 + 1) / bars;
  const out: StateSample[] = [];
  let bin = -1;
  for (const s of samples) {
    const b = Math.min(bars - 1, Math.floor((s.t - t0) / span));
    if (b === bin) out[out.length - 1] = s;
    else out.push(s);
    bin = b;
  }
  return out;
}
