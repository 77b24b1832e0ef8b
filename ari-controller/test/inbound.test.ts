import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@dialer/core/testing';
import { settled, startHarness } from './support/harness.js';

test('inbound: answered, queued with hold music and positions, connected to the agent; the caller\'s BYE ends it with only a StasisEnd (app-only)', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-1', sip: 'agent-1001' }], did: '1000' });
  try {
    const first = h.sim.inboundCall({ did: '1000', from: '5551234', callerName: 'Lead 5551234', stay: true });
    const second = h.sim.inboundCall({ did: '1000', from: '5559999', stay: true });
    await waitFor(() => h.of('call.queued').some((q) => q.position === 2), 10_000);
    const calls = [...h.daemon.manager.calls.values()];
    assert.equal(calls.length, 2);
    await waitFor(() => h.sim.requests.filter((r) => r.op === 'channels.startMoh').length === 2, 5000);
    await h.loginSipAgent('agent-1');
    const connected = await h.next('call.connected', () => true);
    const firstCall = calls.find((c) => c.channelId === first)!;
    assert.equal(connected.callId, firstCall.id, 'the longest-waiting caller goes first');
    // The caller hangs up (SIP BYE): app-only mode sends StasisEnd and no ChannelDestroyed.
    h.sim.hangup(first);
    const ended = await h.next('call.ended', (d) => d.callId === firstCall.id);
    assert.equal(ended.outcome, 'human');
    assert.equal(ended.hangupBy, 'customer');
    assert.equal(ended.direction, 'inbound');
    // The agent is free again and takes the second caller.
    const secondCall = calls.find((c) => c.channelId === second)!;
    await h.next('call.connected', (d) => d.callId === secondCall.id);
    h.sim.hangup(second);
    await settled(h);
    const cdrs = await h.cdrs();
    assert.equal(cdrs.length, 2);
    assert.ok(cdrs.every((c) => c['direction'] === 'inbound' && c['outcome'] === 'human'));
  } finally {
    await h.close();
  }
});

test('inbound: a caller who hangs up in queue is an abandon; the queue timeout takes the campaign fallback', async () => {
  const h = await startHarness({ did: '2000', campaign: { queue_timeout_s: 1, queue_fallback: JSON.stringify({ kind: 'hangup', media: 'dialer/closed' }) } });
  try {
    const quitter = h.sim.inboundCall({ did: '2000', from: '5550001', stay: true });
    await waitFor(() => h.of('call.queued').length > 0, 5000);
    h.sim.hangup(quitter);
    const a = await h.next('call.ended', () => true);
    assert.equal(a.outcome, 'abandoned');
    assert.equal(a.abandoned, true);
    h.sim.inboundCall({ did: '2000', from: '5550002', stay: true });
    const b = await h.next('call.ended', (d) => d.callId !== a.callId, 10_000);
    assert.equal(b.hangupBy, 'system');
    assert.ok(h.sim.requests.some((r) => r.op === 'channels.play' && r.query['media'] === 'sound:dialer/closed'));
    await settled(h);
    assert.equal((await h.cdrs()).length, 2);
  } finally {
    await h.close();
  }
});

test('inbound to an unknown DID is hung up with no call', async () => {
  const h = await startHarness();
  try {
    const id = h.sim.inboundCall({ did: '9999', from: '5550003', stay: true });
    await waitFor(() => !h.sim.leaks().channels.some((c) => c.id === id), 5000);
    assert.equal(h.daemon.manager.active, 0);
    assert.equal((await h.cdrs()).length, 0);
  } finally {
    await h.close();
  }
});

test('consent: a campaign that records announces it before queueing an inbound caller', async () => {
  const h = await startHarness({ agents: [{ id: 'agent-1', sip: 'agent-1001' }], did: '3000', campaign: { recording_mode: 'bridge', consent_mode: 'announce', consent_media: 'dialer/consent' } });
  try {
    await h.loginSipAgent('agent-1');
    const ch = h.sim.inboundCall({ did: '3000', from: '5550004', stay: true });
    const connected = await h.next('call.connected', () => true, 10_000);
    const plays = h.sim.requests.filter((r) => r.op === 'channels.play');
    assert.equal(plays[0]?.query['media'], 'sound:dialer/consent');
    const play = plays[0]!;
    const queuedMsg = h.messages.find((m) => m.type === 'call.queued' && m.data.callId === connected.callId);
    assert.ok(queuedMsg, 'queued');
    assert.ok(Date.parse(queuedMsg.time) >= play.at, 'queued only after the announcement was played');
    // Bridge recording (the fallback to gateway recording) starts once connected.
    await waitFor(() => h.sim.requests.some((r) => r.op === 'bridges.record'), 5000);
    h.sim.hangup(ch);
    await settled(h);
    const rec = await h.store.tenant('tenant-1').selectFrom('recordings').selectAll().execute();
    assert.equal(rec.length, 1);
    assert.equal(rec[0]!.consent, 'announced');
    const [cdr] = await h.cdrs();
    assert.equal(cdr!['recording_id'], connected.callId);
  } finally {
    await h.close();
  }
});

test('inbound voicemail fallback: no agent answers, the caller leaves a message; the call row, its CDR and the recording row record it', async () => {
  const h = await startHarness({ did: '4000', campaign: { queue_timeout_s: 1, queue_fallback: JSON.stringify({ kind: 'voicemail', media: 'dialer/leave-a-message' }) } });
  try {
    // Caller 1 hangs up while leaving the message (app-only: no RecordingFinished after the StasisEnd).
    const hanger = h.sim.inboundCall({ did: '4000', from: '5550005', stay: true });
    await waitFor(() => h.sim.requests.some((r) => r.op === 'channels.record' && r.status < 300), 10_000);
    const first = [...h.daemon.manager.calls.values()].find((c) => c.channelId === hanger)!;
    await new Promise((r) => setTimeout(r, 200)); // a few (scaled) seconds of message
    h.sim.hangup(hanger);
    const a = await h.next('call.ended', (d) => d.callId === first.id);
    assert.equal(a.hangupBy, 'customer');
    assert.equal(a.abandoned, false);
    // Caller 2 talks until the recording stops by itself (its length limit): the controller hangs up.
    h.sim.inboundCall({ did: '4000', from: '5550006', stay: true });
    const b = await h.next('call.ended', (d) => d.callId !== first.id, 20_000);
    assert.equal(b.hangupBy, 'system');
    await settled(h);

    const plays = h.sim.requests.filter((r) => r.op === 'channels.play').map((r) => r.query['media']);
    assert.deepEqual(plays, ['sound:dialer/leave-a-message', 'sound:dialer/leave-a-message']);
    const records = h.sim.requests.filter((r) => r.op === 'channels.record');
    assert.deepEqual(records.map((r) => r.query['name']), [`dlr-vm-${a.callId}`, `dlr-vm-${b.callId}`]);
    const calls = await h.calls();
    const cdrs = await h.cdrs();
    const recs = await h.store.tenant('tenant-1').selectFrom('recordings').selectAll().execute();
    assert.equal(calls.length, 2);
    assert.equal(cdrs.length, 2);
    assert.equal(recs.length, 2);
    for (const [ended, by] of [[a, 'customer'], [b, 'system']] as const) {
      const row = calls.find((c) => c['id'] === ended.callId)!;
      const cdr = cdrs.find((c) => c['call_id'] === ended.callId)!;
      const rec = recs.find((r) => r.call_id === ended.callId)!;
      assert.ok(rec, `recording row of ${by}`);
      assert.deepEqual(
        [row['state'], row['direction'], row['outcome'], row['disposition'], row['recording_id']],
        ['ended', 'inbound', 'human', 'voicemail', rec.id],
      );
      assert.deepEqual(
        [cdr['direction'], cdr['outcome'], cdr['abandoned'], cdr['disposition'], cdr['recording_id'], cdr['hangup_by'], cdr['agent_id']],
        ['inbound', 'human', 0, 'voicemail', rec.id, by, null],
      );
      assert.equal(rec.path, `dlr-vm-${ended.callId}.wav`);
      assert.equal(rec.status, 'saved');
      assert.ok(rec.ended_at !== null && rec.duration_ms !== null && rec.duration_ms > 0, `recording of ${by} closed with a length`);
    }
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
  } finally {
    await h.close();
  }
});
