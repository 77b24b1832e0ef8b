import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, type AnyMessage, type MessageData, type MessageType } from '@dialer/core';
import { binStates, mergeSeries, WallboardModel } from '../src/lib/wallboard.js';

let t = 1_700_000_000_000;
const clock = { now: () => t };
const msg = <T extends MessageType>(type: T, data: MessageData<T>) => ({ ...createMessage(type, 'tenant1', data), time: new Date(clock.now()).toISOString() }) as AnyMessage;

const stats = (campaignId: string, abandonRateToday: number): MessageData<'campaign.stats'> => ({
  campaignId,
  status: 'running',
  dialMode: 'predictive',
  dialLevel: 1.8,
  callsDialing: 4,
  callsWaiting: 0,
  callsInQueue: 1,
  agents: { ready: 1, paused: 0, onCall: 2, wrapUp: 0 },
  abandonRateToday,
  abandonRate30d: 0.012,
  targetAbandonRate: 0.03,
  answerRate: 0.31,
});

test('agents by state, with the time they entered it; logged-out agents leave the board', () => {
  const w = new WallboardModel(() => t);
  w.apply(msg('agent.state', { agentId: 'a1', state: 'ready', sinceMs: t - 1000, campaignIds: ['c1'] }));
  w.apply(msg('agent.state', { agentId: 'a2', state: 'paused', reason: 'BREAK', sinceMs: t }));
  w.apply(msg('agent.state', { agentId: 'a3', state: 'on_call', sinceMs: t, callId: 'k1' }));
  assert.deepEqual(w.counts(), { ready: 1, paused: 1, onCall: 1, wrapUp: 0 });
  assert.deepEqual(w.counts('c1'), { ready: 1, paused: 0, onCall: 0, wrapUp: 0 });
  assert.equal(w.agents.get('a2')?.reason, 'BREAK');
  w.apply(msg('agent.state', { agentId: 'a2', state: 'logged_out', sinceMs: t }));
  assert.equal(w.agents.has('a2'), false);
});

test('a call moves through its states; ended calls linger then go', () => {
  const w = new WallboardModel(() => t);
  w.apply(msg('call.dialing', { callId: 'k1', campaignId: 'c1', direction: 'outbound', phone: '+12125550100' }));
  w.apply(msg('call.ringing', { callId: 'k1', atMs: t }));
  w.apply(msg('call.queued', { callId: 'k1', queueId: 'q', position: 2, waitingMs: 0 }));
  assert.equal(w.calls.get('k1')?.queuePosition, 2);
  w.apply(msg('call.connected', { callId: 'k1', agentId: 'a1', waitMs: 900 }));
  const c = w.calls.get('k1')!;
  assert.equal(c.state, 'connected');
  assert.equal(c.agentId, 'a1');
  assert.equal(c.queuePosition, undefined);
  assert.equal(c.phone, '+12125550100');
  w.apply(msg('transcript.interim', { callId: 'k1', legId: 'L', speaker: 'customer', segmentId: 's', text: 'I would like', startMs: 0, endMs: 1, provider: 'fake' }));
  assert.deepEqual(c.peek, { speaker: 'customer', text: 'I would like', final: false });
  w.apply(msg('call.monitor', { callId: 'k1', supervisorId: 's1', mode: 'barge', active: true }));
  assert.equal(c.monitoredAs, 'barge');
  w.apply(msg('call.ended', { callId: 'k1', direction: 'outbound', outcome: 'human', hangupBy: 'agent', abandoned: false, durationMs: 1, talkMs: 1 }));
  assert.equal(w.sweep(), false);
  t += 6000;
  assert.equal(w.sweep(), true);
  assert.equal(w.calls.size, 0);
});

test('campaign figures and the abandon-rate series, one point per interval', () => {
  const w = new WallboardModel(() => t, 60_000, 10_000);
  w.apply(msg('campaign.stats', stats('c1', 0.01)));
  t += 1000;
  w.apply(msg('campaign.stats', stats('c1', 0.011)));
  t += 60_000;
  w.apply(msg('campaign.stats', stats('c1', 0.02)));
  assert.deepEqual(w.abandonSeries.get('c1')!.map((p) => p.v), [0.011, 0.02]);
  assert.equal(w.campaigns.get('c1')?.dialLevel, 1.8);
  w.apply(msg('campaign.state', { campaignId: 'c1', status: 'paused', previous: 'running' }));
  assert.equal(w.campaigns.get('c1')?.status, 'paused');
  assert.equal(w.campaignStatus.get('c1'), 'paused');
});

test('a campaign started before the dialer reports figures still shows its status', () => {
  const w = new WallboardModel(() => t);
  assert.equal(w.apply(msg('campaign.state', { campaignId: 'c9', status: 'running', previous: 'stopped' })), true);
  assert.equal(w.campaignStatus.get('c9'), 'running');
  assert.equal(w.campaigns.has('c9'), false);
  w.loadCampaignStats([stats('c9', 0)]);
  assert.equal(w.campaigns.get('c9')?.dialLevel, 1.8);
});

test('the agents-by-state series samples over time', () => {
  const w = new WallboardModel(() => t, 60_000, 10_000);
  w.apply(msg('agent.state', { agentId: 'a1', state: 'ready', sinceMs: t }));
  t += 2000;
  w.apply(msg('agent.state', { agentId: 'a2', state: 'ready', sinceMs: t }));
  t += 10_000;
  w.apply(msg('agent.state', { agentId: 'a1', state: 'on_call', sinceMs: t }));
  assert.deepEqual(
    w.stateSeries.map((s) => [s.ready, s.onCall]),
    [
      [2, 0],
      [1, 1],
    ],
  );
});

test('the day\'s history from the API goes before the live points, and the live point wins within a minute', () => {
  const start = Math.floor(t / 60_000) * 60_000 + 60_000;
  t = start + 10_000;
  const w = new WallboardModel(() => t);
  // A live snapshot arrives before the history does.
  w.apply(msg('campaign.stats', stats('c1', 0.05)));
  w.loadAbandonHistory('c1', [
    { t: start - 120_000, v: 0.01 },
    { t: start - 60_000, v: 0.02 },
    { t: start, v: 0.04 }, // the same minute as the live point: dropped
  ]);
  assert.deepEqual(w.abandonSeries.get('c1')!.map((p) => p.v), [0.01, 0.02, 0.05]);
  // A later live snapshot in the same minute replaces the live value, then a new minute adds a point.
  t += 20_000;
  w.apply(msg('campaign.stats', stats('c1', 0.06)));
  t += 60_000;
  w.apply(msg('campaign.stats', stats('c1', 0.07)));
  assert.deepEqual(w.abandonSeries.get('c1')!.map((p) => p.v), [0.01, 0.02, 0.06, 0.07]);

  // Agents by state: history samples land before the live ones.
  w.apply(msg('agent.state', { agentId: 'a1', state: 'ready', sinceMs: t }));
  w.loadStateHistory([{ t: start - 60_000, ready: 0, paused: 3, onCall: 1, wrapUp: 0 }]);
  // (the campaign snapshots sampled the live counts too: none at first, then a1 ready)
  assert.deepEqual(w.stateSeries.map((s) => [s.paused, s.ready]), [[3, 0], [0, 0], [0, 1]]);
});

test('merging keeps the newest points within the bound, in time order', () => {
  const live = [{ t: 600_000 }, { t: 660_000 }];
  const hist = Array.from({ length: 12 }, (_, i) => ({ t: i * 60_000 }));
  const m = mergeSeries(live, hist, 60_000, 5);
  assert.deepEqual(m.map((p) => p.t / 60_000), [7, 8, 9, 10, 11]);
  assert.equal(m[3], live[0]);
});

test('a day of samples is binned to at most 72 bars, each the last sample of its span', () => {
  const day = Array.from({ length: 1440 }, (_, i) => ({ t: i * 60_000, ready: i, paused: 0, onCall: 0, wrapUp: 0 }));
  const bars = binStates(day);
  assert.equal(bars.length, 72);
  assert.equal(bars[0]!.ready, 19);
  assert.equal(bars[71]!.ready, 1439);
  assert.deepEqual(binStates(day.slice(0, 10)).length, 10);
});
