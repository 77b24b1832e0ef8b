import type { Pacer, PacingEvent, PacingSnapshot } from './types.js';

/** Settings of VICIdial's adaptive dialing, with VICIdial's defaults. */
export interface VicidialAdaptOptions {
  /** `adaptive_dropped_percentage`, as a fraction (default 0.03). */
  targetAbandonRate: number;
  /** `adaptive_maximum_level` (default 3.0). */
  maxLevel?: number;
  /** Starting `auto_dial_level` (default 1.0). */
  startLevel?: number;
  /** `adaptive_intensity`, -40..40 (default 0). */
  intensity?: number;
  /** `adaptive_dl_diff_target` (default 0). */
  dlDiffTarget?: number;
  /**
   * `adaptive_latest_server_time` as HHMM: the time the campaign stops
   * dialling. Default: the end of the shift when `shiftDurationMs` is given,
   * else VICIdial's default 2100.
   */
  latestServerTime?: number;
  /** Server clock at the first decision, HHMM (default 0900); the simulator's day starts then. */
  serverStartTime?: number;
  /** Length of the shift; with it, the latest server time defaults to its end, as VICIdial's help asks. */
  shiftDurationMs?: number;
}

/** HHMM of `startHHMM` plus `ms`, wrapped at midnight (2400 at most for a shift ending at midnight). */
export function hhmmAfter(startHHMM: number, ms: number): number {
  const start = Math.floor(startHHMM / 100) * 60 + (startHHMM % 100);
  const end = start + Math.floor(ms / 60_000);
  if (end === 24 * 60) return 2400;
  const m = end % (24 * 60);
  return Math.floor(m / 60) * 100 + (m % 60);
}

/**
 * A faithful reimplementation of VICIdial's ADAPT_TAPERED dial method, the
 * baseline of `bench:pacing`: `AST_VDadapt.pl` (dial level) driving
 * `AST_VDauto_dial.pl` (calls to place).
 *
 * - Once a second it samples ready agents, calls waiting for an agent and
 *   logged-in agents, keeping the last 15 samples (`count_agents_lines`).
 * - Every 15 s it sets the dial level (`calculate_dial_level`):
 *   `level × (1 + (avgReady − avgWaiting + dlDiffTarget) / avgAgents)`, with
 *   the intensity factor, capped at the maximum level and floored at 1.0.
 *   With more than 20 calls in the last minute and over 50 % of them dropped,
 *   the level is halved. With more than 50 calls today and today's drops over
 *   human answers above the target, ADAPT_TAPERED multiplies the level by
 *   `(latest − now in HHMM) / 1000` (capped at 1, so no tapering more than
 *   ten "hours" before the latest time), or sets it to 1.0 after that time.
 * - Drop statistics are refreshed once a minute (`calculate_drops`).
 * - Each second it places `round(level × (ready + in call + dlDiffTarget)) − live calls`,
 *   where live calls are ringing, waiting and agent-connected calls.
 * - `adaptive_latest_server_time` is the time the campaign stops dialling
 *   (VICIdial's help: "the hour and minute that you will stop calling on this
 *   campaign"); the bench sets it to the end of each simulated shift.
 *
 * Not reproduced: `available_only_ratio_tally` and its thresholds, dial-level
 * thresholds, drop-rate groups, in-group (blended) differentials, the hopper
 * check (the simulator never runs out of leads), and agents in PAUSED status
 * in the 15-sample agent average (the snapshot does not count paused agents).
 */
export class VicidialAdaptTaperedPacer implements Pacer {
  private level: number;
  private readonly maxLevel: number;
  private readonly intensity: number;
  private readonly dlDiffTarget: number;
  private readonly latest: number;
  private readonly startHHMM: number;
  private startMs: number | undefined;

  private readonly samples: { ready: number; waiting: number; total: number }[] = [];
  private secondsSinceLevel = 0;
  private secondsSinceDrops = 61;

  // Raw event logs (times) for today's and last minute's statistics.
  private readonly dialTimes: number[] = [];
  private readonly dropTimes: number[] = [];
  private answersToday = 0;
  private dropsToday = 0;
  // Snapshots of the stats, refreshed once a minute as VICIdial does.
  private callsTodayStat = 0;
  private dropAnswersPctStat = 0;
  private callsOneStat = 0;
  private dropsOnePctStat = 0;

  constructor(private readonly options: VicidialAdaptOptions) {
    this.level = options.startLevel ?? 1;
    this.maxLevel = options.maxLevel ?? 3;
    this.intensity = options.intensity ?? 0;
    this.dlDiffTarget = options.dlDiffTarget ?? 0;
    this.startHHMM = options.serverStartTime ?? 900;
    this.latest = options.latestServerTime ?? (options.shiftDurationMs !== undefined ? hhmmAfter(this.startHHMM, options.shiftDurationMs) : 2100);
  }

  /** The current dial level (for stats). */
  get dialLevel(): number {
    return this.level;
  }

  observe(e: PacingEvent): void {
    switch (e.type) {
      case 'dialed':
        this.dialTimes.push(e.atMs);
        break;
      case 'answered':
        if (e.by === 'human') this.answersToday++;
        break;
      case 'abandoned':
        // A DROP is a human-answered status in VICIdial, already counted as an answer.
        this.dropsToday++;
        this.dropTimes.push(e.atMs);
        break;
      default:
        break;
    }
  }

  decide(s: PacingSnapshot): number {
    this.startMs ??= s.nowMs;
    // count_agents_lines: READY agents, LIVE (waiting) calls, all logged-in agents.
    this.samples.push({ ready: s.agentsReady, waiting: s.callsWaiting, total: s.agentsAvailable });
    if (this.samples.length > 15) this.samples.shift();

    this.secondsSinceDrops++;
    if (this.secondsSinceDrops >= 60) {
      this.secondsSinceDrops = 0;
      this.calculateDrops(s.nowMs);
    }
    this.secondsSinceLevel++;
    const avgAgents = this.samples.reduce((a, x) => a + x.total, 0) / this.samples.length;
    if (this.secondsSinceLevel >= 15 && avgAgents > 0) {
      this.secondsSinceLevel = 0;
      this.calculateDialLevel(s.nowMs, avgAgents);
    }

    // AST_VDauto_dial.pl: goal calls = level × (READY + INCALL + adaptive_dl_diff_target);
    // place goal − live calls (SENT, RINGING, LIVE and XFER calls: ringing, waiting, with an agent).
    if (s.agentsReady + s.agentsOnCall === 0) return 0;
    const agents = Math.max(0, s.agentsReady + s.agentsOnCall + this.dlDiffTarget);
    const goal = Math.round(this.level * agents);
    const live = s.callsDialing + s.callsWaiting + s.agentsOnCall;
    return Math.max(0, goal - live);
  }

  private calculateDrops(now: number): void {
    this.callsTodayStat = this.dialTimes.length;
    this.dropAnswersPctStat = this.answersToday > 0 ? (this.dropsToday / this.answersToday) * 100 : 0;
    const from = now - 60_000;
    this.callsOneStat = countSince(this.dialTimes, from);
    const dropsOne = countSince(this.dropTimes, from);
    this.dropsOnePctStat = this.callsOneStat > 0 ? (dropsOne / this.callsOneStat) * 100 : 0;
  }

  private calculateDialLevel(now: number, avgAgents: number): void {
    const n = this.samples.length;
    const readyAvg = this.samples.reduce((a, x) => a + x.ready, 0) / n;
    const waitingAvg = this.samples.reduce((a, x) => a + x.waiting, 0) / n;
    const differential = readyAvg - waitingAvg + this.dlDiffTarget;
    const mul = differential !== 0 && avgAgents !== 0 ? differential / avgAgents : 0;
    const pct = mul * 100;
    const intensityMul = this.intensity / 100;
    const intensityDiff = pct < 0 ? pct * Math.abs(intensityMul - 1) : pct * (intensityMul + 1);
    let level = round3(this.level * (intensityDiff / 100 + 1));
    if (level > this.maxLevel) level = this.maxLevel;
    if (level < 1) level = 1;

    const hhmm = this.serverHHMM(now);
    const hoursLeft = this.latest - hhmm;
    const taperedRate = hoursLeft > 1000 ? 1 : hoursLeft / 1000;

    if (this.callsOneStat > 20 && this.dropsOnePctStat > 50) level = level / 2;
    if (this.callsTodayStat > 50 && this.dropAnswersPctStat > this.options.targetAbandonRate * 100) {
      level = hoursLeft < 0 ? 1 : level * taperedRate;
    }
    if (level < 1) level = 1;
    this.level = level;
  }

  /** The server's wall clock as HHMM, as VICIdial compares it. */
  private serverHHMM(now: number): number {
    const minutes = Math.floor((now - (this.startMs ?? now)) / 60_000);
    const start = Math.floor(this.startHHMM / 100) * 60 + (this.startHHMM % 100);
    const m = (start + minutes) % (24 * 60);
    return Math.floor(m / 60) * 100 + (m % 60);
  }
}

function countSince(times: number[], from: number): number {
  let i = times.length;
  while (i > 0 && times[i - 1]! > from) i--;
  return times.length - i;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
