import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  PACING_PROFILES,
  PredictivePacer,
  VicidialAdaptTaperedPacer,
  createPacer,
  isDialerError,
  simulatePacing,
  type PacingSnapshot,
  type TrafficProfile,
} from '@dialer/core';
import { DecayingHistogram, HoldModel, SlidingCounter } from '../src/dialer/pacing/estimators.js';
import { hhmmAfter } from '../src/dialer/pacing/vicidial.js';
import { abandonRate, estimateAmdFalsePositives } from '../src/dialer/compliance.js';
import type { Pacer, PacingEvent } from '../src/dialer/pacing/types.js';

const snap = (s: Partial<PacingSnapshot>): PacingSnapshot => ({
  nowMs: 0,
  agentsAvailable: 0,
  agentsReady: 0,
  agentsOnCall: 0,
  agentsWrapUp: 0,
  callsDialing: 0,
  callsWaiting: 0,
  ...s,
});

const profile = (name: string): TrafficProfile => PACING_PROFILES.find((p) => p.name === name)!;
const HOUR = 3_600_000;

describe('createPacer: the published contract', () => {
  test('progressive dials one line per ready agent not yet covered', () => {
    const p = createPacer({ mode: 'progressive', targetAbandonRate: 0.03 });
    assert.equal(p.decide(snap({ agentsAvailable: 10, agentsReady: 6, agentsOnCall: 4, callsDialing: 2, callsWaiting: 1 })), 3);
    assert.equal(p.decide(snap({ agentsAvailable: 10, agentsReady: 1, agentsOnCall: 9, callsDialing: 4 })), 0);
  });

  test('ratio keeps ratio × (ready + on call) calls live, counting connected ones', () => {
    const p = createPacer({ mode: 'ratio', targetAbandonRate: 0.03, ratio: 2 });
    // goal 2 × (2 + 8) = 20; live = 5 dialing + 0 waiting + 8 connected = 13.
    assert.equal(p.decide(snap({ agentsAvailable: 10, agentsReady: 2, agentsOnCall: 8, callsDialing: 5 })), 7);
    assert.equal(createPacer({ mode: 'ratio', targetAbandonRate: 0.03, ratio: 1 }).decide(snap({ agentsAvailable: 4, agentsReady: 4 })), 4);
  });

  test('decisions are integers >= 0, also with no agents', () => {
    for (const mode of ['predictive', 'progressive', 'ratio'] as const) {
      const p = createPacer({ mode, targetAbandonRate: 0.03 });
      const n = p.decide(snap({ nowMs: 1000 }));
      assert.equal(n, 0, mode);
    }
  });

  test('bad options get a coded validation error', () => {
    for (const bad of [{ mode: 'predictive', targetAbandonRate: 2 }, { mode: 'turbo', targetAbandonRate: 0.03 }, { mode: 'ratio', targetAbandonRate: 0.03, ratio: 0.5 }]) {
      assert.throws(() => createPacer(bad as never), (e: unknown) => isDialerError(e) && e.code === 'DIALER_ERR_VALIDATION');
    }
  });
});

describe('estimators', () => {
  test('a decaying histogram forgets old samples with its half-life', () => {
    const h = new DecayingHistogram(1000, 60_000, 60_000);
    for (let i = 0; i < 100; i++) h.add(5000, 0);
    for (let i = 0; i < 100; i++) h.add(20_000, 5 * 60_000); // five half-lives later
    assert.ok(h.cdf(10_000) < 0.05, `old mass should be mostly gone, cdf(10 s) = ${h.cdf(10_000)}`);
    assert.ok(Math.abs(h.weight(5 * 60_000) - (100 + 100 / 32)) < 1e-6);
  });

  test('a sliding counter counts the events after an instant inside its window', () => {
    const c = new SlidingCounter(HOUR);
    for (const t of [0, 10, 20, 30, 40]) c.add(t * 60_000);
    assert.equal(c.count(75 * 60_000), 3, 'events at 0 and 10 min left the window');
    assert.equal(c.countAfter(20 * 60_000), 2);
    assert.equal(c.countAfter(19 * 60_000), 3);
    assert.equal(c.countAfter(40 * 60_000), 0);
  });

  test('Kaplan-Meier with running calls corrects the short-call bias', () => {
    const naive = new HoldModel(3_600_000);
    const km = new HoldModel(3_600_000);
    // 20 short calls finished; 20 calls still running after 300 s.
    for (let i = 0; i < 20; i++) {
      naive.add(60_000, 0);
      km.add(60_000, 0);
    }
    naive.update(1, [], 0);
    km.update(1, new Array(20).fill(300_000), 0);
    assert.ok(naive.mean() < 70_000);
    assert.ok(km.mean() > 150_000, `KM mean ${km.mean()}`);
    assert.ok(km.survival(120_000) > 0.45 && km.survival(120_000) < 0.55);
  });
});

describe('predictive pacer on the simulator', () => {
  test('holds the abandon target and beats progressive on talk time (large team)', () => {
    const p = profile('large-team');
    const pred = simulatePacing(p, 'predictive', createPacer({ mode: 'predictive', targetAbandonRate: 0.03 }), { durationMs: 2 * HOUR });
    const prog = simulatePacing(p, 'progressive', createPacer({ mode: 'progressive', targetAbandonRate: 0.03 }), { durationMs: 2 * HOUR });
    assert.ok(pred.abandonRate <= 0.03, `abandon ${pred.abandonRate}`);
    assert.equal(prog.abandonRate, 0);
    assert.ok(pred.talkMinutesPerAgentHour > prog.talkMinutesPerAgentHour * 1.1, `${pred.talkMinutesPerAgentHour} vs ${prog.talkMinutesPerAgentHour}`);
  });

  test('holds the target when the answer rate changes (daypart drift)', () => {
    const p = profile('changing-answer-rate');
    const r = simulatePacing(p, 'predictive', createPacer({ mode: 'predictive', targetAbandonRate: 0.03 }), { durationMs: 5 * HOUR });
    assert.ok(r.abandonRate <= 0.03, `abandon ${r.abandonRate}`);
    assert.ok(r.humans > 500);
  });

  test('a lower target gives fewer abandons', () => {
    const p = profile('small-team');
    const strict = simulatePacing(p, 'p1', new PredictivePacer({ targetAbandonRate: 0.01 }), { durationMs: 3 * HOUR });
    assert.ok(strict.abandonRate <= 0.01, `abandon ${strict.abandonRate}`);
  });

  test('with no abandon budget it falls back to progressive, never below', () => {
    const p = new PredictivePacer({ targetAbandonRate: 0 });
    p.observe({ type: 'dialed', atMs: 0, callId: 'a' });
    assert.equal(p.decide(snap({ nowMs: 1000, agentsAvailable: 5, agentsReady: 5, callsDialing: 1 })), 4);
  });

  test('no clock hour goes over the target, with breaks or many machines (full 8-hour profiles)', () => {
    for (const name of ['breaks', 'many-machines']) {
      const r = simulatePacing(profile(name), 'predictive', createPacer({ mode: 'predictive', targetAbandonRate: 0.03 }));
      assert.ok(r.worstHourAbandonRate <= 0.03, `${name}: worst hour ${r.worstHourAbandonRate}`);
      assert.ok(r.abandonRate <= 0.03, `${name}: abandon ${r.abandonRate}`);
    }
  });

  test('the last-hour budget looks ahead: abandons late in the hour hold dialling back even when old humans leave the window', () => {
    // 2,000 humans 45-59 min ago (about to leave the window), 40 abandons just now: the
    // hour's rate is 2 %, but the window ending in 15 minutes will hold the 40 abandons and few humans.
    const run = (lookAhead: boolean): number => {
      const p = new PredictivePacer({ targetAbandonRate: 0.03, lookAhead });
      const t0 = 60_000;
      for (let i = 0; i < 10_000; i++) {
        const at = t0 + i * 84;
        const callId = `c${i}`;
        p.observe({ type: 'dialed', atMs: at, callId });
        p.observe(i % 5 === 0 ? { type: 'answered', atMs: at + 1, callId, by: 'human' } : { type: 'unanswered', atMs: at + 1, callId, reason: 'no_answer' });
      }
      for (let i = 0; i < 40; i++) p.observe({ type: 'abandoned', atMs: 59 * 60_000 + i, callId: `c${i * 5}` });
      for (let k = 0; k < 20; k++) p.observe({ type: 'agent_released', atMs: 60 * 60_000 + 10 + k, talkMs: 60_000, wrapMs: 5000 });
      return p.decide(snap({ nowMs: 60 * 60_000 + 1000, agentsAvailable: 20, agentsReady: 4, agentsOnCall: 16 }));
    };
    assert.equal(run(true), 4, 'with look-ahead: progressive');
    assert.ok(run(false) > 4, 'without it the pacer would still overdial');
  });

  test('the simulator is deterministic', () => {
    const p = profile('small-team');
    const a = simulatePacing(p, 'x', createPacer({ mode: 'predictive', targetAbandonRate: 0.03 }), { durationMs: HOUR });
    const b = simulatePacing(p, 'x', createPacer({ mode: 'predictive', targetAbandonRate: 0.03 }), { durationMs: HOUR });
    assert.deepEqual(a, b);
  });
});

describe('UK Ofcom mode: estimated AMD false positives count as abandons', () => {
  const snapAt = (nowMs: number): PacingSnapshot => snap({ nowMs, agentsAvailable: 20, agentsReady: 10, agentsOnCall: 10 });
  /** 30 minutes of one dial a second: 30 % humans, 60 % machine verdicts, no real abandon. */
  const feed = (p: PredictivePacer): { now: number; humans: number; machines: number } => {
    let humans = 0;
    let machines = 0;
    const outcome = (i: number): PacingEvent => {
      const callId = `c${i}`;
      const at = (i + 8) * 1000;
      const r = i % 10;
      return r < 3 ? { type: 'answered', atMs: at, callId, by: 'human' } : r < 9 ? { type: 'answered', atMs: at, callId, by: 'machine' } : { type: 'unanswered', atMs: at, callId, reason: 'no_answer' };
    };
    for (let i = 0; i < 1800; i++) {
      p.observe({ type: 'dialed', atMs: i * 1000, callId: `c${i}` });
      if (i < 8) continue;
      const e = outcome(i - 8);
      if (e.type === 'answered') {
        if (e.by === 'human') humans++;
        else machines++;
      }
      p.observe(e);
    }
    for (let k = 0; k < 40; k++) p.observe({ type: 'agent_released', atMs: 1_800_000 + k, talkMs: 60_000, wrapMs: 5000 });
    return { now: 1_810_000, humans, machines };
  };

  test('the pacer counts them in its rates and, with the budget used up by them, dials progressive only', () => {
    const us = new PredictivePacer({ targetAbandonRate: 0.03 });
    const uk = new PredictivePacer({ targetAbandonRate: 0.03, compliance: 'uk', amdFalsePositiveShare: 0.03 });
    const { now, humans, machines } = feed(us);
    feed(uk);
    assert.equal(us.abandonRates(now).all, 0);
    // 1,074 machine verdicts × 3 % = 32.2 estimated false positives over 539 + 32.2 live calls: 5.6 %.
    assert.deepEqual({ humans, machines }, { humans: 539, machines: 1074 });
    const fp = estimateAmdFalsePositives(machines, 0.03);
    assert.ok(Math.abs(uk.abandonRates(now).all - abandonRate('uk', { humans, abandoned: 0, amdFalsePositiveEst: fp })) < 1e-9, `${uk.abandonRates(now).all}`);
    const usN = us.decide(snapAt(now));
    assert.ok(usN > 10, `US mode has budget left and overdials (${usN})`);
    assert.equal(uk.decide(snapAt(now)), 10, 'UK mode: the estimated false positives used the budget, progressive (10 ready)');
  });

  test('on the simulator, UK mode holds the Ofcom rate (false positives included) where US mode goes over it', () => {
    const p = profile('large-team');
    const run = (compliance: 'us' | 'uk') => {
      const inner = new PredictivePacer({ targetAbandonRate: 0.03, compliance });
      let machines = 0;
      const pacer: Pacer = {
        decide: (s) => inner.decide(s),
        observe: (e) => {
          if (e.type === 'answered' && e.by === 'machine') machines++;
          inner.observe(e);
        },
      };
      const r = simulatePacing(p, compliance, pacer, { durationMs: 2 * HOUR });
      return { r, ofcom: abandonRate('uk', { humans: r.humans, abandoned: r.abandoned, amdFalsePositiveEst: estimateAmdFalsePositives(machines, 0.03) }) };
    };
    const uk = run('uk');
    const us = run('us');
    assert.ok(uk.ofcom <= 0.03, `UK mode Ofcom rate ${uk.ofcom}`);
    assert.ok(us.ofcom > 0.03, `US mode ignores false positives: Ofcom rate ${us.ofcom}`);
    assert.ok(uk.r.talkMinutesPerAgentHour > 38, `UK mode still beats progressive-level talk: ${uk.r.talkMinutesPerAgentHour}`);
  });
});

describe('VICIdial ADAPT_TAPERED baseline', () => {
  test('raises the dial level while agents wait, capped at the maximum', () => {
    const v = new VicidialAdaptTaperedPacer({ targetAbandonRate: 0.03 });
    for (let t = 0; t < 120; t++) v.decide(snap({ nowMs: t * 1000, agentsAvailable: 10, agentsReady: 5, agentsOnCall: 5 }));
    assert.equal(v.dialLevel, 3);
    // goal round(3 × 10) = 30, live = 5 connected: 25 new calls.
    assert.equal(v.decide(snap({ nowMs: 121_000, agentsAvailable: 10, agentsReady: 5, agentsOnCall: 5 })), 25);
  });

  test('tapers only over the drop target, and not at all ten hours before the latest time', () => {
    const early = new VicidialAdaptTaperedPacer({ targetAbandonRate: 0.03, serverStartTime: 900, startLevel: 2 });
    const late = new VicidialAdaptTaperedPacer({ targetAbandonRate: 0.03, serverStartTime: 1600, startLevel: 2 });
    for (const v of [early, late]) {
      for (let i = 0; i < 100; i++) {
        v.observe({ type: 'dialed', atMs: i, callId: `c${i}` });
        v.observe({ type: 'answered', atMs: i, callId: `c${i}`, by: 'human' });
      }
      for (let i = 0; i < 20; i++) v.observe({ type: 'abandoned', atMs: 100 + i, callId: `c${i}` });
      // Balanced floor (no ready agents, nobody waiting): only the drop rule moves the level.
      for (let t = 0; t < 61; t++) v.decide(snap({ nowMs: 200_000 + t * 1000, agentsAvailable: 10, agentsOnCall: 10 }));
    }
    assert.equal(early.dialLevel, 2, 'at 09:00, 12 "hours" before 21:00, ADAPT_TAPERED does not taper');
    assert.ok(late.dialLevel < 2 && late.dialLevel >= 1, `at 16:00 it tapers (level ${late.dialLevel})`);
  });

  test('the latest server time defaults to the end of the shift, and then the taper works from the first hour', () => {
    assert.equal(hhmmAfter(900, 8 * HOUR), 1700);
    assert.equal(hhmmAfter(2300, HOUR), 2400);
    assert.equal(hhmmAfter(2330, HOUR), 30);
    const shift = new VicidialAdaptTaperedPacer({ targetAbandonRate: 0.03, serverStartTime: 900, shiftDurationMs: 8 * HOUR, startLevel: 2 });
    for (let i = 0; i < 100; i++) {
      shift.observe({ type: 'dialed', atMs: i, callId: `c${i}` });
      shift.observe({ type: 'answered', atMs: i, callId: `c${i}`, by: 'human' });
    }
    for (let i = 0; i < 20; i++) shift.observe({ type: 'abandoned', atMs: 100 + i, callId: `c${i}` });
    // One 15 s cycle on a balanced floor: 2 × (1700 − 0900) / 1000 = 1.6.
    for (let t = 0; t < 15; t++) shift.decide(snap({ nowMs: 200_000 + t * 1000, agentsAvailable: 10, agentsOnCall: 10 }));
    assert.ok(Math.abs(shift.dialLevel - 1.6) < 1e-9, `level ${shift.dialLevel}`);
  });

  test('adaptive_dl_diff_target also shifts the agents the goal counts', () => {
    const s0 = snap({ nowMs: 1000, agentsAvailable: 10, agentsReady: 5, agentsOnCall: 5 });
    // Level 1: goal round(1 × (10 − 1)) = 9, minus 5 connected calls.
    assert.equal(new VicidialAdaptTaperedPacer({ targetAbandonRate: 0.03, dlDiffTarget: -1 }).decide(s0), 4);
    assert.equal(new VicidialAdaptTaperedPacer({ targetAbandonRate: 0.03 }).decide(s0), 5);
  });

  test('over a shift it keeps the day near the drop percentage, and predictive beats it on talk time within the target', () => {
    const p = profile('many-machines');
    const v = simulatePacing(p, 'v', new VicidialAdaptTaperedPacer({ targetAbandonRate: 0.03, shiftDurationMs: p.durationMs }));
    assert.ok(v.abandonRate > 0.02 && v.abandonRate < 0.045, `ADAPT_TAPERED day abandon ${v.abandonRate}`);
    assert.ok(v.worstHourAbandonRate > 0.03, 'it runs over the target early in the shift, by design');
    const pred = simulatePacing(p, 'p', createPacer({ mode: 'predictive', targetAbandonRate: 0.03 }));
    assert.ok(pred.abandonRate <= 0.03 && pred.worstHourAbandonRate <= 0.03);
    assert.ok(pred.talkMinutesPerAgentHour > v.talkMinutesPerAgentHour * 1.2, `${pred.talkMinutesPerAgentHour} vs ${v.talkMinutesPerAgentHour}`);
  });
});
