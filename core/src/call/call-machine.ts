import type { AmdResult, CallDirection, CallOutcome, CallState, HangupBy } from '../messages/index.js';
import { CAUSE_TEXTS, hangupByFromRequest, outcomeFromCause, outcomeFromDialStatus } from './outcome.js';

/** How a campaign wants its calls run; fixed for the life of a call. */
export interface CallPolicy {
  /** Outbound: run answering-machine detection after answer. */
  readonly amd: boolean;
  /** What to do when AMD says MACHINE. */
  readonly amdAction: 'hangup' | 'voicemail_drop' | 'connect';
  readonly hasVoicemailMedia: boolean;
  /** A human must reach an agent within this time, or is dropped (abandoned). */
  readonly dropTimeoutMs: number;
  readonly hasAbandonMedia: boolean;
  /** Inbound: play the recording-consent announcement before queueing. */
  readonly consent: boolean;
  /** Inbound: how long a caller waits in queue before the fallback. */
  readonly queueTimeoutMs: number;
  /** How long AMD may take before the call is given up (a dialplan that never returns to Stasis); default 30 s. */
  readonly amdTimeoutMs?: number;
}

/** Timers a call flow runs; the edge arms them on its injected clock. */
export type CallTimer = 'drop' | 'queue' | 'amd';

/** What the flow is waiting for right now. */
export type CallStep = 'amd' | 'agent' | 'abandon_message' | 'voicemail_message' | 'consent' | 'queue' | 'fallback' | 'connecting';

/** The state of one call, as the pure flow logic sees it. Times are epoch ms. */
export interface CallRecord {
  readonly direction: CallDirection;
  readonly state: CallState;
  readonly startedAtMs: number;
  readonly ringAtMs?: number;
  readonly answerAtMs?: number;
  /** When a human was known (answer without AMD, or AMD's verdict): the drop timer starts here. */
  readonly humanAtMs?: number;
  readonly connectAtMs?: number;
  readonly endAtMs?: number;
  readonly dialStatus?: string;
  readonly amdResult?: AmdResult;
  readonly amdCause?: string;
  readonly agentId?: string;
  readonly outcome?: CallOutcome;
  readonly abandoned: boolean;
  readonly hangupBy?: HangupBy;
  readonly hangupCause?: number;
  readonly hangupCauseText?: string;
  /** A hangup the controller asked Asterisk for, and on whose behalf. */
  readonly hangupRequestedBy?: HangupBy;
  /** Who the far-end hangup request came from, when it was not ours. */
  readonly farHangup?: { cause?: number };
  readonly step?: CallStep;
  readonly held: boolean;
}

/** Something that happened to the call (from ARI events, timers or commands). */
export type CallInput =
  | { type: 'ringing' }
  /** A Dial event's `dialstatus`. */
  | { type: 'dial'; status: string }
  /** Outbound: the first StasisStart (already Up). Inbound: our /answer succeeded. */
  | { type: 'answered' }
  /** AMD's verdict (the StasisStart that returns from the dialer-amd context); `beep` when it waited for the greeting's beep. */
  | { type: 'amd'; result: AmdResult; cause?: string; beep?: boolean }
  /** An agent was chosen for the waiting call: the drop and queue timers stop while the customer is bridged to them. */
  | { type: 'agent_claimed'; agentId: string }
  /** The customer is in the agent's bridge (or back with one after a transfer). */
  | { type: 'agent_connected'; agentId: string }
  /** A transfer moved the customer to another agent, or away from any. */
  | { type: 'transferring' }
  | { type: 'timer'; timer: CallTimer }
  | { type: 'playback_done'; what: 'abandon' | 'voicemail' | 'consent' }
  | { type: 'hold'; held: boolean }
  /** The controller decided to hang up, on behalf of `by`. */
  | { type: 'hangup'; by: HangupBy }
  /** A ChannelHangupRequest on the customer channel. */
  | { type: 'hangup_request'; cause?: number; soft?: boolean }
  /** StasisEnd. During AMD it is the `continue`, not a hangup; for channels that entered from the dialplan it is their end (app-only mode sends no ChannelDestroyed). */
  | { type: 'stasis_end'; fromDialplan: boolean }
  /** The channel is gone: ChannelDestroyed, or (with `by: 'network'`) found missing at resync after events were lost. */
  | { type: 'destroyed'; cause?: number; causeText?: string; by?: HangupBy };

/** What the edge must do in response. */
export type CallEffect =
  | { type: 'continue_amd'; waitForBeep: boolean }
  /** Connect to a free agent now if there is one (and again whenever one frees up, while the step is `agent`). */
  | { type: 'find_agent' }
  | { type: 'start_timer'; timer: CallTimer; ms: number }
  | { type: 'cancel_timer'; timer: CallTimer }
  | { type: 'answer' }
  | { type: 'play'; what: 'abandon' | 'voicemail' | 'consent' }
  | { type: 'queue_fallback' }
  | { type: 'hangup'; by: HangupBy }
  | { type: 'publish'; event: 'call.ringing' | 'call.answered' | 'call.amd' | 'call.queued' | 'call.connected' | 'call.hold' | 'call.ended' }
  /** The call is over: write its one CDR and release its resources. */
  | { type: 'finished' };

/** The result of one transition. */
export interface CallTransition {
  readonly call: CallRecord;
  readonly effects: readonly CallEffect[];
}

/** A new call record: outbound and manual calls start `dialing`, inbound ones `ringing`. */
export function newCall(direction: CallDirection, nowMs: number): CallRecord {
  return direction === 'inbound'
    ? { direction, state: 'ringing', startedAtMs: nowMs, ringAtMs: nowMs, abandoned: false, held: false }
    : { direction, state: 'dialing', startedAtMs: nowMs, abandoned: false, held: false };
}

const PROGRESS = new Set(['', 'RINGING', 'PROGRESS', 'ANSWER', 'PROCEEDING']);

function seekAgent(c: CallRecord, nowMs: number, policy: CallPolicy, effects: CallEffect[]): CallRecord {
  effects.push({ type: 'publish', event: 'call.queued' }, { type: 'find_agent' });
  if (c.direction === 'inbound') {
    effects.push({ type: 'start_timer', timer: 'queue', ms: policy.queueTimeoutMs });
    return { ...c, state: 'queued', step: 'queue', humanAtMs: c.humanAtMs ?? nowMs };
  }
  effects.push({ type: 'start_timer', timer: 'drop', ms: policy.dropTimeoutMs });
  return { ...c, state: 'queued', step: 'agent', humanAtMs: nowMs };
}

function requestHangup(c: CallRecord, by: HangupBy, effects: CallEffect[]): CallRecord {
  if (c.hangupRequestedBy) return c;
  effects.push({ type: 'hangup', by });
  return { ...c, hangupRequestedBy: by };
}

/** The final outcome of a call that is ending now. */
function finalOutcome(c: CallRecord, cause: number | undefined): { outcome: CallOutcome; abandoned: boolean } {
  if (c.outcome) return { outcome: c.outcome, abandoned: c.abandoned };
  if (c.answerAtMs === undefined) {
    if (c.direction === 'inbound') return { outcome: c.hangupRequestedBy ? 'cancelled' : 'abandoned', abandoned: !c.hangupRequestedBy };
    if (c.hangupRequestedBy) return { outcome: 'cancelled', abandoned: false };
    return { outcome: outcomeFromDialStatus(c.dialStatus) ?? outcomeFromCause(cause) ?? 'failed', abandoned: false };
  }
  if (c.amdResult === 'MACHINE') return { outcome: 'machine', abandoned: false };
  if (c.abandoned) return { outcome: 'abandoned', abandoned: true };
  // A person answered and hung up (or was hung up on) before reaching an agent: an abandon.
  const waited = c.connectAtMs === undefined && (c.step === 'agent' || c.step === 'queue' || c.step === 'consent');
  if (waited && !(c.hangupRequestedBy && c.hangupRequestedBy !== 'system')) return { outcome: 'abandoned', abandoned: true };
  return { outcome: 'human', abandoned: false };
}

function finish(c: CallRecord, nowMs: number, cause: number | undefined, causeText: string | undefined, effects: CallEffect[], by?: HangupBy): CallRecord {
  const { outcome, abandoned } = finalOutcome(c, cause);
  const hangupBy: HangupBy =
    c.hangupRequestedBy ?? by ?? (c.farHangup ? hangupByFromRequest(c.farHangup, undefined) : c.answerAtMs === undefined ? 'network' : 'customer');
  // A far-end hangup carries the real cause; our own DELETE shows 32 there (not Q.850), then 16 at destroy.
  const finalCause = cause ?? c.farHangup?.cause ?? 16;
  effects.push(
    { type: 'cancel_timer', timer: 'drop' },
    { type: 'cancel_timer', timer: 'queue' },
    { type: 'cancel_timer', timer: 'amd' },
    { type: 'publish', event: 'call.ended' },
    { type: 'finished' },
  );
  return {
    ...c,
    state: 'ended',
    endAtMs: nowMs,
    outcome,
    abandoned,
    hangupBy,
    hangupCause: finalCause,
    hangupCauseText: causeText ?? CAUSE_TEXTS[finalCause] ?? 'Unknown',
    held: false,
  };
}

/**
 * The pure transition of one call: outbound (answer, AMD continue and return,
 * connect within the drop timeout or abandon, machine hangup or voicemail
 * drop), inbound (answer, consent, queue, fallback) and the end with its
 * outcome. Time comes in as `nowMs`; timers go out as effects, so a
 * simulated clock drives it exactly.
 */
export function reduceCall(c: CallRecord, input: CallInput, nowMs: number, policy: CallPolicy): CallTransition {
  const effects: CallEffect[] = [];
  if (c.state === 'ended') return { call: c, effects };
  let next: CallRecord = c;
  switch (input.type) {
    case 'ringing':
      if (c.state === 'dialing') {
        next = { ...c, state: 'ringing', ringAtMs: nowMs };
        effects.push({ type: 'publish', event: 'call.ringing' });
      }
      break;
    case 'dial':
      if (!PROGRESS.has(input.status)) next = { ...c, dialStatus: input.status };
      else if (input.status === 'RINGING' && c.state === 'dialing') {
        next = { ...c, state: 'ringing', ringAtMs: nowMs };
        effects.push({ type: 'publish', event: 'call.ringing' });
      }
      break;
    case 'answered': {
      if (c.answerAtMs !== undefined) break;
      next = { ...c, state: 'answered', answerAtMs: nowMs, ringAtMs: c.ringAtMs ?? nowMs, dialStatus: c.dialStatus ?? 'ANSWER' };
      effects.push({ type: 'publish', event: 'call.answered' });
      if (c.hangupRequestedBy) break;
      if (c.direction === 'inbound') {
        if (policy.consent) {
          next = { ...next, step: 'consent' };
          effects.push({ type: 'play', what: 'consent' });
        } else next = seekAgent(next, nowMs, policy, effects);
      } else if (c.direction === 'outbound' && policy.amd) {
        next = { ...next, state: 'amd', step: 'amd' };
        effects.push(
          { type: 'continue_amd', waitForBeep: policy.amdAction === 'voicemail_drop' && policy.hasVoicemailMedia },
          { type: 'start_timer', timer: 'amd', ms: policy.amdTimeoutMs ?? 30_000 },
        );
      } else next = seekAgent(next, nowMs, policy, effects);
      break;
    }
    case 'amd': {
      if (c.step !== 'amd') break;
      next = { ...c, amdResult: input.result, ...(input.cause !== undefined ? { amdCause: input.cause } : {}) };
      effects.push({ type: 'cancel_timer', timer: 'amd' }, { type: 'publish', event: 'call.amd' });
      if (input.result === 'MACHINE' && policy.amdAction !== 'connect') {
        if (policy.amdAction === 'voicemail_drop' && policy.hasVoicemailMedia && input.beep) {
          next = { ...next, step: 'voicemail_message' };
          effects.push({ type: 'play', what: 'voicemail' });
        } else {
          next = { ...next, step: undefined };
          next = requestHangup(next, 'system', effects);
        }
      } else next = seekAgent(next, nowMs, policy, effects);
      break;
    }
    case 'agent_claimed':
      // Only while waiting for one: an agent freed after the drop (or during the abandon message) is too late.
      if ((c.state === 'queued' && (c.step === 'agent' || c.step === 'queue' || c.step === 'fallback')) || c.state === 'transferring') {
        next = { ...c, step: 'connecting', agentId: input.agentId };
        effects.push({ type: 'cancel_timer', timer: 'drop' }, { type: 'cancel_timer', timer: 'queue' });
      }
      break;
    case 'agent_connected':
      if ((c.state === 'queued' && c.step === 'connecting') || c.state === 'transferring' || c.state === 'connected' || c.state === 'held') {
        const first = c.connectAtMs === undefined;
        next = { ...c, state: 'connected', agentId: input.agentId, step: undefined, connectAtMs: c.connectAtMs ?? nowMs, held: false };
        effects.push({ type: 'cancel_timer', timer: 'drop' }, { type: 'cancel_timer', timer: 'queue' });
        if (first || c.state === 'transferring') effects.push({ type: 'publish', event: 'call.connected' });
      }
      break;
    case 'transferring':
      if (c.state === 'connected' || c.state === 'held') next = { ...c, state: 'transferring' };
      break;
    case 'timer':
      if (input.timer === 'drop' && c.step === 'agent' && c.state === 'queued') {
        next = { ...c, abandoned: true, outcome: 'abandoned' };
        if (policy.hasAbandonMedia) {
          next = { ...next, step: 'abandon_message' };
          effects.push({ type: 'play', what: 'abandon' });
        } else next = requestHangup({ ...next, step: undefined }, 'system', effects);
      } else if (input.timer === 'amd' && c.step === 'amd') {
        // The AMD context never came back: give the call up rather than leave it in limbo.
        next = requestHangup({ ...c, step: undefined, amdResult: 'NOTSURE', amdCause: 'TIMEOUT' }, 'system', effects);
      } else if (input.timer === 'queue' && c.step === 'queue' && c.state === 'queued') {
        next = { ...c, step: 'fallback' };
        effects.push({ type: 'queue_fallback' });
      }
      break;
    case 'playback_done':
      if (input.what === 'consent' && c.step === 'consent') next = seekAgent(c, nowMs, policy, effects);
      else if ((input.what === 'abandon' && c.step === 'abandon_message') || (input.what === 'voicemail' && c.step === 'voicemail_message')) {
        next = requestHangup({ ...c, step: undefined }, 'system', effects);
      }
      break;
    case 'hold':
      if ((input.held && c.state === 'connected') || (!input.held && c.state === 'held')) {
        next = { ...c, state: input.held ? 'held' : 'connected', held: input.held };
        effects.push({ type: 'publish', event: 'call.hold' });
      }
      break;
    case 'hangup':
      next = requestHangup(c, input.by, effects);
      break;
    case 'hangup_request':
      // Our own DELETE comes back as cause 32 soft; anything else is the far end.
      if (!c.hangupRequestedBy && !(input.soft && input.cause === 32)) next = { ...c, farHangup: input.cause === undefined ? {} : { cause: input.cause } };
      break;
    case 'stasis_end':
      if (c.step === 'amd') break;
      if (input.fromDialplan) next = finish(c, nowMs, undefined, undefined, effects);
      break;
    case 'destroyed':
      next = finish(c, nowMs, input.cause, input.causeText, effects, input.by);
      break;
  }
  return { call: next, effects };
}
