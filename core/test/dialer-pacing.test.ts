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
import { DecayingHistogram, HoldModel } from '../src/dialer/pacing/estimators.js';

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

  test('the simulator is deterministic', () => {
    const p = profile('small-team');
    const a = simulatePacing(p, 'x', createPacer({ mode: 'predictive', targetAbandonRate: 0.03 }), { durationMs: HOUR });
    const b = simulatePacing(p, 'x', createPacer({ mode: 'predictive', targetAbandonRate: 0.03 }), { durationMs: HOUR });
    assert.deepEqual(a, b);
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
});
