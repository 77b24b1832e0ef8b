import { DialerError } from '../errors/index.js';
import type { AgentState } from '../messages/index.js';

/** An agent's state, as the pure logic sees it. Times are epoch ms. */
export interface AgentRecord {
  readonly state: AgentState;
  readonly sinceMs: number;
  readonly reason?: string;
  readonly callId?: string;
  /** Asked to pause or log out while on a call: applied when the call (and wrap-up) ends. */
  readonly pending?: { readonly action: 'pause' | 'logout'; readonly reason?: string };
  readonly campaignIds: readonly string[];
}

/** What can happen to an agent: their own commands, and the call flow. */
export type AgentInput =
  | { type: 'login'; campaignIds: readonly string[] }
  | { type: 'ready' }
  | { type: 'pause'; reason?: string }
  | { type: 'logout' }
  | { type: 'call_connected'; callId: string }
  | { type: 'call_ended'; wrapUpS: number }
  | { type: 'wrap_up_done' }
  /** The agent's phone (WebRTC leg or SIP phone) dropped: they cannot take calls. */
  | { type: 'phone_lost' };

/** What the edge must do. */
export type AgentEffect =
  | { type: 'publish' }
  | { type: 'start_wrap_up_timer'; ms: number }
  | { type: 'cancel_wrap_up_timer' }
  /** Logged in: build the agent's bridge and phone leg. */
  | { type: 'open_session' }
  /** Logged out: tear the agent's bridge and phone leg down. */
  | { type: 'close_session' };

export interface AgentTransition {
  readonly agent: AgentRecord;
  readonly previous: AgentState;
  readonly effects: readonly AgentEffect[];
}

export function loggedOutAgent(nowMs: number): AgentRecord {
  return { state: 'logged_out', sinceMs: nowMs, campaignIds: [] };
}

function bad(a: AgentRecord, what: string): never {
  throw new DialerError('DIALER_ERR_AGENT_STATE', `cannot ${what} while ${a.state.replace('_', ' ')}`, { details: { state: a.state } });
}

function to(a: AgentRecord, state: AgentState, nowMs: number, extra: Partial<AgentRecord> = {}): AgentRecord {
  const { reason: _r, callId: _c, pending: _p, ...rest } = a;
  return { ...rest, state, sinceMs: nowMs, ...extra };
}

/** After a call (and its wrap-up): a pending pause or logout wins over ready. */
function afterCall(a: AgentRecord, nowMs: number, effects: AgentEffect[]): AgentRecord {
  if (a.pending?.action === 'logout') {
    effects.push({ type: 'close_session' });
    return { ...to(a, 'logged_out', nowMs), campaignIds: [] };
  }
  if (a.pending?.action === 'pause') return to(a, 'paused', nowMs, a.pending.reason ? { reason: a.pending.reason } : {});
  return to(a, 'ready', nowMs);
}

/**
 * Agent states and their transitions: logged out, ready, paused (with a
 * reason code), on call and wrap-up. Login lands in paused (reason `login`)
 * until the agent says ready; a pause or logout asked for during a call is
 * applied when the call ends; wrap-up ends by itself after `wrapUpS`.
 * Invalid requests throw DIALER_ERR_AGENT_STATE.
 */
export function reduceAgent(a: AgentRecord, input: AgentInput, nowMs: number): AgentTransition {
  const effects: AgentEffect[] = [];
  let next: AgentRecord = a;
  switch (input.type) {
    case 'login':
      if (a.state !== 'logged_out') bad(a, 'log in');
      next = { ...to(a, 'paused', nowMs, { reason: 'login' }), campaignIds: [...input.campaignIds] };
      effects.push({ type: 'open_session' });
      break;
    case 'ready':
      if (a.state === 'ready') return { agent: a, previous: a.state, effects };
      if (a.state === 'paused') next = to(a, 'ready', nowMs);
      else if (a.state === 'wrap_up') {
        effects.push({ type: 'cancel_wrap_up_timer' });
        next = to(a, 'ready', nowMs);
      } else if (a.state === 'on_call') next = { ...a, pending: undefined } as AgentRecord;
      else bad(a, 'become ready');
      break;
    case 'pause':
      if (a.state === 'ready' || a.state === 'paused') next = to(a, 'paused', nowMs, input.reason ? { reason: input.reason } : {});
      else if (a.state === 'wrap_up') {
        effects.push({ type: 'cancel_wrap_up_timer' });
        next = to(a, 'paused', nowMs, input.reason ? { reason: input.reason } : {});
      } else if (a.state === 'on_call') next = { ...a, pending: { action: 'pause', ...(input.reason ? { reason: input.reason } : {}) } };
      else bad(a, 'pause');
      break;
    case 'logout':
      if (a.state === 'logged_out') return { agent: a, previous: a.state, effects };
      if (a.state === 'on_call') next = { ...a, pending: { action: 'logout' } };
      else {
        if (a.state === 'wrap_up') effects.push({ type: 'cancel_wrap_up_timer' });
        effects.push({ type: 'close_session' });
        next = { ...to(a, 'logged_out', nowMs), campaignIds: [] };
      }
      break;
    case 'phone_lost':
      if (a.state === 'logged_out') return { agent: a, previous: a.state, effects };
      if (a.state === 'wrap_up') effects.push({ type: 'cancel_wrap_up_timer' });
      next = a.state === 'on_call' ? { ...a, pending: { action: 'pause', reason: 'phone_lost' } } : to(a, 'paused', nowMs, { reason: 'phone_lost' });
      break;
    case 'call_connected':
      // One call at a time: an agent on a call or in wrap-up is not free.
      if (a.state !== 'ready') bad(a, 'take a call');
      next = to(a, 'on_call', nowMs, { callId: input.callId });
      break;
    case 'call_ended':
      if (a.state !== 'on_call') return { agent: a, previous: a.state, effects };
      if (input.wrapUpS > 0) {
        next = { ...to(a, 'wrap_up', nowMs, { callId: a.callId }), ...(a.pending ? { pending: a.pending } : {}) } as AgentRecord;
        effects.push({ type: 'start_wrap_up_timer', ms: input.wrapUpS * 1000 });
      } else next = afterCall(a, nowMs, effects);
      break;
    case 'wrap_up_done':
      if (a.state !== 'wrap_up') return { agent: a, previous: a.state, effects };
      effects.push({ type: 'cancel_wrap_up_timer' });
      next = afterCall(a, nowMs, effects);
      break;
  }
  if (next.state !== a.state || next.reason !== a.reason) effects.unshift({ type: 'publish' });
  return { agent: next, previous: a.state, effects };
}

/** Whether the agent can take a call now. */
export function isAvailable(a: AgentRecord): boolean {
  return a.state === 'ready';
}
