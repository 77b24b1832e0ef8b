import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stateSeries } from '../src/stats/state-history.js';

test('agents by state: a state counts from its start up to (not at) its end', () => {
  const s = stateSeries([{ agentId: 'a', state: 'ready', startedAt: 60, endedAt: 120 }], 0, 180, 60);
  assert.deepEqual(s.map((p) => p.ready), [0, 1, 0, 0]);
  assert.deepEqual(s.map((p) => p.t), [0, 60, 120, 180]);
});

test('agents by state: an agent counts once even when a crash left an older state open', () => {
  const s = stateSeries(
    [
      { agentId: 'a', state: 'on_call', startedAt: 0, endedAt: null }, // never closed
      { agentId: 'a', state: 'ready', startedAt: 100, endedAt: null },
      { agentId: 'b', state: 'paused', startedAt: 50, endedAt: 250 },
      { agentId: 'b', state: 'logged_out', startedAt: 250, endedAt: null },
      { agentId: 'c', state: 'wrap_up', startedAt: 0, endedAt: 0 }, // empty: never counted
    ],
    0,
    300,
    100,
  );
  assert.deepEqual(s, [
    { t: 0, ready: 0, paused: 0, onCall: 1, wrapUp: 0 },
    { t: 100, ready: 1, paused: 1, onCall: 0, wrapUp: 0 },
    { t: 200, ready: 1, paused: 1, onCall: 0, wrapUp: 0 },
    { t: 300, ready: 1, paused: 0, onCall: 0, wrapUp: 0 },
  ]);
});

test('agents by state: no points for an empty or backwards range', () => {
  assert.deepEqual(stateSeries([], 10, 5, 1), []);
  assert.deepEqual(stateSeries([], 0, 10, 0), []);
  assert.equal(stateSeries([], 0, 86_400_000 - 1, 60_000).length, 1440);
});
