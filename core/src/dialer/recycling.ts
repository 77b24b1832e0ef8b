import { DialerError } from '../errors/index.js';
import type { CallOutcome } from '../messages/index.js';

/** One recycling rule (`campaigns.recycle_rules`): retry an outcome after a delay, a limited number of times. */
export interface RecycleRule {
  outcome: CallOutcome;
  delayS: number;
  /** Attempts ending with this outcome after which the lead is done. */
  maxAttempts?: number;
}

/** A campaign's recycling and attempt policy. */
export interface RecyclePolicy {
  rules: RecycleRule[];
  /** Total attempts per lead. */
  maxAttempts: number;
  /** Attempts per lead per local day. */
  maxAttemptsPerDay: number;
  /** `uk` forces 72 h after an abandoned call. */
  complianceMode: 'us' | 'uk' | 'none';
  /** Delay for outcomes without a rule (default 1 h). */
  defaultDelayS?: number;
}

/** The lead as recycling sees it, after the attempt being recorded was counted. */
export interface AttemptState {
  attempts: number;
  dayAttempts: number;
  /** Attempts (this one included) that ended with this outcome. */
  outcomeAttempts: number;
  /** Index of the number just dialled: 0 is `phone`, n is `alt_phones[n-1]`. */
  phoneIndex: number;
  /** Numbers the lead has: 1 + alternates. */
  phoneCount: number;
}

/** What to do with a lead after an attempt. */
export interface RecycleDecision {
  status: 'callable' | 'done';
  /** Earliest next attempt (epoch ms); 0 when done. */
  nextCallAfter: number;
  /** Number to dial next. */
  phoneIndex: number;
  reason: 'recycle' | 'max_attempts' | 'outcome_limit' | 'day_limit' | 'abandon_hold' | 'alternate';
}

/** Minimum delay after an abandoned call in UK (Ofcom) mode: 72 hours. */
export const UK_ABANDON_HOLD_S = 72 * 3600;

const OUTCOMES: readonly CallOutcome[] = ['human', 'machine', 'busy', 'no_answer', 'congestion', 'failed', 'abandoned', 'cancelled'];

/** Validates `campaigns.recycle_rules`; throws DIALER_ERR_VALIDATION. */
export function parseRecycleRules(value: unknown): RecycleRule[] {
  if (!Array.isArray(value)) throw new DialerError('DIALER_ERR_VALIDATION', 'recycle_rules must be an array');
  return value.map((r, i) => {
    const o = (r ?? {}) as Record<string, unknown>;
    if (!OUTCOMES.includes(o['outcome'] as CallOutcome)) {
      throw new DialerError('DIALER_ERR_VALIDATION', `recycle_rules[${i}].outcome must be one of ${OUTCOMES.join(', ')}`);
    }
    const delayS = o['delayS'];
    if (typeof delayS !== 'number' || !Number.isFinite(delayS) || delayS < 0) {
      throw new DialerError('DIALER_ERR_VALIDATION', `recycle_rules[${i}].delayS must be a number >= 0`);
    }
    const rule: RecycleRule = { outcome: o['outcome'] as CallOutcome, delayS };
    if (o['maxAttempts'] !== undefined) {
      const m = o['maxAttempts'];
      if (!Number.isInteger(m) || (m as number) < 1) throw new DialerError('DIALER_ERR_VALIDATION', `recycle_rules[${i}].maxAttempts must be an integer >= 1`);
      rule.maxAttempts = m as number;
    }
    return rule;
  });
}

/** Outcomes where nobody was reached: the next attempt moves on to the lead's next number. */
const NOT_REACHED = new Set<CallOutcome>(['busy', 'no_answer', 'congestion', 'failed', 'machine']);

/**
 * Decides when a lead is dialled next after an attempt that ended with
 * `outcome` (an automatic outcome: nobody disposed of it). `nextDayStartMs` is
 * the start of the lead's next local day (for the per-day cap).
 *
 * Order: total cap, per-outcome cap, then the delay (the outcome's rule, the
 * forced hold after an abandoned call in UK mode), alternate numbers in turn
 * (moving to the next number when nobody was reached), and the per-day cap.
 */
export function recycleAfter(policy: RecyclePolicy, state: AttemptState, outcome: CallOutcome, nowMs: number, nextDayStartMs: number): RecycleDecision {
  const rule = policy.rules.find((r) => r.outcome === outcome);
  const nextIndex = NOT_REACHED.has(outcome) && state.phoneCount > 1 ? (state.phoneIndex + 1) % state.phoneCount : state.phoneIndex;
  if (state.attempts >= policy.maxAttempts) return { status: 'done', nextCallAfter: 0, phoneIndex: nextIndex, reason: 'max_attempts' };
  if (rule?.maxAttempts !== undefined && state.outcomeAttempts >= rule.maxAttempts) {
    return { status: 'done', nextCallAfter: 0, phoneIndex: nextIndex, reason: 'outcome_limit' };
  }
  let delayS = rule ? rule.delayS : (policy.defaultDelayS ?? 3600);
  let reason: RecycleDecision['reason'] = 'recycle';
  // Another number of the same lead may be tried at once; the rule's delay applies once every number was tried.
  if (nextIndex !== state.phoneIndex && nextIndex !== 0) {
    delayS = Math.min(delayS, 60);
    reason = 'alternate';
  }
  if (outcome === 'abandoned' && policy.complianceMode === 'uk' && delayS < UK_ABANDON_HOLD_S) {
    delayS = UK_ABANDON_HOLD_S;
    reason = 'abandon_hold';
  }
  let next = nowMs + delayS * 1000;
  if (state.dayAttempts >= policy.maxAttemptsPerDay && next < nextDayStartMs) {
    next = nextDayStartMs;
    reason = 'day_limit';
  }
  return { status: 'callable', nextCallAfter: next, phoneIndex: nextIndex, reason };
}

/** Caps on calls to one consumer (phone number) across every campaign of a tenant. */
export interface ConsumerCaps {
  perDay?: number;
  perWeek?: number;
}

/** True when another call to the number would exceed the tenant's consumer caps. */
export function consumerCapReached(caps: ConsumerCaps, counts: { lastDay: number; lastWeek: number }): boolean {
  return (caps.perDay !== undefined && counts.lastDay >= caps.perDay) || (caps.perWeek !== undefined && counts.lastWeek >= caps.perWeek);
}
