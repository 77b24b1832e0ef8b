import type { CallOutcome, HangupBy } from '../messages/index.js';

/**
 * Outcome of an originate that never answered, from the `Dial` event's
 * `dialstatus`: failed originates never enter Stasis, so this is all there is.
 * ANSWER and the progress states ("", RINGING, PROGRESS) are not outcomes.
 */
export function outcomeFromDialStatus(dialStatus: string | undefined): CallOutcome | undefined {
  switch (dialStatus) {
    case 'BUSY':
      return 'busy';
    case 'CONGESTION':
      return 'congestion';
    case 'NOANSWER':
      return 'no_answer';
    case 'CHANUNAVAIL':
    case 'INVALIDARGS':
    case 'DONTCALL':
    case 'TORTURE':
      return 'failed';
    case 'CANCEL':
      return 'cancelled';
    default:
      return undefined;
  }
}

/**
 * Outcome of an unanswered call from the Q.850 cause of its ChannelDestroyed,
 * for when no decisive Dial status came (a ring timeout sends none: cause 19).
 * Cause 0 ("Unknown", a Local channel's ;1 after BUSY) decides nothing.
 */
export function outcomeFromCause(cause: number | undefined): CallOutcome | undefined {
  switch (cause) {
    case 17:
      return 'busy';
    case 18:
    case 19:
      return 'no_answer';
    case 34:
    case 38:
    case 41:
    case 42:
    case 44:
      return 'congestion';
    case 1:
    case 3:
    case 20:
    case 21:
    case 22:
    case 27:
    case 28:
    case 127:
      return 'failed';
    default:
      return undefined;
  }
}

/** Q.850 cause texts, for CDRs when Asterisk gave none. */
export const CAUSE_TEXTS: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  20: 'Subscriber absent',
  21: 'Call Rejected',
  31: 'Normal, unspecified',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
  127: 'Interworking, unspecified',
};

/**
 * Who hung up, from a ChannelHangupRequest that the controller did not ask
 * for. A SIP BYE carries no cause; a far-end `Hangup(16)` carries the cause
 * without `soft`; our own DELETE shows up as cause 32 with `soft` (32 is not
 * a Q.850 cause and must not be read as one).
 */
export function hangupByFromRequest(req: { cause?: number; soft?: boolean }, requestedBy: HangupBy | undefined): HangupBy {
  if (requestedBy) return requestedBy;
  if (req.soft && req.cause === 32) return 'system';
  return 'customer';
}
