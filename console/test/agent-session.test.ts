import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, type AnyMessage, type MessageData, type MessageType } from '@dialer/core';
import { AgentSession, leadIdOf } from '../src/lib/agent-session.js';

let t = Date.UTC(2025, 0, 6, 15, 0, 0);
const clock = { now: () => t };
const msg = <T extends MessageType>(type: T, data: MessageData<T>) => ({ ...createMessage(type, 'tenant1', data), time: new Date(clock.now()).toISOString() }) as AnyMessage;

test('a predictive call, from ready to disposed and back to ready', () => {
  const s = new AgentSession('a1', () => t);
  s.apply(msg('agent.state', { agentId: 'a1', state: 'ready', sinceMs: t, campaignIds: ['c1'] }));
  assert.equal(s.state, 'ready');
  assert.deepEqual(s.campaignIds, ['c1']);

  t += 5000;
  s.apply(msg('call.popup', { callId: 'k1', agentId: 'a1', campaignId: 'c1', leadId: 7, direction: 'outbound', lead: { first_name: 'Maria', phone: '+12125550100' }, script: 'Hi {{first_name}}' }));
  s.apply(msg('call.connected', { callId: 'k1', agentId: 'a1', campaignId: 'c1', leadId: 7, waitMs: 300 }));
  s.apply(msg('agent.state', { agentId: 'a1', state: 'on_call', previous: 'ready', callId: 'k1', sinceMs: t }));
  assert.equal(s.call?.callId, 'k1');
  assert.equal(s.call?.phone, '+12125550100');
  assert.equal(s.call?.lead?.['first_name'], 'Maria');
  assert.equal(s.call?.connectedAtMs, t);
  assert.equal(s.state, 'on_call');

  s.apply(msg('transcript.interim', { callId: 'k1', legId: 'L1', speaker: 'customer', segmentId: 'g1', text: 'hello', startMs: 0, endMs: 500, provider: 'fake' }));
  s.apply(msg('transcript.final', { callId: 'k1', legId: 'L1', speaker: 'customer', segmentId: 'g1', text: 'Hello?', startMs: 0, endMs: 700, provider: 'fake' }));
  s.apply(msg('transcript.final', { callId: 'other', legId: 'L9', speaker: 'customer', segmentId: 'x', text: 'not mine', startMs: 0, endMs: 1, provider: 'fake' }));
  assert.deepEqual(s.call?.transcript.lines().map((l) => l.text), ['Hello?']);

  s.apply(msg('call.hold', { callId: 'k1', held: true }));
  assert.equal(s.call?.held, true);
  t += 60_000;
  s.apply(msg('call.ended', { callId: 'k1', agentId: 'a1', direction: 'outbound', outcome: 'human', hangupBy: 'customer', abandoned: false, durationMs: 65_000, talkMs: 60_000 }));
  s.apply(msg('agent.state', { agentId: 'a1', state: 'wrap_up', previous: 'on_call', callId: 'k1', sinceMs: t, wrapUpS: 30 }));
  assert.equal(s.state, 'wrap_up');
  assert.equal(s.wrapUpS, 30);
  assert.equal(s.call?.ended?.hangupBy, 'customer');
  assert.equal(s.call?.held, false);

  s.apply(msg('lead.disposed', { leadId: 7, callId: 'k1', campaignId: 'c1', agentId: 'a1', disposition: 'SALE' }));
  assert.equal(s.call?.disposition, 'SALE');
  s.apply(msg('agent.state', { agentId: 'a1', state: 'ready', previous: 'wrap_up', sinceMs: t + 1 }));
  assert.equal(s.call, undefined, 'the screen is free for the next call');
  assert.deepEqual(s.recent[0], { callId: 'k1', phone: '+12125550100', outcome: 'human', disposition: 'SALE', atMs: t });
});

test('messages about other agents change nothing', () => {
  const s = new AgentSession('a1', () => t);
  const v = s.version;
  assert.equal(s.apply(msg('agent.state', { agentId: 'a2', state: 'ready', sinceMs: t })), false);
  assert.equal(s.apply(msg('call.popup', { callId: 'k2', agentId: 'a2', direction: 'outbound' })), false);
  assert.equal(s.apply(msg('call.hold', { callId: 'k2', held: true })), false);
  assert.equal(s.version, v);
});

test('a manual dial shows the number before the customer answers', () => {
  const s = new AgentSession('a1', () => t);
  s.apply(msg('call.dialing', { callId: 'm1', agentId: 'a1', direction: 'manual', phone: '+12125550199' }));
  assert.equal(s.call?.direction, 'manual');
  assert.equal(s.call?.phone, '+12125550199');
  assert.equal(s.call?.connectedAtMs, undefined);
});

test('a barge is shown to the agent, a listen is not', () => {
  const s = new AgentSession('a1', () => t);
  s.apply(msg('call.popup', { callId: 'k3', agentId: 'a1', direction: 'inbound' }));
  assert.equal(s.apply(msg('call.monitor', { callId: 'k3', supervisorId: 'sup', mode: 'listen', active: true })), false);
  s.apply(msg('call.monitor', { callId: 'k3', supervisorId: 'sup', mode: 'barge', active: true }));
  assert.equal(s.call?.bargedBy, 'sup');
});

test('pause with a reason, and the REST load after a resync', () => {
  const s = new AgentSession('a1', () => t);
  s.apply(msg('agent.state', { agentId: 'a1', state: 'paused', reason: 'LUNCH', sinceMs: t - 5000 }));
  assert.equal(s.reason, 'LUNCH');
  assert.equal(s.timeInStateMs(), 5000);
  s.load({ state: 'on_call', callId: 'k9', sinceMs: t });
  assert.equal(s.call?.callId, 'k9');
  assert.equal(s.reason, undefined);
});

test('lead ids from messages become numbers or undefined, never NaN', () => {
  assert.equal(leadIdOf(7), 7);
  assert.equal(leadIdOf('42'), 42);
  assert.equal(leadIdOf(undefined), undefined);
  assert.equal(leadIdOf('abc'), undefined);
  assert.equal(leadIdOf(0), undefined);
  assert.equal(leadIdOf(Number.NaN), undefined);
});
