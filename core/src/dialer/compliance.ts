/**
 * Abandon-rate accounting: the compliance rules of outbound dialing, as pure
 * functions. (Recording consent by jurisdiction is `consentRequired` in the
 * call area.)
 *
 * - US (FTC Telemarketing Sales Rule): abandoned calls at most 3 % of calls
 *   answered by a live person, per campaign over a rolling 30 days.
 * - UK (Ofcom): at most 3 % of live calls per campaign over 24 hours, where
 *   an estimate of AMD false positives (humans hung up on as machines) counts
 *   as abandoned and as live; a number abandoned may not be called again with
 *   a live agent for 72 hours.
 */

export type ComplianceMode = 'us' | 'uk' | 'none';

/** Counters over an accounting window. */
export interface AbandonCounters {
  /** Calls a live person answered (including those then abandoned). */
  humans: number;
  abandoned: number;
  /** Estimated humans classified as machines by AMD. */
  amdFalsePositiveEst: number;
}

/** Length of the accounting window of a compliance mode. */
export function abandonWindowMs(mode: ComplianceMode): number {
  return mode === 'uk' ? 24 * 3_600_000 : 30 * 24 * 3_600_000;
}

/** The regulated abandon rate of a window: UK counts estimated AMD false positives as abandoned live calls. */
export function abandonRate(mode: ComplianceMode, c: AbandonCounters): number {
  if (mode === 'uk') {
    const live = c.humans + c.amdFalsePositiveEst;
    return live > 0 ? (c.abandoned + c.amdFalsePositiveEst) / live : 0;
  }
  return c.humans > 0 ? c.abandoned / c.humans : 0;
}

/**
 * Estimated AMD false positives among calls classified as machines: Ofcom
 * accepts a reasoned estimate; we use the campaign's measured or assumed
 * false-positive share of machine verdicts.
 */
export function estimateAmdFalsePositives(machineVerdicts: number, falsePositiveShare = 0.03): number {
  return machineVerdicts * falsePositiveShare;
}

/** Where a rate stands against its target. */
export type AbandonLevel = 'ok' | 'warning' | 'exceeded';

/** `warning` from `warnAt × target` (default 80 %), `exceeded` above the target. */
export function abandonLevel(rate: number, target: number, warnAt = 0.8): AbandonLevel {
  if (rate > target) return 'exceeded';
  if (rate >= warnAt * target) return 'warning';
  return 'ok';
}
