/**
 * The pacing contract. External simulators drive pacers through exactly these
 * types, so they are published API: never change their shape.
 */

/** Options of {@link createPacer}. */
export interface PacerOptions {
  mode: 'predictive' | 'progressive' | 'ratio';
  /** Abandoned calls over human answers that must not be exceeded (0.03 = 3 %). */
  targetAbandonRate: number;
  /** Lines per agent in `ratio` mode (default 1.5). */
  ratio?: number;
}

/** Decides how many calls to originate. */
export interface Pacer {
  /** Fed every event, in time order. */
  observe(event: PacingEvent): void;
  /** Integer >= 0: new calls to originate now. */
  decide(snapshot: PacingSnapshot): number;
}

/** What the dialer sees of one campaign at one instant. */
export type PacingSnapshot = {
  nowMs: number;
  /** Logged in, not paused. */
  agentsAvailable: number;
  agentsReady: number;
  agentsOnCall: number;
  agentsWrapUp: number;
  callsDialing: number;
  /** Answered person waiting for an agent. */
  callsWaiting: number;
};

/** Call and agent progress, as the pacer learns it. */
export type PacingEvent =
  | { type: 'dialed'; atMs: number; callId: string }
  | { type: 'answered'; atMs: number; callId: string; by: 'human' | 'machine' }
  | { type: 'unanswered'; atMs: number; callId: string; reason: 'busy' | 'no_answer' | 'congestion' | 'failed' }
  | { type: 'connected'; atMs: number; callId: string }
  | { type: 'abandoned'; atMs: number; callId: string }
  | { type: 'agent_released'; atMs: number; talkMs: number; wrapMs: number };
