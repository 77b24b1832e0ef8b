import type { Pacer, PacingEvent, PacingSnapshot } from '../pacing/types.js';
import type { AnswerMix, TrafficProfile } from './profiles.js';
import { EventQueue, Random } from './random.js';

/** What one simulated run measured. */
export interface PacingRunResult {
  profile: string;
  strategy: string;
  /** Abandoned over human answers, for the whole run. */
  abandonRate: number;
  /** The worst clock hour's abandon rate. */
  worstHourAbandonRate: number;
  /** (talk + wrap) / available agent time. */
  occupancy: number;
  talkMinutesPerAgentHour: number;
  meanWaitToAgentMs: number;
  p95WaitToAgentMs: number;
  dials: number;
  humans: number;
  abandoned: number;
}

type AgentState = 'off' | 'ready' | 'talk' | 'wrap' | 'break';

interface Agent {
  state: AgentState;
  since: number;
  readySince: number;
  pendingBreakMs: number;
  talkMs: number;
  wrapMs: number;
}

interface Waiting {
  callId: string;
  since: number;
  machine: boolean;
}

type Ev =
  | { k: 'tick' }
  | { k: 'resolve'; callId: string; outcome: 'human' | 'machine' | 'busy' | 'no_answer' | 'congestion' }
  | { k: 'detect'; callId: string; asHuman: boolean; machine: boolean }
  | { k: 'abandon'; callId: string }
  | { k: 'talkEnd'; agent: number }
  | { k: 'wrapEnd'; agent: number }
  | { k: 'login'; agent: number }
  | { k: 'logout'; agent: number }
  | { k: 'break'; agent: number; durationMs: number }
  | { k: 'breakEnd'; agent: number };

/** Options of {@link simulatePacing}. */
export interface SimulateOptions {
  /** Decision period (default 1000 ms). */
  tickMs?: number;
  /** Shortens the run (tests). */
  durationMs?: number;
}

/**
 * A deterministic discrete-event simulation of one campaign: agents (logins,
 * breaks, talk and wrap), calls (ring, answer, busy, no answer, congestion),
 * answering-machine detection with false positives and negatives, and the
 * 2-second connect rule (a human who has no agent 2 s after the end of the
 * greeting is abandoned). The pacer is asked once a second.
 */
export function simulatePacing(profile: TrafficProfile, strategy: string, pacer: Pacer, options: SimulateOptions = {}): PacingRunResult {
  const rng = new Random(profile.seed);
  const tickMs = options.tickMs ?? 1000;
  const duration = options.durationMs ?? profile.durationMs;
  const q = new EventQueue<Ev>();
  const agents: Agent[] = [];
  for (let a = 0; a < profile.agents; a++) {
    agents.push({ state: 'off', since: 0, readySince: 0, pendingBreakMs: 0, talkMs: 0, wrapMs: 0 });
    const sched = profile.schedule?.(a) ?? { loginMs: 0, logoutMs: duration, breaks: [] };
    q.push(sched.loginMs, { k: 'login', agent: a });
    if (sched.logoutMs < duration) q.push(sched.logoutMs, { k: 'logout', agent: a });
    for (const b of sched.breaks) if (b.startMs < duration) q.push(b.startMs, { k: 'break', agent: a, durationMs: b.durationMs });
  }
  for (let t = 0; t < duration; t += tickMs) q.push(t, { k: 'tick' });

  const dialing = new Set<string>();
  const waiting: Waiting[] = [];
  const waitingIds = new Set<string>();
  const callTalk = new Map<number, { talkMs: number }>();
  let seq = 0;
  let dials = 0;
  let humans = 0;
  let abandoned = 0;
  let availableMs = 0;
  let talkMs = 0;
  let wrapMs = 0;
  const waits: number[] = [];
  const hourHumans: number[] = [];
  const hourAbandons: number[] = [];
  let now = 0;

  const emit = (e: PacingEvent): void => pacer.observe(e);
  const accrue = (ag: Agent): void => {
    if (ag.state === 'ready' || ag.state === 'talk' || ag.state === 'wrap') availableMs += now - ag.since;
    ag.since = now;
  };
  const setState = (i: number, state: AgentState): void => {
    const ag = agents[i]!;
    accrue(ag);
    ag.state = state;
    if (state === 'ready') ag.readySince = now;
  };
  const mixAt = (t: number): AnswerMix => {
    let m = profile.mix[0]!;
    for (const x of profile.mix) if (x.fromMs <= t) m = x;
    return m;
  };
  const hour = (t: number): number => Math.floor(t / 3_600_000);

  const connect = (agentIdx: number, w: Waiting): void => {
    const ag = agents[agentIdx]!;
    setState(agentIdx, 'talk');
    const talk = Math.max(1000, rng.lognormal(w.machine ? profile.machineTalk.meanMs : profile.talk.meanMs, w.machine ? profile.machineTalk.cv : profile.talk.cv));
    ag.talkMs = talk;
    waits.push(now - w.since);
    emit({ type: 'connected', atMs: now, callId: w.callId });
    callTalk.set(agentIdx, { talkMs: talk });
    q.push(now + talk, { k: 'talkEnd', agent: agentIdx });
  };

  const longestReady = (): number => {
    let best = -1;
    for (let i = 0; i < agents.length; i++) {
      const a = agents[i]!;
      if (a.state === 'ready' && (best < 0 || a.readySince < agents[best]!.readySince)) best = i;
    }
    return best;
  };

  const agentFree = (i: number): void => {
    const ag = agents[i]!;
    if (ag.pendingBreakMs > 0) {
      const d = ag.pendingBreakMs;
      ag.pendingBreakMs = 0;
      setState(i, 'break');
      q.push(now + d, { k: 'breakEnd', agent: i });
      return;
    }
    setState(i, 'ready');
    const next = waiting.shift();
    if (next) {
      waitingIds.delete(next.callId);
      connect(i, next);
    }
  };

  const dial = (): void => {
    const callId = `c${++seq}`;
    dials++;
    dialing.add(callId);
    emit({ type: 'dialed', atMs: now, callId });
    const m = mixAt(now);
    const u = rng.next();
    let outcome: 'human' | 'machine' | 'busy' | 'no_answer' | 'congestion';
    let at: number;
    if (u < m.human) {
      at = now + Math.max(2000, rng.lognormal(profile.humanRing.meanMs, profile.humanRing.cv));
      outcome = 'human';
    } else if (u < m.human + m.machine) {
      at = now + Math.max(3000, rng.lognormal(profile.machineRing.meanMs, profile.machineRing.cv));
      outcome = 'machine';
    } else if (u < m.human + m.machine + m.busy) {
      at = now + 1500 + rng.next() * 3000;
      outcome = 'busy';
    } else if (u < m.human + m.machine + m.busy + m.congestion) {
      at = now + 300 + rng.next() * 1500;
      outcome = 'congestion';
    } else {
      at = now + profile.ringTimeoutMs;
      outcome = 'no_answer';
    }
    if ((outcome === 'human' || outcome === 'machine') && at - now > profile.ringTimeoutMs) {
      at = now + profile.ringTimeoutMs;
      outcome = 'no_answer';
    }
    q.push(at, { k: 'resolve', callId, outcome });
  };

  const humanArrives = (callId: string, machine: boolean): void => {
    dialing.delete(callId);
    humans++;
    hourHumans[hour(now)] = (hourHumans[hour(now)] ?? 0) + 1;
    emit({ type: 'answered', atMs: now, callId, by: 'human' });
    const w: Waiting = { callId, since: now, machine };
    const free = longestReady();
    if (free >= 0) {
      connect(free, w);
      return;
    }
    waiting.push(w);
    waitingIds.add(callId);
    q.push(now + 2000, { k: 'abandon', callId });
  };

  for (;;) {
    const ev = q.pop();
    if (!ev || ev.atMs >= duration) break;
    now = ev.atMs;
    const e = ev.item;
    switch (e.k) {
      case 'tick': {
        let ready = 0;
        let onCall = 0;
        let wrap = 0;
        for (const a of agents) {
          if (a.state === 'ready') ready++;
          else if (a.state === 'talk') onCall++;
          else if (a.state === 'wrap') wrap++;
        }
        const snap: PacingSnapshot = {
          nowMs: now,
          agentsAvailable: ready + onCall + wrap,
          agentsReady: ready,
          agentsOnCall: onCall,
          agentsWrapUp: wrap,
          callsDialing: dialing.size,
          callsWaiting: waiting.length,
        };
        const n = Math.min(5000, Math.max(0, Math.floor(pacer.decide(snap))));
        for (let i = 0; i < n; i++) dial();
        break;
      }
      case 'resolve': {
        if (e.outcome === 'human' || e.outcome === 'machine') {
          const machine = e.outcome === 'machine';
          if (!profile.amd.enabled) {
            humanArrives(e.callId, machine);
            break;
          }
          const d = machine ? profile.amd.machineDetect : profile.amd.humanDetect;
          const wrong = rng.next() < (machine ? profile.amd.falseNegative : profile.amd.falsePositive);
          const asHuman = machine ? wrong : !wrong;
          q.push(now + Math.max(800, rng.lognormal(d.meanMs, d.cv)), { k: 'detect', callId: e.callId, asHuman, machine });
        } else {
          dialing.delete(e.callId);
          emit({ type: 'unanswered', atMs: now, callId: e.callId, reason: e.outcome });
        }
        break;
      }
      case 'detect': {
        if (e.asHuman) humanArrives(e.callId, e.machine);
        else {
          dialing.delete(e.callId);
          emit({ type: 'answered', atMs: now, callId: e.callId, by: 'machine' });
        }
        break;
      }
      case 'abandon': {
        if (!waitingIds.has(e.callId)) break;
        waitingIds.delete(e.callId);
        const i = waiting.findIndex((w) => w.callId === e.callId);
        if (i >= 0) waiting.splice(i, 1);
        abandoned++;
        hourAbandons[hour(now)] = (hourAbandons[hour(now)] ?? 0) + 1;
        emit({ type: 'abandoned', atMs: now, callId: e.callId });
        break;
      }
      case 'talkEnd': {
        const ag = agents[e.agent]!;
        setState(e.agent, 'wrap');
        talkMs += ag.talkMs;
        const w = Math.max(0, rng.lognormal(profile.wrap.meanMs, profile.wrap.cv));
        ag.wrapMs = w;
        q.push(now + w, { k: 'wrapEnd', agent: e.agent });
        break;
      }
      case 'wrapEnd': {
        const ag = agents[e.agent]!;
        wrapMs += ag.wrapMs;
        emit({ type: 'agent_released', atMs: now, talkMs: Math.round(ag.talkMs), wrapMs: Math.round(ag.wrapMs) });
        callTalk.delete(e.agent);
        agentFree(e.agent);
        break;
      }
      case 'login':
        agentFree(e.agent);
        break;
      case 'logout': {
        const ag = agents[e.agent]!;
        if (ag.state === 'ready' || ag.state === 'break') setState(e.agent, 'off');
        else ag.pendingBreakMs = duration; // leaves after this call
        break;
      }
      case 'break': {
        const ag = agents[e.agent]!;
        if (ag.state === 'ready') {
          setState(e.agent, 'break');
          q.push(now + e.durationMs, { k: 'breakEnd', agent: e.agent });
        } else if (ag.state === 'talk' || ag.state === 'wrap') {
          ag.pendingBreakMs = e.durationMs;
        }
        break;
      }
      case 'breakEnd': {
        if (agents[e.agent]!.state === 'break') agentFree(e.agent);
        break;
      }
    }
  }
  now = duration;
  for (const a of agents) accrue(a);

  let worst = 0;
  for (let h = 0; h < hourHumans.length; h++) {
    const hh = hourHumans[h] ?? 0;
    if (hh > 0) worst = Math.max(worst, (hourAbandons[h] ?? 0) / hh);
  }
  waits.sort((a, b) => a - b);
  const mean = waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : 0;
  const p95 = waits.length ? waits[Math.min(waits.length - 1, Math.floor(0.95 * waits.length))]! : 0;
  const availableHours = availableMs / 3_600_000;
  return {
    profile: profile.name,
    strategy,
    abandonRate: humans > 0 ? abandoned / humans : 0,
    worstHourAbandonRate: worst,
    occupancy: availableMs > 0 ? (talkMs + wrapMs) / availableMs : 0,
    talkMinutesPerAgentHour: availableHours > 0 ? talkMs / 60_000 / availableHours : 0,
    meanWaitToAgentMs: mean,
    p95WaitToAgentMs: p95,
    dials,
    humans,
    abandoned,
  };
}
