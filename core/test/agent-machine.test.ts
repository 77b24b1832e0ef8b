import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDialerError, loggedOutAgent, reduceAgent, type AgentInput, type AgentRecord } from '@dialer/core';

function run(inputs: AgentInput[], start: AgentRecord = loggedOutAgent(0)): { agent: AgentRecord; effects: string[] } {
  let a = start;
  const effects: string[] = [];
  let t = 0;
  for (const i of inputs) {
    const r = reduceAgent(a, i, (t += 1000));
    a = r.agent;
    effects.push(...r.effects.map((e) => e.type));
  }
  return { agent: a, effects };
}

test('login lands paused until ready; a call, wrap-up and back to ready', () => {
  const { agent, effects } = run([
    { type: 'login', campaignIds: ['c1'] },
    { type: 'ready' },
    { type: 'call_connected', callId: 'call-1' },
    { type: 'call_ended', wrapUpS: 10 },
    { type: 'wrap_up_done' },
  ]);
  assert.equal(agent.state, 'ready');
  assert.deepEqual(agent.campaignIds, ['c1']);
  assert.deepEqual(effects, ['publish', 'open_session', 'publish', 'publish', 'publish', 'start_wrap_up_timer', 'publish', 'cancel_wrap_up_timer']);
});

test('a pause asked for during a call applies after the call, with its reason', () => {
  const { agent } = run([
    { type: 'login', campaignIds: [] },
    { type: 'ready' },
    { type: 'call_connected', callId: 'x' },
    { type: 'pause', reason: 'lunch' },
    { type: 'call_ended', wrapUpS: 0 },
  ]);
  assert.equal(agent.state, 'paused');
  assert.equal(agent.reason, 'lunch');
});

test('logout during a call closes the session after the call', () => {
  const mid = run([{ type: 'login', campaignIds: [] }, { type: 'ready' }, { type: 'call_connected', callId: 'x' }, { type: 'logout' }]);
  assert.equal(mid.agent.state, 'on_call');
  assert.ok(!mid.effects.includes('close_session'));
  const end = run([{ type: 'call_ended', wrapUpS: 0 }], mid.agent);
  assert.equal(end.agent.state, 'logged_out');
  assert.deepEqual(end.effects, ['publish', 'close_session']);
});

test('invalid requests are coded errors', () => {
  assert.throws(() => reduceAgent(loggedOutAgent(0), { type: 'ready' }, 1), (e: unknown) => isDialerError(e, 'DIALER_ERR_AGENT_STATE'));
  const paused = run([{ type: 'login', campaignIds: [] }]).agent;
  assert.throws(() => reduceAgent(paused, { type: 'call_connected', callId: 'c' }, 1), (e: unknown) => isDialerError(e, 'DIALER_ERR_AGENT_STATE'));
  assert.throws(() => reduceAgent(paused, { type: 'login', campaignIds: [] }, 1), (e: unknown) => isDialerError(e, 'DIALER_ERR_AGENT_STATE'));
});

test('a lost phone pauses the agent (after the call if on one)', () => {
  const { agent } = run([{ type: 'login', campaignIds: [] }, { type: 'ready' }, { type: 'phone_lost' }]);
  assert.equal(agent.state, 'paused');
  assert.equal(agent.reason, 'phone_lost');
});

test('an agent on a call or in wrap-up cannot take another call', () => {
  const on = run([{ type: 'login', campaignIds: [] }, { type: 'ready' }, { type: 'call_connected', callId: 'a' }]).agent;
  assert.throws(() => reduceAgent(on, { type: 'call_connected', callId: 'b' }, 1), (e: unknown) => isDialerError(e, 'DIALER_ERR_AGENT_STATE'));
  const wrap = run([{ type: 'call_ended', wrapUpS: 5 }], on).agent;
  assert.equal(wrap.state, 'wrap_up');
  assert.throws(() => reduceAgent(wrap, { type: 'call_connected', callId: 'b' }, 1), (e: unknown) => isDialerError(e, 'DIALER_ERR_AGENT_STATE'));
});
