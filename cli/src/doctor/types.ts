/** The outcome of one check. `skip` when a check could not run because an earlier one failed. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One diagnostic result: what was checked, what was found, and a one-line fix when it is not a pass. */
export interface CheckResult {
  /** Stable id, e.g. `ari.auth`, `rtp.byte-order` (for `--only`/`--skip` and scripts). */
  readonly id: string;
  readonly status: CheckStatus;
  /** What was found, in one line. */
  readonly detail: string;
  /** What to do about it, in one line (warn and fail only). */
  readonly fix?: string;
}

export function pass(id: string, detail: string): CheckResult {
  return { id, status: 'pass', detail };
}
export function warn(id: string, detail: string, fix: string): CheckResult {
  return { id, status: 'warn', detail, fix };
}
export function fail(id: string, detail: string, fix: string): CheckResult {
  return { id, status: 'fail', detail, fix };
}
export function skip(id: string, detail: string): CheckResult {
  return { id, status: 'skip', detail };
}
