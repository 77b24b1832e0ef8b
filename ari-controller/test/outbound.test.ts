import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@dialer/core/testing';
import { settled, startHarness } from './support/harness.js';

test('failed originates end with the outcome of their Dial status, one CDR each, nothing left behind', async () => {
  const h = await startHarness();
  try {
    const ids = {
      busy: await h.dial('+busy'),
      congestion: await h.dial('+congestion'),
      no_answer: await h.dial('+noanswer', { ringTimeoutS: 5 }),
      failed: await h.dial('+chanunavail'),
    };
    await settled(h);
    const cdrs = await h.cdrs();
    assert.equal(cdrs.length, 4);
    for (const [outcome, id] of Object.entries(ids)) {
      const cdr = cdrs.find((c) => c['call_id'] === id)!;
      assert.equal(cdr['outcome'], outcome, `${id}`);
      assert.equal(h.of('call.ended', id).length, 1);
      assert.equal(h.of('call.ended', id)[0]!.outcome, outcome);
    }
    assert.equal(cdrs.find((c) => c['call_id'] === ids.busy)!['dial_status'], 'BUSY');
    assert.equal(cdrs.find((c) => c['call_id'] === ids.no_answer)!['hangup_cause'], 19);
    assert.deepEqual(h.of('call.ringing', ids.no_answer).length, 1);
    const calls = await h.calls();
    assert.ok(calls.every((c) => c['state'] === 'ended'));
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
    assert.deepEqual(h.sim.violations, []);
  } finally {
    await h.close();
  }
});

test('a human is connected to a ready SIP agent, talks, hangs up; the agent wraps up and is ready again', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-1', sip: 'agent-1001' }], campaign: { wrapup_s: 1 } });
  try {
    await h.loginSipAgent('agent-1');
    const callId = await h.dial('+human');
    const connected = await h.next('call.connected', (d) => d.callId === callId);
    assert.equal(connected.agentId, 'agent-1');
    const popup = await h.next('call.popup', (d) => d.callId === callId);
    assert.equal(popup.agentId, 'agent-1');
    const ended = await h.next('call.ended', (d) => d.callId === callId, 20_000);
    assert.equal(ended.outcome, 'human');
    assert.equal(ended.hangupBy, 'customer');
    assert.equal(ended.abandoned, false);
    assert.ok(ended.talkMs > 0);
    await waitFor(() => h.daemon.manager.agents.get('agent-1')?.record.state === 'ready', 10_000);
    const states = h.of('agent.state').filter((s) => s.agentId === 'agent-1').map((s) => s.state);
    assert.deepEqual(states, ['paused', 'ready', 'on_call', 'wrap_up', 'ready']);
    await settled(h);
    const [cdr] = await h.cdrs();
    assert.equal(cdr!['agent_id'], 'agent-1');
    assert.ok((cdr!['bridge_at'] as number) > 0);
    const log = await h.store.tenant('tenant-1').selectFrom('agent_state_log').selectAll().orderBy('started_at').execute();
    assert.deepEqual(log.map((r) => r.state), ['paused', 'ready', 'on_call', 'wrap_up', 'ready']);
    assert.equal(log.filter((r) => r.ended_at === null).length, 1);
    await h.command('cmd.agent.state', { agentId: 'agent-1', action: 'logout' });
    await waitFor(() => h.sim.leaks().channels.length === 0 && h.sim.leaks().bridges.length === 0, 5000);
  } finally {
    await h.close();
  }
});

test('AMD: the continue to dialer-amd and back (its StasisEnd is no hangup); machines are hung up or get a voicemail after the beep', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-1', sip: 'agent-1001' }] });
  try {
    await h.loginSipAgent('agent-1');
    const human = await h.dial('+human-hello', { amd: true });
    const machine = await h.dial('+machine', { amd: true, amdAction: 'hangup' });
    const vm = await h.dial('+machine', { amd: true, amdAction: 'voicemail_drop', voicemailMedia: 'sound:dialer/voicemail' });
    const amdHuman = await h.next('call.amd', (d) => d.callId === human);
    assert.equal(amdHuman.result, 'HUMAN');
    await h.next('call.connected', (d) => d.callId === human);
    const endedMachine = await h.next('call.ended', (d) => d.callId === machine);
    assert.equal(endedMachine.outcome, 'machine');
    assert.equal(endedMachine.hangupBy, 'system');
    const endedVm = await h.next('call.ended', (d) => d.callId === vm, 20_000);
    assert.equal(endedVm.outcome, 'machine');
    // The voicemail played after the beep (the dialplan's vmdrop extension), then the hangup.
    const plays = h.sim.requests.filter((r) => r.op === 'channels.play' && r.path.includes(vm));
    assert.equal(plays.length, 1);
    assert.equal(plays[0]!.query['media'], 'sound:dialer/voicemail');
    const cont = h.sim.requests.filter((r) => r.op === 'channels.continueInDialplan');
    assert.deepEqual(cont.map((r) => r.query['extension']).sort(), ['s', 's', 'vmdrop']);
    await h.command('cmd.call.hangup', { callId: human });
    await settled(h);
    const cdrs = await h.cdrs();
    assert.equal(cdrs.find((c) => c['call_id'] === human)!['amd_status'], 'HUMAN');
    assert.equal(cdrs.find((c) => c['call_id'] === human)!['hangup_by'], 'agent');
    assert.equal(cdrs.find((c) => c['call_id'] === machine)!['amd_status'], 'MACHINE');
    assert.equal(cdrs.length, 3);
  } finally {
    await h.close();
  }
});

test('no free agent within the drop timeout: the abandon message plays, the call is hung up and counted abandoned', async () => {
  const h = await startHarness();
  try {
    const callId = await h.dial('+human-long', { dropTimeoutMs: 300, abandonMedia: 'dialer/abandon' });
    const ended = await h.next('call.ended', (d) => d.callId === callId, 20_000);
    assert.equal(ended.outcome, 'abandoned');
    assert.equal(ended.abandoned, true);
    assert.equal(ended.hangupBy, 'system');
    const play = h.sim.requests.find((r) => r.op === 'channels.play');
    assert.equal(play?.query['media'], 'sound:dialer/abandon');
    await settled(h);
    const [cdr] = await h.cdrs();
    assert.equal(cdr!['abandoned'], 1);
    assert.equal(cdr!['outcome'], 'abandoned');
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
  } finally {
    await h.close();
  }
});
