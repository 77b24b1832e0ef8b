import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, Reconnector } from '../src/lib/backoff.js';
import { FakeTimers } from './helpers/fake-timers.js';

const o = { baseMs: 500, maxMs: 8000, factor: 2 };

test('delays double per attempt between half and the whole nominal delay, capped', () => {
  assert.equal(backoffDelay(0, o, () => 0), 250);
  assert.equal(backoffDelay(0, o, () => 1), 500);
  assert.equal(backoffDelay(3, o, () => 0.5), 3000);
  assert.equal(backoffDelay(10, o, () => 1), 8000);
  assert.equal(backoffDelay(10, o, () => 0), 4000);
});

test('jitter spreads clients that lost the server at the same moment', () => {
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(4, o, rnd)));
  assert.ok(delays.size > 10);
});

test('the reconnector retries with growing delays until connected', () => {
  const timers = new FakeTimers();
  let tries = 0;
  const r = new Reconnector(() => tries++, timers, { ...o, stableMs: 10_000 }, () => 1);
  assert.equal(r.schedule(), 500);
  timers.advance(499);
  assert.equal(tries, 0);
  timers.advance(1);
  assert.equal(tries, 1);
  assert.equal(r.schedule(), 1000);
  assert.equal(r.schedule(), 2000, 'scheduling again replaces the pending try');
  timers.advance(2000);
  assert.equal(tries, 2);
});

test('the count resets only after the connection stays up', () => {
  const timers = new FakeTimers();
  const r = new Reconnector(() => {}, timers, { ...o, stableMs: 10_000 }, () => 1);
  r.schedule();
  r.schedule();
  r.schedule();
  assert.equal(r.failures, 3);
  r.connected();
  timers.advance(5000);
  r.disconnected();
  assert.equal(r.failures, 3, 'a flapping link keeps backing off');
  assert.equal(r.schedule(), 4000);
  r.connected();
  timers.advance(10_000);
  assert.equal(r.failures, 0);
  assert.equal(r.schedule(), 500);
});

test('now() tries at once and stop() cancels everything', () => {
  const timers = new FakeTimers();
  let tries = 0;
  const r = new Reconnector(() => tries++, timers, { ...o, stableMs: 10_000 }, () => 1);
  r.schedule();
  r.now();
  assert.equal(tries, 1);
  assert.equal(r.pending, false);
  r.schedule();
  r.stop();
  timers.advance(60_000);
  assert.equal(tries, 1);
  assert.equal(r.schedule(), -1);
});
