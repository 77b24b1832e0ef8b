import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, SimulatedClock, type AnyMessage } from '@dialer/core';
import { messageKeys, RealtimeHub, type HubClient } from '@dialer/api';

class FakeClient implements HubClient {
  readonly keys = new Set<string>();
  mark = -1;
  sent: Buffer[] = [];
  bufferedAmount = 0;
  dropped: string | undefined;
  constructor(
    readonly tenantId: string,
    private readonly growBy = 0,
  ) {}
  send(frame: Buffer): void {
    this.sent.push(frame);
    this.bufferedAmount += this.growBy;
  }
  drop(reason: 'slow_consumer' | 'heartbeat' | 'shutdown'): void {
    this.dropped = reason;
  }
}

const T = 'tenant-1';
const final = (callId: string, text: string, agentId?: string): AnyMessage =>
  createMessage('transcript.final', T, { callId, legId: 'l', speaker: 'agent', segmentId: text, text, startMs: 0, endMs: 1, provider: 'fake', ...(agentId ? { agentId } : {}) });

test('each message is encoded once: every subscriber gets the very same buffer, once even when several keys match', () => {
  const hub = new RealtimeHub({ clock: new SimulatedClock(), maxBufferedBytes: 1 << 20, resumeWindowMs: 60_000 });
  const clients = Array.from({ length: 50 }, () => new FakeClient(T));
  for (const c of clients) {
    hub.add(c);
    hub.subscribe(c, ['call:c1', 'agent:a1']);
  }
  const other = new FakeClient('tenant-2');
  hub.add(other);
  hub.subscribe(other, ['call:c1']);
  const n = hub.publish(final('c1', 'hi', 'a1'));
  assert.equal(n, 50);
  const first = clients[0]!.sent[0]!;
  for (const c of clients) {
    assert.equal(c.sent.length, 1);
    assert.equal(c.sent[0], first, 'same Buffer instance');
  }
  assert.equal(other.sent.length, 0, 'other tenant');
  const parsed = JSON.parse(first.toString()) as { seq: number; msg: AnyMessage };
  assert.equal(parsed.seq, 1);
  assert.equal(parsed.msg.type, 'transcript.final');
});

test('a client past the buffered-bytes bound is dropped, and resumes from its last sequence number', () => {
  const clock = new SimulatedClock();
  const hub = new RealtimeHub({ clock, maxBufferedBytes: 1000, resumeWindowMs: 60_000 });
  const slow = new FakeClient(T, 600);
  const fast = new FakeClient(T);
  for (const c of [slow, fast]) {
    hub.add(c);
    hub.subscribe(c, ['call:c1']);
  }
  hub.publish(final('c1', 'one'));
  assert.equal(slow.dropped, undefined);
  hub.publish(final('c1', 'two'));
  assert.equal(slow.dropped, 'slow_consumer');
  hub.publish(final('c1', 'three'));
  assert.equal(slow.sent.length, 2, 'nothing more after the drop');
  assert.equal(fast.sent.length, 3);
  // It reconnects (a fresh connection, same subscriptions) and resumes after "one".
  const again = new FakeClient(T);
  hub.add(again);
  hub.subscribe(again, ['call:c1']);
  const r = hub.resume(again, { stream: hub.stream, seq: 1 });
  assert.deepEqual(r, { ok: true, replayed: 2 });
  assert.deepEqual(again.sent.map((b) => (JSON.parse(b.toString()) as { msg: { data: { text: string } } }).msg.data.text), ['two', 'three']);
});

test('the resume window is short: older positions get a resync', () => {
  const clock = new SimulatedClock();
  const hub = new RealtimeHub({ clock, maxBufferedBytes: 1 << 20, resumeWindowMs: 10_000 });
  const c = new FakeClient(T);
  hub.add(c);
  hub.subscribe(c, ['call:c1']);
  hub.publish(final('c1', 'old'));
  clock.advance(11_000);
  hub.publish(final('c1', 'new'));
  assert.equal(hub.resume(c, { stream: hub.stream, seq: 0 }).ok, false);
  assert.deepEqual(hub.resume(c, { stream: hub.stream, seq: 1 }), { ok: true, replayed: 1 });
  assert.equal(hub.resume(c, { stream: 'elsewhere', seq: 1 }).ok, false);
});

test('routing keys: transcripts go to the call and its agent; stats to the campaign and wallboards; agent state to its team', () => {
  const look = { agentOfCall: (c: string) => (c === 'c1' ? 'a1' : undefined), campaignOfCall: () => 'k1', teamOfAgent: (_t: string, a: string) => (a === 'a1' ? 'tm1' : undefined) };
  assert.deepEqual(messageKeys(final('c1', 'x'), look), ['call:c1', 'agent:a1']);
  const stats = createMessage('campaign.stats', T, {
    campaignId: 'k1', status: 'running', dialMode: 'ratio', dialLevel: 1, callsDialing: 0, callsWaiting: 0, callsInQueue: 0,
    agents: { ready: 0, paused: 0, onCall: 0, wrapUp: 0 }, abandonRateToday: 0, abandonRate30d: 0, targetAbandonRate: 0.03, answerRate: 0,
  });
  assert.deepEqual(messageKeys(stats, look), ['campaign:k1', 'wallboard', 'wallboard:campaign:k1']);
  const st = createMessage('agent.state', T, { agentId: 'a1', state: 'ready', sinceMs: 1, campaignIds: ['k1'] });
  assert.deepEqual(messageKeys(st, look), ['agent:a1', 'wallboard', 'team:tm1', 'wallboard:team:tm1', 'campaign:k1']);
  const q = createMessage('call.queued', T, { callId: 'c9', campaignId: 'k2', queueId: 'q', position: 3, waitingMs: 1000 });
  assert.deepEqual(messageKeys(q, look), ['call:c9', 'campaign:k2', 'wallboard', 'wallboard:campaign:k2']);
  assert.deepEqual(messageKeys(createMessage('media.gateway.heartbeat', T, { gatewayId: 'g', rtpHost: 'h', legs: 0, maxLegs: 1, draining: false, startedAtMs: 0 }), look), []);
});
