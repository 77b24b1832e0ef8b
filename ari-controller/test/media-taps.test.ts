import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@dialer/core/testing';
import { settled, startHarness, TENANT } from './support/harness.js';

test('taps: snoop, bridge and ExternalMedia toward the gateway, added after StasisStart; real RTP flows; all torn down at hangup', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-1', sip: 'agent-1001' }], sim: { timeScale: 0.25 } });
  try {
    const gw = await h.gateway('gw-1');
    await h.loginSipAgent('agent-1');
    const callId = await h.dial('+human-long', { sttProviders: ['fake'], sttLanguage: 'en' });
    await h.next('call.connected', (d) => d.callId === callId);
    const customer = await waitFor(() => gw.legs.get(`${callId}-customer`)?.updates.length ? gw.legs.get(`${callId}-customer`) : undefined, 10_000);
    assert.equal(customer.open.role, 'customer');
    assert.deepEqual(customer.open.stt, { providers: ['fake'], language: 'en' });
    assert.match(customer.updates[0]!.remoteHost ?? '', /^127\./);
    // The agent (a SIP phone) is transcribed separately: its own snoop and leg.
    const agentLeg = await waitFor(() => gw.legs.get(`${callId}-agent`)?.updates.length ? gw.legs.get(`${callId}-agent`) : undefined, 10_000);
    assert.equal(agentLeg.open.agentId, 'agent-1');
    // Real, paced audio arrives from Asterisk's address for the leg.
    await waitFor(() => customer.packets >= 25, 10_000);
    // The ExternalMedia channel was added only after its StasisStart: no 422 from the simulator.
    assert.ok(!h.sim.requests.some((r) => r.op === 'bridges.addChannel' && r.status === 422));
    const legs = await h.store.tenant(TENANT).selectFrom('call_legs').selectAll().where('call_id', '=', callId).execute();
    assert.deepEqual(legs.map((l) => l.role).sort(), ['agent', 'customer']);
    assert.ok(legs.every((l) => l.gateway_id === 'gw-1' && l.state === 'open'));
    await h.command('cmd.call.hangup', { callId });
    await settled(h);
    assert.ok(customer.closed && agentLeg.closed);
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
    const closedLegs = await h.store.tenant(TENANT).selectFrom('call_legs').selectAll().where('call_id', '=', callId).execute();
    assert.ok(closedLegs.every((l) => l.state === 'closed' && l.closed_at !== null));
  } finally {
    await h.close();
  }
});

test('a gateway killed mid-call: the taps move to a healthy gateway and the gap is recorded', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-1', sip: 'agent-1001' }], sim: { timeScale: 0.25 } });
  try {
    const gw1 = await h.gateway('gw-1');
    await h.loginSipAgent('agent-1');
    const callId = await h.dial('+human-long', { sttProviders: ['fake'] });
    await h.next('call.connected', (d) => d.callId === callId);
    await waitFor(() => (gw1.legs.get(`${callId}-customer`)?.packets ?? 0) > 5, 10_000);
    const gw2 = await h.gateway('gw-2');
    await gw1.kill();
    const moved = await waitFor(() => gw2.legs.get(`${callId}-customer`)?.updates.length ? gw2.legs.get(`${callId}-customer`) : undefined, 10_000);
    assert.ok((moved.open.gapMs ?? 0) > 0, 'the new gateway is told how much audio was lost');
    await waitFor(() => moved.packets > 5, 10_000);
    const leg = await waitFor(async () => {
      const r = await h.store.tenant(TENANT).selectFrom('call_legs').selectAll().where('id', '=', `${callId}-customer`).executeTakeFirst();
      return r?.gateway_id === 'gw-2' ? r : undefined;
    }, 5000);
    assert.ok(leg.gap_ms > 0);
    // The agent's tap (a SIP phone) moves too.
    const movedAgent = await waitFor(() => gw2.legs.get(`${callId}-agent`)?.updates.length ? gw2.legs.get(`${callId}-agent`) : undefined, 10_000);
    assert.ok((movedAgent.open.gapMs ?? 0) > 0);
    // The old ExternalMedia channels are gone; only one per tap remains.
    assert.equal(h.sim.leaks().channels.filter((c) => c.id.startsWith(`dlr-em-${callId}-customer`)).length, 1);
    await waitFor(() => h.sim.leaks().channels.filter((c) => c.id.startsWith(`dlr-em-${callId}-agent`)).length === 1, 5000);
    assert.equal(h.daemon.manager.get(callId)?.record.state, 'connected', 'the call itself goes on');
    await h.command('cmd.call.hangup', { callId });
    await settled(h);
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
    const cdrs = await h.cdrs();
    assert.equal(cdrs.length, 1);
    assert.deepEqual([cdrs[0]!['call_id'], cdrs[0]!['outcome'], cdrs[0]!['has_transcript']], [callId, 'human', 1]);
    assert.ok((await h.calls()).every((c) => c['state'] === 'ended'), 'no call left open in the store');
    const legs = await h.store.tenant(TENANT).selectFrom('call_legs').selectAll().where('call_id', '=', callId).execute();
    assert.deepEqual(legs.map((l) => [l.role, l.gateway_id, l.state]).sort(), [['agent', 'gw-2', 'closed'], ['customer', 'gw-2', 'closed']]);
    assert.ok(moved.closed && movedAgent.closed, 'the legs on the healthy gateway are closed at hangup');
  } finally {
    await h.close();
  }
});

test('a tap that fails after the gateway opened its leg closes the leg there; the call goes on without it', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-1', sip: 'agent-1001' }] });
  try {
    const gw = await h.gateway('gw-1');
    await h.loginSipAgent('agent-1');
    // Asterisk refuses the ExternalMedia channel of both taps (customer and agent), after the gateway opened the legs.
    h.sim.failNext({ op: 'channels.externalMedia' }, { status: 500, body: { error: 'Allocation failed' } }, 2);
    const callId = await h.dial('+stayer', { sttProviders: ['fake'] });
    await h.next('call.connected', (d) => d.callId === callId);
    await waitFor(() => h.lines.filter((l) => l['msg'] === 'media tap failed; the call goes on without it').length === 2, 10_000);
    assert.deepEqual([...gw.legs.keys()].sort(), [`${callId}-agent`, `${callId}-customer`]);
    await waitFor(() => [...gw.legs.values()].every((l) => l.closed), 5000);
    assert.equal(h.daemon.manager.get(callId)?.record.state, 'connected');
    await h.command('cmd.call.hangup', { callId });
    await settled(h);
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
    assert.equal((await h.cdrs()).length, 1);
    const legs = await h.store.tenant(TENANT).selectFrom('call_legs').selectAll().where('call_id', '=', callId).execute();
    assert.ok(legs.length === 2 && legs.every((l) => l.state === 'closed'));
  } finally {
    await h.close();
  }
});

test('a WebRTC agent: the softphone leg joins the agent bridge when the browser session connects, and follows the call', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-w' }] });
  try {
    const gw = await h.gateway('gw-1');
    await h.command('cmd.agent.state', { agentId: 'agent-w', action: 'login', campaignIds: ['camp-1'] });
    await gw.webrtc({ sessionId: 's-1', role: 'agent', agentId: 'agent-w', state: 'connected' }, TENANT);
    const phone = await waitFor(() => [...gw.legs.values()].find((l) => l.open.webrtcSessionId === 's-1' && l.updates.length > 0), 10_000);
    assert.equal(phone.open.role, 'agent');
    await h.command('cmd.agent.state', { agentId: 'agent-w', action: 'ready' });
    const callId = await h.dial('+human-long');
    await h.next('call.connected', (d) => d.callId === callId && d.agentId === 'agent-w');
    await waitFor(() => phone.updates.some((u) => u.callId === callId), 5000);
    await h.command('cmd.call.hangup', { callId });
    await waitFor(() => phone.updates.some((u) => u.callId === ''), 5000);
    // The browser goes away: the agent is paused (phone lost), the leg closed.
    await gw.webrtc({ sessionId: 's-1', role: 'agent', agentId: 'agent-w', state: 'closed' }, TENANT);
    await waitFor(() => h.daemon.manager.agents.get('agent-w')?.record.reason === 'phone_lost', 5000);
    await waitFor(() => phone.closed, 5000);
    await h.command('cmd.agent.state', { agentId: 'agent-w', action: 'logout' });
    await settled(h);
    await waitFor(() => h.sim.leaks().channels.length === 0 && h.sim.leaks().bridges.length === 0, 5000);
  } finally {
    await h.close();
  }
});

test('gateway recording starts only after the consent announcement; pause and resume go to the gateway', async () => {
  const h = await startHarness({
    agents: [{ id: 'agent-1', sip: 'agent-1001' }],
    campaign: { recording_mode: 'gateway', consent_mode: 'announce', consent_media: 'dialer/consent' },
  });
  try {
    const gw = await h.gateway('gw-1');
    await h.loginSipAgent('agent-1');
    const callId = await h.dial('+stayer', { recording: 'gateway', consentMedia: 'dialer/consent' });
    await h.next('call.connected', (d) => d.callId === callId);
    const leg = await waitFor(() => gw.legs.get(`${callId}-customer`), 5000);
    assert.equal(leg.open.record, false, 'not recorded before the announcement');
    await waitFor(() => leg.updates.some((u) => u.record === true), 10_000);
    const play = h.sim.requests.find((r) => r.op === 'channels.play' && r.query['media'] === 'sound:dialer/consent');
    assert.ok(play, 'the consent announcement played to the customer');
    await h.command('cmd.call.record', { callId, action: 'pause' });
    await h.command('cmd.call.record', { callId, action: 'resume' });
    assert.deepEqual(leg.updates.filter((u) => u.recordingPaused !== undefined).map((u) => u.recordingPaused), [true, false]);
    await h.command('cmd.call.hangup', { callId });
    await settled(h);
  } finally {
    await h.close();
  }
});
