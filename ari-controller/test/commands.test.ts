import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDialerError } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { settled, startHarness, TENANT } from './support/harness.js';

const AGENTS = [
  { id: 'agent-1', sip: 'agent-1001' },
  { id: 'agent-2', sip: 'agent-1002' },
];

test('hold, mute and DTMF on a connected call; hangup from the agent', async () => {
  const h = await startHarness({ agents: AGENTS });
  try {
    await h.loginSipAgent('agent-1');
    const callId = await h.dial('+stayer');
    await h.next('call.connected', (d) => d.callId === callId);
    await h.command('cmd.call.hold', { callId, hold: true });
    assert.deepEqual(h.of('call.hold', callId).map((d) => d.held), [true]);
    const held = h.sim.bridges().find((b) => b.name === `dialer:hold:${callId}`);
    assert.ok(held?.channels.includes(callId), 'the customer waits in a holding bridge');
    await h.command('cmd.call.hold', { callId, hold: false });
    assert.ok(h.sim.bridges().find((b) => b.id === 'dlr-agent-agent-1')?.channels.includes(callId));
    await h.command('cmd.call.mute', { callId, mute: true });
    await h.command('cmd.call.dtmf', { callId, digits: '12#' });
    assert.ok(h.sim.requests.some((r) => r.op === 'channels.mute' && r.query['direction'] === 'in'));
    assert.ok(h.sim.requests.some((r) => r.op === 'channels.sendDTMF' && r.query['dtmf'] === '12#'));
    await assert.rejects(h.command('cmd.call.hold', { callId, hold: false }), (e: unknown) => isDialerError(e, 'DIALER_ERR_CALL_STATE'));
    await h.command('cmd.call.hangup', { callId, reason: 'agent' });
    const ended = await h.next('call.ended', (d) => d.callId === callId);
    assert.equal(ended.hangupBy, 'agent');
    await settled(h);
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
  } finally {
    await h.close();
  }
});

test('blind transfer to another agent, and to a queue; warm transfer with consult, three-way, complete', async () => {
  const h = await startHarness({ agents: AGENTS });
  try {
    await h.loginSipAgent('agent-1');
    await h.loginSipAgent('agent-2');
    const callId = await h.dial('+stayer');
    const first = await h.next('call.connected', (d) => d.callId === callId);
    const other = first.agentId === 'agent-1' ? 'agent-2' : 'agent-1';
    await h.command('cmd.call.transfer', { callId, action: 'blind', target: { kind: 'agent', agentId: other } });
    await waitFor(() => h.of('call.connected', callId).some((d) => d.agentId === other), 5000);
    assert.deepEqual(h.of('call.transferred', callId).map((d) => `${d.kind}:${d.state}`), ['blind:started', 'blind:completed']);
    assert.ok(h.sim.bridges().find((b) => b.id === `dlr-agent-${other}`)?.channels.includes(callId));
    await waitFor(() => h.daemon.manager.agents.get(first.agentId)?.record.state === 'ready', 5000);

    // Warm: consult the first agent again while the customer holds, go three-way, then complete.
    await h.command('cmd.call.transfer', { callId, action: 'warm', target: { kind: 'agent', agentId: first.agentId } });
    const consultBridge = h.sim.bridges().find((b) => b.id === `dlr-agent-${other}`)!;
    assert.equal(consultBridge.channels.length, 2, 'the two agents talk in the first agent\'s bridge');
    assert.ok(h.sim.bridges().find((b) => b.name === `dialer:hold:${callId}`)?.channels.includes(callId));
    await h.command('cmd.call.transfer', { callId, action: 'three_way' });
    assert.equal(h.sim.bridges().find((b) => b.id === `dlr-agent-${other}`)!.channels.length, 3);
    await h.command('cmd.call.transfer', { callId, action: 'complete' });
    const call = h.daemon.manager.get(callId)!;
    await waitFor(() => call.record.state === 'connected' && call.agentId === first.agentId, 5000);
    assert.ok(h.sim.bridges().find((b) => b.id === `dlr-agent-${first.agentId}`)?.channels.includes(callId));
    assert.equal(h.sim.bridges().find((b) => b.id === `dlr-agent-${first.agentId}`)!.channels.length, 2, 'customer and the target agent\'s phone');
    assert.equal(h.sim.bridges().find((b) => b.id === `dlr-agent-${other}`)!.channels.length, 1, 'the first agent is alone again');
    await waitFor(() => h.daemon.manager.agents.get(other)?.record.state === 'ready', 5000);

    // Blind to a queue: the agent (who asked for a break after this call) leaves, the campaign's free agent takes it.
    await h.command('cmd.agent.state', { agentId: first.agentId, action: 'pause', reason: 'break' });
    await h.command('cmd.call.transfer', { callId, action: 'blind', target: { kind: 'queue', campaignId: 'camp-1' } });
    await waitFor(() => h.daemon.manager.agents.get(first.agentId)?.record.state === 'paused', 5000);
    await waitFor(() => call.record.state === 'connected' && call.agentId === other, 5000);
    assert.deepEqual(
      h.of('call.transferred', callId).map((d) => `${d.kind}:${d.state}`),
      ['blind:started', 'blind:completed', 'warm:started', 'three_way:started', 'three_way:completed', 'blind:started', 'blind:completed'],
    );
    await h.command('cmd.call.hangup', { callId });
    await settled(h);
    assert.equal((await h.cdrs()).length, 1);
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
  } finally {
    await h.close();
  }
});

test('monitoring: listen (snoop spy=both), whisper (whisper=out on the agent), barge (join the bridge), stop', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-1', sip: 'agent-1001' }] });
  try {
    const gw = await h.gateway('gw-1');
    await gw.webrtc({ sessionId: 'sup-1', role: 'supervisor', userId: 'sup', state: 'connected' }, TENANT);
    await h.loginSipAgent('agent-1');
    const callId = await h.dial('+stayer');
    await h.next('call.connected', (d) => d.callId === callId);
    await h.command('cmd.call.monitor', { callId, supervisorId: 'sup', mode: 'listen' });
    const listen = h.sim.requests.filter((r) => r.op === 'channels.snoopChannelWithId' || r.op === 'channels.snoopChannel').at(-1)!;
    assert.equal(listen.query['spy'], 'both');
    assert.ok(listen.path.includes(callId), 'listen snoops the customer channel');
    assert.ok([...gw.legs.values()].some((l) => l.open.role === 'supervisor' && l.open.webrtcSessionId === 'sup-1'));
    await h.command('cmd.call.monitor', { callId, supervisorId: 'sup', mode: 'whisper' });
    const whisper = h.sim.requests.filter((r) => r.op === 'channels.snoopChannel').at(-1)!;
    assert.equal(whisper.query['whisper'], 'out');
    assert.ok(whisper.path.includes('dlr-phone-agent-1'), 'whisper snoops the agent\'s phone');
    await h.command('cmd.call.monitor', { callId, supervisorId: 'sup', mode: 'barge' });
    assert.equal(h.sim.bridges().find((b) => b.id === 'dlr-agent-agent-1')!.channels.length, 3);
    await h.command('cmd.call.monitor', { callId, supervisorId: 'sup', mode: 'stop' });
    assert.deepEqual(
      h.of('call.monitor', callId).map((d) => `${d.mode}:${d.active}`),
      ['listen:true', 'listen:false', 'whisper:true', 'whisper:false', 'barge:true', 'barge:false'],
    );
    assert.equal(h.sim.bridges().find((b) => b.id === 'dlr-agent-agent-1')!.channels.length, 2);
    await h.command('cmd.call.hangup', { callId });
    await settled(h);
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
  } finally {
    await h.close();
  }
});

test('recording commands: bridge recording start, pause, resume, stop', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-1', sip: 'agent-1001' }], campaign: { recording_mode: 'bridge' } });
  try {
    await h.loginSipAgent('agent-1');
    const callId = await h.dial('+stayer', { recording: 'bridge' });
    await h.next('call.connected', (d) => d.callId === callId);
    await waitFor(() => h.sim.requests.some((r) => r.op === 'bridges.record' && r.status === 201), 5000);
    await h.command('cmd.call.record', { callId, action: 'pause' });
    await h.command('cmd.call.record', { callId, action: 'resume' });
    await h.command('cmd.call.record', { callId, action: 'stop' });
    assert.deepEqual(
      h.sim.requests.filter((r) => r.op?.startsWith('recordings.')).map((r) => `${r.op}:${r.status}`),
      ['recordings.pause:204', 'recordings.unpause:204', 'recordings.stop:204'],
    );
    await h.command('cmd.call.hangup', { callId });
    await settled(h);
    const rec = await waitFor(async () => (await h.store.tenant(TENANT).selectFrom('recordings').selectAll().where('call_id', '=', callId).executeTakeFirst())?.status === 'saved', 5000);
    assert.ok(rec);
  } finally {
    await h.close();
  }
});

test('a manual call from the console reserves the agent and connects on answer', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-1', sip: 'agent-1001' }] });
  try {
    await h.loginSipAgent('agent-1');
    const r = (await h.command('cmd.call.originate', { phone: '+stayer', agentId: 'agent-1' })) as { callId: string };
    assert.ok(h.daemon.manager.agents.get('agent-1')?.reservedFor === r.callId, 'nobody else gets the agent while it rings');
    assert.equal(h.daemon.agents.counts(TENANT, 'camp-1').ready, 0);
    const c = await h.next('call.connected', (d) => d.callId === r.callId);
    assert.equal(c.agentId, 'agent-1');
    assert.equal(h.of('call.dialing', r.callId)[0]?.direction, 'manual');
    await h.command('cmd.call.hangup', { callId: r.callId });
    await settled(h);
    const [cdr] = await h.cdrs();
    assert.equal(cdr!['direction'], 'manual');
    assert.equal(cdr!['lead_id'], null);
  } finally {
    await h.close();
  }
});

test('transfers to an external number: blind (both legs bridged on answer) and warm (consult, then cancel)', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-1', sip: 'agent-1001' }] });
  try {
    await h.loginSipAgent('agent-1');
    const warmCall = await h.dial('+stayer');
    await h.next('call.connected', (d) => d.callId === warmCall);
    await h.command('cmd.call.transfer', { callId: warmCall, action: 'warm', target: { kind: 'number', phone: '+stayer' } });
    await waitFor(() => h.sim.bridges().find((b) => b.id === 'dlr-agent-agent-1')?.channels.length === 2, 5000);
    assert.ok(h.sim.bridges().find((b) => b.name === `dialer:hold:${warmCall}`)?.channels.includes(warmCall), 'the customer holds');
    await h.command('cmd.call.transfer', { callId: warmCall, action: 'cancel' });
    await waitFor(() => h.sim.bridges().find((b) => b.id === 'dlr-agent-agent-1')?.channels.includes(warmCall), 5000);
    await waitFor(() => h.sim.leaks().channels.filter((c) => c.id.startsWith(`dlr-xfer-${warmCall}`)).length === 0, 5000);
    assert.deepEqual(h.of('call.transferred', warmCall).map((d) => `${d.kind}:${d.state}`), ['warm:started', 'warm:cancelled']);

    await h.command('cmd.call.transfer', { callId: warmCall, action: 'blind', target: { kind: 'number', phone: '+stayer' } });
    const xfer = await waitFor(() => h.sim.bridges().find((b) => b.name === `dialer:transfer:${warmCall}` && b.channels.length === 2), 5000);
    assert.ok(xfer.channels.includes(warmCall));
    await waitFor(() => h.daemon.manager.agents.get('agent-1')?.record.state === 'ready', 5000);
    // The external party hangs up: the customer's call ends too.
    const external = xfer.channels.find((c) => c !== warmCall)!;
    h.sim.hangup(external);
    await h.next('call.ended', (d) => d.callId === warmCall);
    await settled(h);
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
  } finally {
    await h.close();
  }
});
