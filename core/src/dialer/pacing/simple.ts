import type { Pacer, PacingEvent, PacingSnapshot } from './types.js';

/**
 * Progressive: one line per ready agent. Every human who answers has an agent
 * reserved, so it never abandons (unless agents leave mid-ring).
 */
export class ProgressivePacer implements Pacer {
  observe(_event: PacingEvent): void {
    // Progressive pacing needs no history.
  }

  decide(s: PacingSnapshot): number {
    return Math.max(0, s.agentsReady - s.callsDialing - s.callsWaiting);
  }
}

/**
 * Ratio: a fixed number of lines per agent, counted like VICIdial's RATIO
 * method: `ratio × (ready + on call)` live calls, where calls already with an
 * agent, waiting or ringing count as live. `ratio` 1 is progressive.
 */
export class RatioPacer implements Pacer {
  constructor(private readonly ratio: number) {}

  observe(_event: PacingEvent): void {
    // Ratio pacing needs no history.
  }

  decide(s: PacingSnapshot): number {
    if (s.agentsReady + s.agentsOnCall === 0) return 0;
    const goal = Math.round(this.ratio * (s.agentsReady + s.agentsOnCall));
    const live = s.callsDialing + s.callsWaiting + s.agentsOnCall;
    return Math.max(0, goal - live);
  }
}
