/**
 * Online estimators for the predictive pacer. Every sample's weight decays
 * with its age (a half-life in milliseconds), so estimates follow drift, e.g.
 * across a change of daypart, within a few half-lives.
 */

/**
 * A histogram of durations whose sample weights decay exponentially with age.
 * Weights are stored relative to a moving epoch, so adding a sample is O(1).
 */
export class DecayingHistogram {
  private readonly bins: Float64Array;
  private readonly cum: Float64Array;
  private total = 0;
  private epochMs: number | undefined;
  private dirty = true;

  constructor(
    readonly binMs: number,
    readonly maxMs: number,
    readonly halfLifeMs: number,
  ) {
    const n = Math.ceil(maxMs / binMs) + 1;
    this.bins = new Float64Array(n);
    this.cum = new Float64Array(n);
  }

  /** Adds a duration observed at `atMs`, with a weight (default 1). */
  add(durationMs: number, atMs: number, weight = 1): void {
    const w = weight * this.scaleAt(atMs);
    const i = Math.min(this.bins.length - 1, Math.max(0, Math.floor(durationMs / this.binMs)));
    this.bins[i]! += w;
    this.total += w;
    this.dirty = true;
  }

  /** The effective weight at `atMs` (sum of decayed weights). */
  weight(atMs: number): number {
    if (this.epochMs === undefined) return 0;
    return this.total * Math.pow(2, -(atMs - this.epochMs) / this.halfLifeMs);
  }

  /** Share of weight at or below `ms` (linear inside a bin); 0 when empty. */
  cdf(ms: number): number {
    if (this.total <= 0) return 0;
    return this.cumulative(ms) / this.total;
  }

  /** Weight at or below `ms`, relative to the epoch. */
  cumulative(ms: number): number {
    if (this.dirty) this.rebuild();
    if (ms < 0) return 0;
    const x = ms / this.binMs;
    const i = Math.floor(x);
    if (i >= this.bins.length) return this.total;
    const below = i > 0 ? this.cum[i - 1]! : 0;
    return below + this.bins[i]! * (x - i);
  }

  /** Writes each bin's weight, decayed to `atMs`, into `out` (length = bin count). */
  decayedBins(out: Float64Array, atMs: number): void {
    const f = this.epochMs === undefined ? 0 : Math.pow(2, -(atMs - this.epochMs) / this.halfLifeMs);
    for (let i = 0; i < this.bins.length; i++) out[i] = this.bins[i]! * f;
  }

  get binCount(): number {
    return this.bins.length;
  }

  /** Mean duration (bin centres); `fallback` when empty. */
  mean(fallback: number): number {
    if (this.total <= 0) return fallback;
    let s = 0;
    for (let i = 0; i < this.bins.length; i++) s += this.bins[i]! * (i + 0.5) * this.binMs;
    return s / this.total;
  }

  private scaleAt(atMs: number): number {
    if (this.epochMs === undefined) this.epochMs = atMs;
    const age = (atMs - this.epochMs) / this.halfLifeMs;
    if (age > 40) {
      // Re-base so weights stay in range.
      const f = Math.pow(2, -age);
      for (let i = 0; i < this.bins.length; i++) this.bins[i]! *= f;
      this.total *= f;
      this.epochMs = atMs;
      this.dirty = true;
      return 1;
    }
    return Math.pow(2, age);
  }

  private rebuild(): void {
    let s = 0;
    for (let i = 0; i < this.bins.length; i++) {
      s += this.bins[i]!;
      this.cum[i] = s;
    }
    this.dirty = false;
  }
}

/**
 * How long an agent stays busy with a call (talk + wrap), as a survival curve
 * estimated with Kaplan-Meier from finished calls (decaying weights) and the
 * calls still running (censored at their elapsed time). Without the censored
 * calls the estimate is biased short, since long calls finish last.
 */
export class HoldModel {
  readonly done: DecayingHistogram;
  private readonly d: Float64Array;
  private readonly c: Float64Array;
  /** surv[i]: probability of being busy longer than the end of bin i. */
  private readonly surv: Float64Array;
  private computedAt = -Infinity;
  private meanMs = 120_000;

  constructor(halfLifeMs: number, binMs = 2000, maxMs = 4 * 3_600_000) {
    this.done = new DecayingHistogram(binMs, maxMs, halfLifeMs);
    const n = this.done.binCount;
    this.d = new Float64Array(n);
    this.c = new Float64Array(n);
    this.surv = new Float64Array(n);
  }

  add(heldMs: number, atMs: number, weight = 1): void {
    this.done.add(heldMs, atMs, weight);
  }

  /** Recomputes the curve (at most every `everyMs`) given the elapsed times of running calls. */
  update(nowMs: number, runningElapsedMs: readonly number[], everyMs = 5000): void {
    if (nowMs - this.computedAt < everyMs) return;
    this.computedAt = nowMs;
    const bin = this.done.binMs;
    this.done.decayedBins(this.d, nowMs);
    this.c.fill(0);
    for (const e of runningElapsedMs) this.c[Math.min(this.c.length - 1, Math.max(0, Math.floor(e / bin)))]! += 1;
    let atRisk = 0;
    for (let i = 0; i < this.d.length; i++) atRisk += this.d[i]! + this.c[i]!;
    let s = 1;
    let mean = 0;
    for (let i = 0; i < this.d.length; i++) {
      const di = this.d[i]!;
      if (atRisk > 1e-12 && di > 0) s *= Math.max(0, 1 - di / atRisk);
      atRisk -= di + this.c[i]!;
      this.surv[i] = s;
      mean += s * bin;
    }
    this.meanMs = Math.max(bin, mean);
  }

  /** Mean hold time of the current curve. */
  mean(): number {
    return this.meanMs;
  }

  /** P(busy longer than `ms`). */
  survival(ms: number): number {
    if (ms <= 0) return 1;
    const bin = this.done.binMs;
    const x = ms / bin;
    const i = Math.floor(x);
    if (i >= this.surv.length) return 0;
    const before = i > 0 ? this.surv[i - 1]! : 1;
    return before + (this.surv[i]! - before) * (x - i);
  }

  /** P(free within `tauMs` | busy for `elapsedMs`). */
  freeWithin(elapsedMs: number, tauMs: number): number {
    const s0 = this.survival(elapsedMs);
    if (s0 <= 1e-6) return 1 - Math.exp(-tauMs / Math.max(10_000, this.meanMs * 0.5));
    return Math.min(1, Math.max(0, 1 - this.survival(elapsedMs + tauMs) / s0));
  }
}

/** An exponentially weighted mean with a time half-life. */
export class DecayingMean {
  private sum = 0;
  private weightSum = 0;
  private lastMs: number | undefined;

  constructor(
    readonly halfLifeMs: number,
    private readonly prior: number,
    private readonly priorWeight = 1,
  ) {}

  add(value: number, atMs: number): void {
    this.decayTo(atMs);
    this.sum += value;
    this.weightSum += 1;
  }

  value(): number {
    return (this.sum + this.prior * this.priorWeight) / (this.weightSum + this.priorWeight);
  }

  private decayTo(atMs: number): void {
    if (this.lastMs !== undefined && atMs > this.lastMs) {
      const f = Math.pow(2, -(atMs - this.lastMs) / this.halfLifeMs);
      this.sum *= f;
      this.weightSum *= f;
    }
    this.lastMs = atMs;
  }
}

/** Counts in a sliding time window (e.g. humans and abandons of the last hour). */
export class SlidingCounter {
  private readonly times: number[] = [];
  private head = 0;

  constructor(readonly windowMs: number) {}

  add(atMs: number): void {
    this.times.push(atMs);
  }

  count(nowMs: number): number {
    const from = nowMs - this.windowMs;
    while (this.head < this.times.length && this.times[this.head]! <= from) this.head++;
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  /** Count of events after `fromMs` (call {@link count} first so the window is pruned). */
  countAfter(fromMs: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! <= fromMs) lo = mid + 1;
      else hi = mid;
    }
    return this.times.length - lo;
  }
}

const INV_SQRT_2PI = 0.3989422804014327;

/** Standard normal density. */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** Standard normal distribution function (Abramowitz-Stegun 7.1.26 via erf, |error| < 1.5e-7). */
export function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** E[max(0, X)] for X ~ Normal(mean, variance). */
export function expectedPositive(mean: number, variance: number): number {
  if (variance <= 1e-12) return Math.max(0, mean);
  const sd = Math.sqrt(variance);
  const z = mean / sd;
  return sd * normPdf(z) + mean * normCdf(z);
}
