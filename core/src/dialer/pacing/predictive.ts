import { DecayingHistogram, DecayingMean, HoldModel, SlidingCounter, normCdf } from './estimators.js';
import type { Pacer, PacingEvent, PacingSnapshot } from './types.js';

/** Tuning of the predictive pacer; the defaults suit campaigns of 3 to 500 agents. */
export interface PredictiveOptions {
  targetAbandonRate: number;
  /** The share of the target the pacer aims at, leaving room for chance (default 0.8). */
  setpoint?: number;
  /** A human must reach an agent within this time or is abandoned (default 2000, the 2-second rule). */
  connectGraceMs?: number;
  /** Most lines per available agent (default 6). */
  maxLinesPerAgent?: number;
  /** How far ahead the forecast looks (default 45 s) and its step (default 1 s). */
  horizonMs?: number;
  stepMs?: number;
  /** Half-lives of the estimates: dial outcomes (default 5 min) and agent hold times (default 20 min). */
  outcomeHalfLifeMs?: number;
  holdHalfLifeMs?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The predictive pacer.
 *
 * It learns online, with decaying weights, the share of dials a human answers,
 * the time from dial to a detected human or to any other outcome, and the time
 * an agent is held by a call (talk + wrap). At each decision it forecasts,
 * second by second over the next `horizonMs`, how many humans will have
 * answered (from calls ringing now, callers waiting, and new dials) and how
 * many agents will have become free (ready now, or finishing calls given how
 * long they have been on them). Humans beyond the free agents at any instant
 * are abandoned; with a normal approximation that gives the expected
 * abandons A(n) if it dials n more calls. It dials while the marginal
 * abandons per expected human, A(n+1) − A(n) over p(human), stay under a price
 * λ. λ is steered by feedback so the realised abandon rate sits at
 * `setpoint × target`, and is scaled down smoothly as the abandon budget (over
 * the whole period and over the last hour) runs out, down to progressive
 * dialing, which it never dials below.
 */
export class PredictivePacer implements Pacer {
  private readonly target: number;
  private readonly setpoint: number;
  private readonly graceMs: number;
  private readonly maxLinesPerAgent: number;
  private readonly stepMs: number;
  private readonly steps: number;

  private readonly inflight = new Map<string, number>();
  /** Connect times of calls whose agent has not been released yet, oldest first. */
  private busy: number[] = [];
  private readonly human: DecayingHistogram;
  private readonly other: DecayingHistogram;
  private readonly hold: HoldModel;
  private readonly elapsedScratch: number[] = [];
  private readonly wrap: DecayingMean;

  private humansAll = 0;
  private abandonsAll = 0;
  private readonly humansHour = new SlidingCounter(HOUR);
  private readonly abandonsHour = new SlidingCounter(HOUR);
  private readonly humansRecent = new SlidingCounter(20 * MINUTE);
  private readonly abandonsRecent = new SlidingCounter(20 * MINUTE);

  /** log of the marginal-abandon price λ. */
  private logLambda: number;
  private lastControlMs: number | undefined;
  private started = false;

  // Scratch arrays, reused per decision.
  private readonly hMean: Float64Array;
  private readonly hVar: Float64Array;
  private readonly newP: Float64Array;
  private readonly callMean: Float64Array;

  constructor(options: PredictiveOptions) {
    this.target = Math.max(0, options.targetAbandonRate);
    this.setpoint = options.setpoint ?? 0.8;
    this.graceMs = options.connectGraceMs ?? 2000;
    this.maxLinesPerAgent = options.maxLinesPerAgent ?? 6;
    this.stepMs = options.stepMs ?? 1000;
    this.steps = Math.max(1, Math.ceil((options.horizonMs ?? 45_000) / this.stepMs));
    this.human = new DecayingHistogram(500, 120_000, options.outcomeHalfLifeMs ?? 5 * MINUTE);
    this.other = new DecayingHistogram(500, 120_000, options.outcomeHalfLifeMs ?? 5 * MINUTE);
    this.hold = new HoldModel(options.holdHalfLifeMs ?? 20 * MINUTE);
    this.wrap = new DecayingMean(options.holdHalfLifeMs ?? 20 * MINUTE, 15_000, 2);
    this.logLambda = Math.log(Math.max(1e-5, 0.3 * this.target));
    const n = this.steps + 1;
    this.hMean = new Float64Array(n);
    this.hVar = new Float64Array(n);
    this.newP = new Float64Array(n);
    this.callMean = new Float64Array(n);
  }

  observe(e: PacingEvent): void {
    if (!this.started) this.seedPriors(e.atMs);
    switch (e.type) {
      case 'dialed':
        this.inflight.set(e.callId, e.atMs);
        break;
      case 'answered': {
        this.resolve(e.callId, e.atMs, e.by === 'human');
        if (e.by === 'human') {
          this.humansAll++;
          this.humansHour.add(e.atMs);
          this.humansRecent.add(e.atMs);
        }
        break;
      }
      case 'unanswered':
        this.resolve(e.callId, e.atMs, false);
        break;
      case 'connected':
        this.busy.push(e.atMs);
        break;
      case 'abandoned':
        this.abandonsAll++;
        this.abandonsHour.add(e.atMs);
        this.abandonsRecent.add(e.atMs);
        break;
      case 'agent_released': {
        const heldMs = Math.max(0, e.talkMs + e.wrapMs);
        this.hold.add(Math.max(0, e.talkMs), e.atMs);
        this.wrap.add(Math.max(0, e.wrapMs), e.atMs);
        this.releaseBusy(e.atMs - heldMs);
        break;
      }
    }
  }

  decide(s: PacingSnapshot): number {
    const now = s.nowMs;
    if (!this.started) this.seedPriors(now);
    const progressive = Math.max(0, s.agentsReady - s.callsDialing - s.callsWaiting);
    if (s.agentsAvailable <= 0 || s.agentsReady + s.agentsOnCall + s.agentsWrapUp <= 0) return 0;
    this.control(now);
    this.reconcileBusy(s, now);

    const pH = this.humanShare(now);
    if (pH <= 1e-4) return progressive;
    // Uncertainty of pH itself (Beta posterior): it is shared by every call, so it adds
    // (expected humans)² × relative variance, which keeps the pacer careful with little data.
    const nEff = this.human.weight(now) + this.other.weight(now);
    const relVarP = (1 - pH) / (pH * (nEff + 1));
    const K = this.steps;
    const step = this.stepMs;

    // A new dial: P(human detected within τ_k).
    for (let k = 0; k <= K; k++) this.newP[k] = pH * this.human.cdf(k * step);
    const pNewHuman = this.newP[K]!;
    if (pNewHuman <= 1e-4) return progressive;

    // Humans: those waiting now, plus calls in flight.
    this.callMean.fill(0);
    this.hMean.fill(s.callsWaiting);
    this.hVar.fill(0);
    let tracked = 0;
    for (const dialedAt of this.inflight.values()) {
      tracked++;
      this.addInflight(now - dialedAt, pH);
    }
    // Calls the snapshot counts but we never saw dialled: treat as just dialled.
    for (let i = tracked; i < s.callsDialing; i++) this.addInflight(0, pH);

    // Agents: ready now, plus busy agents finishing by τ_k + grace.
    const ready = s.agentsReady;
    const meanWrap = this.wrap.value();
    const busyCount = this.busy.length;
    const wrapUp = Math.min(s.agentsWrapUp, busyCount);
    this.elapsedScratch.length = 0;
    for (let b = wrapUp; b < busyCount; b++) this.elapsedScratch.push(now - this.busy[b]!);
    this.hold.update(now, this.elapsedScratch);
    // Free means/variances go into the same arrays with a minus sign.
    for (let b = 0; b < busyCount; b++) {
      const inWrap = b < wrapUp; // the longest-held calls are the ones in wrap-up
      const elapsed = now - this.busy[b]!;
      for (let k = 0; k <= K; k++) {
        const tau = k * step + this.graceMs;
        // A talking agent is free once the talk ends and the wrap-up (about its mean) is done.
        const p = inWrap ? Math.min(1, tau / Math.max(1000, meanWrap)) : tau <= meanWrap ? 0 : this.hold.freeWithin(elapsed, tau - meanWrap);
        this.hMean[k]! -= p;
        this.hVar[k]! += p * (1 - p);
      }
    }

    // Abandons already committed: humans of calls in flight (and callers waiting)
    // who will find no agent. They count against the budget before any new dial.
    let committed = Math.max(0, this.hMean[0]! - ready);
    let prevC = 0;
    for (let k = 0; k <= K; k++) {
      const c = this.callMean[k]!;
      const dc = c - prevC;
      prevC = c;
      if (dc <= 1e-9) continue;
      const v = this.hVar[k]! + c * c * relVarP;
      committed += dc * normCdf((this.hMean[k]! - ready - 0.5) / Math.sqrt(v + 0.25));
    }
    const lambda = Math.exp(this.logLambda) * this.budgetFactor(now, committed);
    if (lambda <= 1e-6) return progressive;
    const maxNew = Math.max(0, Math.floor(this.maxLinesPerAgent * s.agentsAvailable) - s.callsDialing);
    if (maxNew <= progressive) return progressive;

    // The n-th new call's human, arriving in slot k, is abandoned when the humans
    // ahead of it (waiting, ringing, the n − 1 new calls before it) already
    // outnumber the agents free by then. Its abandon probability per human:
    const marginal = (n: number): number => {
      let acc = 0;
      let prevQ = 0;
      for (let k = 0; k <= K; k++) {
        const q = this.newP[k]!;
        const dq = q - prevQ;
        prevQ = q;
        if (dq <= 1e-9) continue;
        const m = this.hMean[k]! - ready + n * q;
        const fromCalls = this.callMean[k]! + n * q;
        const v = this.hVar[k]! + n * q * (1 - q) + fromCalls * fromCalls * relVarP;
        acc += dq * normCdf((m + 0.5) / Math.sqrt(v + 0.25));
      }
      return acc / pNewHuman;
    };

    let n = 0;
    while (n < maxNew && marginal(n) <= lambda) n++;
    return Math.max(progressive, n);
  }

  /** Realised abandon rates, for stats and tests. */
  abandonRates(nowMs: number): { all: number; lastHour: number } {
    const h1 = this.humansHour.count(nowMs);
    return {
      all: this.humansAll > 0 ? this.abandonsAll / this.humansAll : 0,
      lastHour: h1 > 0 ? this.abandonsHour.count(nowMs) / h1 : 0,
    };
  }

  private addInflight(elapsed: number, pH: number): void {
    const K = this.steps;
    const step = this.stepMs;
    const fh0 = this.human.cdf(elapsed);
    const surv = 1 - pH * fh0 - (1 - pH) * this.other.cdf(elapsed);
    if (surv <= 1e-6) return;
    for (let k = 0; k <= K; k++) {
      const p = Math.min(1, Math.max(0, (pH * (this.human.cdf(elapsed + k * step) - fh0)) / surv));
      this.hMean[k]! += p;
      this.callMean[k]! += p;
      this.hVar[k]! += p * (1 - p);
    }
  }

  private humanShare(now: number): number {
    const wh = this.human.weight(now);
    const wo = this.other.weight(now);
    return wh + wo > 0 ? wh / (wh + wo) : 0;
  }

  private resolve(callId: string, atMs: number, human: boolean): void {
    const dialedAt = this.inflight.get(callId);
    if (dialedAt === undefined) return;
    this.inflight.delete(callId);
    (human ? this.human : this.other).add(atMs - dialedAt, atMs);
  }

  private releaseBusy(connectedAt: number): void {
    if (this.busy.length === 0) return;
    let best = 0;
    let bestD = Infinity;
    for (let i = 0; i < this.busy.length; i++) {
      const d = Math.abs(this.busy[i]! - connectedAt);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    this.busy.splice(best, 1);
  }

  /** Trusts the snapshot's agent counts over our own bookkeeping. */
  private reconcileBusy(s: PacingSnapshot, now: number): void {
    const want = s.agentsOnCall + s.agentsWrapUp;
    if (this.busy.length > want) {
      this.busy.sort((a, b) => a - b);
      this.busy.splice(0, this.busy.length - want);
    } else if (this.busy.length < want) {
      // Agents busy with calls we never saw connect (inbound, manual): assume mid-call.
      const guess = now - (this.hold.mean() + this.wrap.value()) / 2;
      while (this.busy.length < want) this.busy.push(guess);
      this.busy.sort((a, b) => a - b);
    } else {
      this.busy.sort((a, b) => a - b);
    }
  }

  /**
   * Multiplies λ by a factor in [0, 1] that falls smoothly to 0 as the
   * abandons still allowed (over the whole period, and over the last hour)
   * run out.
   */
  private budgetFactor(now: number, committed: number): number {
    if (this.target <= 0) return 0;
    const aim = this.setpoint * this.target;
    const budgetAll = aim * this.humansAll - this.abandonsAll;
    const h1 = this.humansHour.count(now);
    const budgetHour = 0.85 * this.target * h1 - this.abandonsHour.count(now);
    const b = Math.min(budgetAll, budgetHour) - committed;
    if (b <= 0) return 0;
    const x = Math.min(1, b / 1.5);
    return x * x * (3 - 2 * x);
  }

  /** Integral control of λ on the recent realised abandon rate, every 30 s. */
  private control(now: number): void {
    if (this.lastControlMs === undefined) {
      this.lastControlMs = now;
      return;
    }
    if (now - this.lastControlMs < 30_000) return;
    this.lastControlMs = now;
    const h = this.humansRecent.count(now);
    if (h === 0) return;
    const a = this.abandonsRecent.count(now);
    const aim = this.setpoint * this.target;
    // Shrink the rate toward the aim while evidence is thin.
    const rate = (a + aim * 10) / (h + 10);
    const confidence = h / (h + 30);
    const err = (aim - rate) / Math.max(aim, 1e-4);
    this.logLambda += 0.12 * confidence * Math.max(-2, Math.min(1, err));
    const lo = Math.log(Math.max(1e-5, 0.02 * this.target));
    const hi = Math.log(Math.max(1e-5, 3 * this.target));
    this.logLambda = Math.min(hi, Math.max(lo, this.logLambda));
  }

  /** Weak priors so the first decisions are sane; real samples outweigh them within minutes. */
  private seedPriors(at: number): void {
    this.started = true;
    // Humans answer after 4-14 s; other outcomes spread to 30 s. Weight of about 10 dials, 20 % human.
    for (let t = 4000; t <= 14_000; t += 1000) this.human.add(t, at, 2 / 11);
    for (let t = 2000; t <= 30_000; t += 2000) this.other.add(t, at, 8 / 15);
    // Talk time: about 2 minutes, weight of 3 calls.
    for (let t = 30_000; t <= 210_000; t += 30_000) this.hold.add(t, at, 3 / 7);
  }
}
