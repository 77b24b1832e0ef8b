import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, isDialerError, messageErrors, MESSAGE_SCHEMAS, parseMessage, SimulatedClock } from '@dialer/core';

test('createMessage builds a versioned envelope', () => {
  const clock = new SimulatedClock(Date.UTC(2026, 10, 22, 10, 0, 0));
  const m = createMessage('agent.state', 't1', { agentId: 'a1', state: 'ready', sinceMs: clock.now() }, { clock, source: 'node-a' });
  assert.equal(m.v, 1);
  assert.equal(m.type, 'agent.state');
  assert.equal(m.tenantId, 't1');
  assert.equal(m.time, '2026-11-22T10:00:00.000Z');
  assert.equal(m.source, 'node-a');
  assert.match(m.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(parseMessage(JSON.parse(JSON.stringify(m))), m);
});

test('a transcript segment round-trips through validation', () => {
  const m = createMessage('transcript.final', 't1', {
    callId: 'c1',
    legId: 'l1',
    speaker: 'customer',
    segmentId: 's1',
    text: 'hello there',
    words: [{ word: 'hello', startMs: 0, endMs: 400, confidence: 0.9 }],
    startMs: 0,
    endMs: 900,
    provider: 'fake',
  });
  assert.equal(parseMessage(m).type, 'transcript.final');
});

test('invalid messages are rejected with field paths', () => {
  const bad = { v: 1, id: 'x', type: 'call.ended', time: 'yesterday', tenantId: 't', data: { callId: 1 } };
  assert.throws(() => parseMessage(bad), (err: unknown) => isDialerError(err, 'DIALER_ERR_MESSAGE_INVALID'));
  const errs = messageErrors(bad);
  assert.ok(errs.some((e) => e.path === '/time'));
  assert.ok(errs.some((e) => e.path === '/data/callId'));
  assert.ok(errs.some((e) => e.path === '/data/outcome'));
  assert.ok(messageErrors({ v: 1, id: 'x', type: 'nope', time: new Date().toISOString(), tenantId: 't', data: {} }).some((e) => /unknown message type/.test(e.message)));
  assert.ok(messageErrors({ v: 2, id: 'x', type: 'call.ended', time: new Date().toISOString(), tenantId: 't', data: {} }).some((e) => e.path === '/v'));
  assert.ok(messageErrors('not an object').length > 0);
});

test('the catalog covers the cross-daemon contract', () => {
  const types = Object.keys(MESSAGE_SCHEMAS);
  for (const t of [
    'call.ringing', 'call.answered', 'call.amd', 'call.connected', 'call.transferred', 'call.ended', 'agent.state',
    'transcript.interim', 'transcript.final', 'media.leg.opened', 'media.leg.stats', 'media.leg.closed',
    'campaign.stats', 'lead.disposed', 'recording.saved', 'cmd.call.originate', 'cmd.media.leg.open', 'cmd.reply',
  ]) {
    assert.ok(types.includes(t), t);
  }
});
