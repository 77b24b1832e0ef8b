/** One row of `agent_state_log`: a state an agent held from `startedAt` until `endedAt` (null: still in it). */
export interface StateSpan {
  agentId: string;
  state: string;
  startedAt: number;
  endedAt: number | null;
}

/** Agents by state at one moment. */
export interface StateCounts {
  t: number;
  ready: number;
  paused: number;
  onCall: number;
  wrapUp: number;
}

const FIELD: Record<string, keyof Omit<StateCounts, 't'>> = { ready: 'ready', paused: 'paused', on_call: 'onCall', wrap_up: 'wrapUp' };

/**
 * Agents by state at each step from `fromMs` to `toMs` (inclusive), from the
 * spans of the state log: a sweep over span starts and ends, so the cost is
 * O(spans log spans + steps). States other than ready, paused, on call and
 * wrap-up (logged out) are not counted. An agent counts once per moment: a
 * span still open when a later span of the same agent starts is cut there
 * (a log a crash left open does not count twice).
 */
export function stateSeries(spans: readonly StateSpan[], fromMs: number, toMs: number, stepMs: number): StateCounts[] {
  if (!(stepMs > 0) || toMs < fromMs) return [];
  const byAgent = new Map<string, StateSpan[]>();
  for (const s of spans) {
    let l = byAgent.get(s.agentId);
    if (!l) byAgent.set(s.agentId, (l = []));
    l.push(s);
  }
  // Edges: +1 at a span's start, -1 at its (possibly cut) end.
  const edges: { at: number; field: keyof Omit<StateCounts, 't'>; d: 1 | -1 }[] = [];
  for (const list of byAgent.values()) {
    list.sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const field = FIELD[s.state];
      if (!field) continue;
      const next = list[i + 1]?.startedAt ?? Infinity;
      const end = Math.min(s.endedAt ?? Infinity, next);
      if (end <= s.startedAt) continue;
      edges.push({ at: s.startedAt, field, d: 1 });
      if (end !== Infinity) edges.push({ at: end, field, d: -1 });
    }
  }
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  const cur = { ready: 0, paused: 0, onCall: 0, wrapUp: 0 };
  const out: StateCounts[] = [];
  let e = 0;
  for (let t = fromMs; t <= toMs; t += stepMs) {
    // A state that starts at t counts at t; one that ends at t does not.
    while (e < edges.length && edges[e]!.at <= t) {
      cur[edges[e]!.field] += edges[e]!.d;
      e++;
    }
    out.push({ t, ...cur });
  }
  return out;
}
