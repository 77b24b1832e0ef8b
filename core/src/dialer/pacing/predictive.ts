import { abandonRate, estimateAmdFalsePositives } from '../compliance.js';
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
  /** Share of the target the last hour's budget allows (default 0.85). */
  hourSetpoint?: number;
  /** Budget (in abandons) over which λ is scaled down smoothly (default 4). */
  budgetRamp?: number;
  /** Also steer λ on the last hour's rate (default true). */
  hourControl?: boolean;
  /** Checks the hour windows ending within the next hour too (default true). */
  lookAhead?: boolean;
  /** Stop dialling when committed plus new expected abandons, plus riskZ standard deviations, exceed the budget (default 2; 0 turns it off). */
  riskZ?: number;
  /** Freeze λ's rise while the budget holds dialling back (default true). */
  antiWindup?: boolean;
  /** Share of the recent human rate the look-ahead counts on (default 0.7). */
  forwardHumanShare?: number;
  /**
   * The abandon rule the budget follows. `us` (default): abandons over human
   * answers, over the pacer's whole period and the last hour. `uk` (Ofcom):
   * estimated AMD false positives (humans hung up on as machines) count as
   * abandoned live calls, over a rolling 24 hours and the last hour, so the
   * pacer leaves room for them (see `compliance.ts`).
   */
  compliance?: 'us' | 'uk';
  /** UK: estimated share of machine verdicts that were humans (default 0.03, as `estimateAmdFalsePositives`). */
  amdFalsePositiveShare?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

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
 * λ. λ is steered by feedback so the realised abandon rate (of the last 20
 * minutes and of the last hour) sits at `setpoint × target`, and is scaled
 * down smoothly as the abandon budget runs out, down to progressive dialing,
 * which it never dials below. The budget is the least of the whole period's
 * (UK mode: the last 24 hours') and the last hour's, where the last hour looks
 * ahead to every one-hour window ending within the next hour; new calls also
 * stop when their expected abandons, with two standard deviations of margin,
 * would overrun it. In UK mode estimated AMD false positives count as
 * abandoned live calls throughout.
 */
export class PredictivePacer implements Pacer {
  private readonly target: number;
  private readonly setpoint: number;
  private readonly graceMs: number;
  private readonly maxLinesPerAgent: number;
  private readonly stepMs: number;
  private readonly steps: number;
  private readonly hourSetpoint: number;
  private readonly budgetRamp: number;
  private readonly hourControl: boolean;
  private readonly lookAhead: boolean;
  private readonly riskZ: number;
  private readonly antiWindup: boolean;
  private readonly forwardHumanShare: number;
  private readonly uk: boolean;
  private readonly fpShare: number;

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
  // UK mode: the 24 h window, and machine verdicts (for estimated AMD false positives).
  private readonly humansDay = new SlidingCounter(DAY);
  private readonly abandonsDay = new SlidingCounter(DAY);
  private readonly machinesDay = new SlidingCounter(DAY);
  private readonly machinesHour = new SlidingCounter(HOUR);
  private readonly machinesRecent = new SlidingCounter(20 * MINUTE);
  private readonly dialsRecent = new SlidingCounter(20 * MINUTE);

  /** log of the marginal-abandon price λ. */
  private logLambda: number;
  private lastControlMs: number | undefined;
  /** Whether the budget (not λ) held dialling back since the last control step. */
  private budgetLimited = false;
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
    this.hourSetpoint = options.hourSetpoint ?? 0.85;
    this.budgetRamp = options.budgetRamp ?? 4;
    this.hourControl = options.hourControl ?? true;
    this.lookAhead = options.lookAhead ?? true;
    this.riskZ = options.riskZ ?? 2;
    this.antiWindup = options.antiWindup ?? true;
    this.forwardHumanShare = options.forwardHumanShare ?? 0.7;
    this.uk = options.compliance === 'uk';
    this.fpShare = Math.min(1, Math.max(0, options.amdFalsePositiveShare ?? 0.03));
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
        if (this.uk) this.dialsRecent.add(e.atMs);
        break;
      case 'answered': {
        this.resolve(e.callId, e.atMs, e.by === 'human');
        if (e.by === 'human') {
          this.humansAll++;
          this.humansHour.add(e.atMs);
          this.humansRecent.add(e.atMs);
          if (this.uk) this.humansDay.add(e.atMs);
        } else if (this.uk) {
          this.machinesDay.add(e.atMs);
          this.machinesHour.add(e.atMs);
          this.machinesRecent.add(e.atMs);
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
        if (this.uk) this.abandonsDay.add(e.atMs);
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
    const remaining = this.remainingBudget(now);
    const factor = this.budgetFactor(remaining, committed);
    if (factor < 1) this.budgetLimited = true;
    const lambda = Math.exp(this.logLambda) * factor;
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

    const fpPerDial = this.uk ? this.fpPerDial(now) * (1 - this.hourSetpoint * this.target) : 0;
    let n = 0;
    let expected = committed;
    while (n < maxNew) {
      const m = marginal(n);
      if (m > lambda) break;
      if (this.riskZ > 0) {
        // UK: every dial also brings its share of estimated AMD false positives.
        const next = expected + m * pNewHuman + fpPerDial;
        if (next + this.riskZ * Math.sqrt(next) > remaining) {
          this.budgetLimited = true;
          break;
        }
        expected = next;
      }
      n++;
    }
    return Math.max(progressive, n);
  }

  /**
   * Realised abandon rates, as the budget counts them: over the whole period
   * (UK: the last 24 hours) and the last hour; in UK mode estimated AMD false
   * positives count as abandoned live calls.
   */
  abandonRates(nowMs: number): { all: number; lastHour: number } {
    const mode = this.uk ? 'uk' : 'us';
    const all = this.uk
      ? { humans: this.humansDay.count(nowMs), abandoned: this.abandonsDay.count(nowMs), amdFalsePositiveEst: this.fp(this.machinesDay.count(nowMs)) }
      : { humans: this.humansAll, abandoned: this.abandonsAll, amdFalsePositiveEst: 0 };
    const hour = { humans: this.humansHour.count(nowMs), abandoned: this.abandonsHour.count(nowMs), amdFalsePositiveEst: this.fp(this.machinesHour.count(nowMs)) };
    return { all: abandonRate(mode, all), lastHour: abandonRate(mode, hour) };
  }

  /** Estimated AMD false positives among `machines` verdicts (UK mode; 0 otherwise). */
  private fp(machines: number): number {
    return this.uk ? estimateAmdFalsePositives(machines, this.fpShare) : 0;
  }

  /** UK: estimated AMD false positives per dial, from the last 20 minutes. */
  private fpPerDial(now: number): number {
    const d = this.dialsRecent.count(now);
    return d > 0 ? this.fp(this.machinesRecent.count(now)) / d : 0;
  }

  /**
   * Abandons still allowed so that `(abandoned + fp) / (humans + fp)` stays
   * at `aim`, where fp are estimated AMD false positives (0 outside UK mode).
   */
  private static allowance(aim: number, humans: number, abandoned: number, fp: number): number {
    return aim * (humans + fp) - (abandoned + fp);
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
  private budgetFactor(remaining: number, committed: number): number {
    if (this.target <= 0) return 0;
    const b = remaining - committed;
    if (b <= 0) return 0;
    const x = Math.min(1, b / this.budgetRamp);
    return x * x * (3 - 2 * x);
  }

  /** Abandons still allowed: the least of the whole period's and the last hour's. */
  private remainingBudget(now: number): number {
    const aim = this.setpoint * this.target;
    const budgetAll = this.uk
      ? PredictivePacer.allowance(aim, this.humansDay.count(now), this.abandonsDay.count(now), this.fp(this.machinesDay.count(now)))
      : PredictivePacer.allowance(aim, this.humansAll, this.abandonsAll, 0);
    return Math.min(budgetAll, this.hourBudget(now));
  }

  /**
   * Abandons still allowed in the last hour, looking forward: every window of
   * an hour that ends within the next hour must stay under the hour's share
   * of the target. A window ending Δ from now keeps the abandons and humans
   * of the last (1 h − Δ) and gains the humans of the next Δ, counted at a
   * cautious share of the recent human rate (fewer humans arrive once the
   * pacer falls back toward progressive). Without looking forward, old humans
   * leaving the window can push a clock hour over the target after the
   * pacer has already dialled.
   */
  private hourBudget(now: number): number {
    const aimHour = this.hourSetpoint * this.target;
    const h1 = this.humansHour.count(now);
    const a1 = this.abandonsHour.count(now);
    const m1 = this.uk ? this.machinesHour.count(now) : 0;
    let budget = PredictivePacer.allowance(aimHour, h1, a1, this.fp(m1));
    if (!this.lookAhead) return budget;
    const humanRate = (this.forwardHumanShare * this.humansRecent.count(now)) / (20 * MINUTE);
    const machineRate = this.uk ? this.machinesRecent.count(now) / (20 * MINUTE) : 0;
    for (let d = 5 * MINUTE; d < HOUR; d += 5 * MINUTE) {
      const from = now - HOUR + d;
      const machines = this.uk ? this.machinesHour.countAfter(from) + machineRate * d : 0;
      const b = PredictivePacer.allowance(aimHour, this.humansHour.countAfter(from) + humanRate * d, this.abandonsHour.countAfter(from), this.fp(machines));
      if (b < budget) budget = b;
    }
    return budget;
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
    // UK: estimated AMD false positives count as abandoned live calls.
    const fp = this.fp(this.uk ? this.machinesRecent.count(now) : 0);
    const a = this.abandonsRecent.count(now) + fp;
    const aim = this.setpoint * this.target;
    // Shrink the rate toward the aim while evidence is thin.
    const rate = (a + aim * 10) / (h + fp + 10);
    const confidence = h / (h + 30);
    let err = (aim - rate) / Math.max(aim, 1e-4);
    if (this.hourControl) {
      const fp1 = this.fp(this.uk ? this.machinesHour.count(now) : 0);
      const h1 = this.humansHour.count(now) + fp1;
      const a1 = this.abandonsHour.count(now) + fp1;
      const hourRate = (a1 + aim * 10) / (h1 + 10);
      err = Math.min(err, (aim - hourRate) / Math.max(aim, 1e-4));
    }
    // Anti-windup: while the budget holds dialling back, the low abandon rate says
    // nothing about λ, so λ may fall but not rise.
    if (this.antiWindup && this.budgetLimited && err > 0) err = 0;
    this.budgetLimited = false;
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
