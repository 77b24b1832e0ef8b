import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@dialer/core/testing';
import { settled, startHarness, TENANT, type Harness } from './support/harness.js';

const AGENTS = [
  { id: 'agent-1', sip: 'agent-1001' },
  { id: 'agent-2', sip: 'agent-1002' },
];

test('the events WebSocket drops mid-call: a call that ended in the gap is closed with its CDR, the other goes on', async () => {
  const h = await startHarness({ agents: AGENTS });
  try {
    await h.loginSipAgent('agent-1');
    await h.loginSipAgent('agent-2');
    const lost = await h.dial('+stayer');
    const kept = await h.dial('+stayer');
    await h.next('call.connected', (d) => d.callId === lost);
    await h.next('call.connected', (d) => d.callId === kept);
    const synced = h.daemon.nextSync();
    h.sim.faults.refuseWebSockets = true;
    h.sim.dropWebSockets();
    await waitFor(() => !h.daemon.connected, 5000);
    // The customer of one call hangs up while nobody listens: those events are lost for good.
    h.sim.hangup(lost);
    h.sim.faults.refuseWebSockets = false;
    await synced;
    const ended = await h.next('call.ended', (d) => d.callId === lost);
    assert.equal(ended.hangupBy, 'network');
    assert.equal(ended.outcome, 'human');
    // The agent of the lost call is released; the other call is still connected and hangs up normally.
    await waitFor(() => h.daemon.manager.agents.all().filter((a) => a.record.state === 'ready').length === 1, 5000);
    assert.equal(h.daemon.manager.get(kept)?.record.state, 'connected');
    h.sim.hangup(kept);
    const keptEnded = await h.next('call.ended', (d) => d.callId === kept);
    assert.equal(keptEnded.hangupBy, 'customer');
    await settled(h);
    const cdrs = await h.cdrs();
    assert.equal(cdrs.length, 2);
    assert.ok((await h.calls()).every((c) => c['state'] === 'ended'));
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
    assert.equal(h.lines.filter((l) => l['msg'] === 'lost Asterisk ARI; reconnecting').length, 1);
  } finally {
    await h.close();
  }
});

test('the simulator restarts with calls up: every call is closed with a CDR, agents whose bridges vanished are logged out', async () => {
  const h = await startHarness({ agents: AGENTS });
  try {
    const gw = await h.gateway('gw-1');
    await h.loginSipAgent('agent-1');
    const a = await h.dial('+stayer', { sttProviders: ['fake'] });
    const ringing = await h.dial('+noanswer', { ringTimeoutS: 60 });
    const waiting = await h.dial('+stayer', { dropTimeoutMs: 60_000 });
    await h.next('call.connected', (d) => d.callId === a);
    await h.next('call.queued', (d) => d.callId === waiting);
    await h.next('call.ringing', (d) => d.callId === ringing);
    // The connected call's taps are up on the gateway (customer and agent legs).
    await waitFor(() => [`${a}-customer`, `${a}-agent`].every((id) => (gw.legs.get(id)?.updates.length ?? 0) > 0), 10_000);
    const synced = h.daemon.nextSync();
    await h.sim.restart(300);
    await synced;
    await settled(h);
    const cdrs = await h.cdrs();
    assert.deepEqual(cdrs.map((c) => c['call_id']).sort(), [a, ringing, waiting].sort());
    assert.ok(cdrs.every((c) => c['hangup_by'] === 'network'));
    assert.ok((await h.calls()).every((c) => c['state'] === 'ended'));
    await waitFor(() => h.daemon.manager.agents.all().length === 0, 5000);
    assert.equal(h.of('agent.state').filter((s) => s.agentId === 'agent-1').at(-1)?.state, 'logged_out');
    const legs = await h.store.tenant(TENANT).selectFrom('call_legs').selectAll().execute();
    assert.ok(legs.length > 0 && legs.every((l) => l.state === 'closed'));
    // The gateway was told to close every tap leg.
    await waitFor(() => [...gw.legs.values()].every((l) => l.closed), 5000);
    assert.deepEqual(h.sim.leaks(), { channels: [], bridges: [] });
    // The agent logs in again on the restarted Asterisk and takes calls.
    await h.loginSipAgent('agent-1');
    const again = await h.dial('+human');
    await h.next('call.connected', (d) => d.callId === again);
  } finally {
    await h.close();
  }
});

test('the controller restarts with calls up: calls still up are hung up, calls that ended while it was away closed, each with its CDR; nothing leaks', async () => {
  const h1 = await startHarness({ agents: AGENTS });
  let h2: Harness | undefined;
  try {
    const gw = await h1.gateway('gw-1');
    await h1.loginSipAgent('agent-1');
    await h1.loginSipAgent('agent-2');
    const up = await h1.dial('+stayer', { sttProviders: ['fake'] });
    const gone = await h1.dial('+stayer', { sttProviders: ['fake'] });
    await h1.next('call.connected', (d) => d.callId === up);
    await h1.next('call.connected', (d) => d.callId === gone);
    await waitFor(() => [...gw.legs.values()].filter((l) => l.updates.length > 0).length === 4, 10_000);
    await h1.daemon.manager.repo.flush();
    // The controller goes away without a word (no drain, no hangups); one customer hangs up meanwhile.
    await h1.daemon.close();
    h1.sim.hangup(gone);
    await waitFor(() => !h1.sim.channels().some((c) => c.id === gone), 5000);

    // A new controller process (same node, store and bus) starts against the same Asterisk.
    h2 = await startHarness({ simulator: h1.sim, store: h1.store, bus: h1.bus, seed: false });
    await h2.daemon.manager.repo.flush();
    const cdrs = await h2.cdrs();
    assert.deepEqual(cdrs.map((c) => c['call_id']).sort(), [gone, up].sort(), 'one CDR per call');
    const by = new Map(cdrs.map((c) => [c['call_id'], c]));
    assert.deepEqual([by.get(up)!['hangup_by'], by.get(up)!['outcome'], by.get(up)!['agent_id']], ['system', 'human', 'agent-1']);
    assert.deepEqual([by.get(gone)!['hangup_by'], by.get(gone)!['outcome'], by.get(gone)!['agent_id']], ['network', 'human', 'agent-2']);
    assert.ok((await h2.calls()).every((c) => c['state'] === 'ended' && c['end_at'] !== null), 'no call left open in the store');
    const legs = await h2.store.tenant(TENANT).selectFrom('call_legs').selectAll().execute();
    assert.equal(legs.length, 4);
    assert.ok(legs.every((l) => l.state === 'closed'));
    // The gateway was told to close the legs of both calls; the agents' sessions of the old run are gone.
    await waitFor(() => [...gw.legs.values()].every((l) => l.closed), 5000);
    const endedMsgs = h2.of('call.ended').map((d) => d.callId).sort();
    assert.deepEqual(endedMsgs, [gone, up].sort());
    assert.deepEqual(
      h2.of('agent.state').filter((s) => s.reason === 'controller_restart').map((s) => s.agentId).sort(),
      ['agent-1', 'agent-2'],
    );
    assert.equal((await h2.store.tenant(TENANT).selectFrom('agent_sessions').selectAll().execute()).length, 0);
    await waitFor(() => h2!.sim.leaks().channels.length === 0 && h2!.sim.leaks().bridges.length === 0, 5000).catch(() => undefined);
    assert.deepEqual(h2.sim.leaks(), { channels: [], bridges: [] });
    // The agent logs in again and takes calls.
    await h2.loginSipAgent('agent-1');
    const again = await h2.dial('+human');
    await h2.next('call.connected', (d) => d.callId === again);
    await settled(h2);
    assert.equal((await h2.cdrs()).length, 3);
  } finally {
    await h2?.close();
    await h1.close();
  }
});

test('orphan cleanup: bridges and ExternalMedia or snoop channels nothing owns are destroyed; calls left in the store get their CDR', async () => {
  const h = await startHarness();
  try {
    const { client } = h.daemon.manager.servers[0]!;
    // Leftovers of a previous run, made while the controller is not listening: a tap bridge with an
    // ExternalMedia channel in it, a live customer channel whose call row says connected, and a row whose channel is gone.
    h.sim.faults.refuseWebSockets = true;
    h.sim.dropWebSockets();
    await waitFor(() => !h.daemon.connected, 5000);
    await client.bridges.create({ type: 'mixing', bridgeId: 'dlr-tap-old', name: 'dialer:tap:old' });
    await client.channels.externalMedia({ app: 'dialer', external_host: '127.0.0.1:9', format: 'ulaw', channelId: 'dlr-em-old' });
    await waitFor(() => h.sim.channels().find((c) => c.id === 'dlr-em-old')?.state === 'Up', 2000);
    await new Promise((r) => setTimeout(r, 50));
    await client.bridges.addChannel({ bridgeId: 'dlr-tap-old', channel: 'dlr-em-old' });
    await client.bridges.create({ type: 'mixing', bridgeId: 'someone-else', name: 'not ours' });
    await client.channels.originate({ endpoint: 'Local/stayer@sim-leads', app: 'dialer', channelId: 'old-call-live' });
    await waitFor(() => h.sim.channels().find((c) => c.id === 'old-call-live')?.state === 'Up', 5000);
    const now = Date.now();
    for (const [id, channel] of [
      ['old-call-live', 'old-call-live'],
      ['old-call-gone', 'no-such-channel'],
    ] as const) {
      await h.store.tenant(TENANT).insertInto('calls', {
        id,
        direction: 'outbound',
        phone: '+15550100',
        state: 'connected',
        node_id: 'node-a',
        asterisk_id: 'default',
        channel_id: channel,
        created_at: now - 60_000,
        answer_at: now - 50_000,
        connect_at: now - 49_000,
        updated_at: now,
      }).execute();
    }
    const synced = h.daemon.nextSync();
    h.sim.faults.refuseWebSockets = false;
    await synced;
    const report = h.lines.filter((l) => l['msg'] === 'resync done').at(-1)!;
    assert.equal(report['destroyedBridges'], 1);
    assert.equal(report['closed'], 2);
    await h.daemon.manager.repo.flush();
    const cdrs = await h.cdrs();
    assert.equal(cdrs.length, 2);
    assert.equal(cdrs.find((c) => c['call_id'] === 'old-call-gone')!['hangup_by'], 'network');
    assert.equal(cdrs.find((c) => c['call_id'] === 'old-call-live')!['hangup_by'], 'system');
    assert.equal(cdrs.find((c) => c['call_id'] === 'old-call-live')!['outcome'], 'human');
    await waitFor(() => !h.sim.channels().some((c) => c.id === 'old-call-live' || c.id === 'dlr-em-old'), 5000);
    assert.ok((await h.calls()).every((c) => c['state'] === 'ended' && c['end_at'] !== null), 'no call left open in the store');
    // Nothing of ours is left: only the bridge that is not ours stays.
    const leaks = h.sim.leaks();
    assert.deepEqual([leaks.channels, leaks.bridges.map((b) => b.id)], [[], ['someone-else']]);
    // Resync is idempotent: a second run finds nothing more to do and writes no second CDR.
    const [again] = await h.daemon.resync();
    assert.deepEqual([again!.closed, again!.destroyedBridges, again!.hungUpChannels], [[], [], []]);
    assert.equal((await h.cdrs()).length, 2);
  } finally {
    await h.close();
  }
});

test('a burst of 200 originates in one second: every call ends in the right state with one CDR, nothing leaks', async () => {
  const h = await startHarness({ agents: AGENTS, sim: { timeScale: 0.05 } });
  try {
    await h.loginSipAgent('agent-1');
    await h.loginSipAgent('agent-2');
    const kinds = ['+busy', '+noanswer', '+human', '+congestion', '+machine'] as const;
    const ids: Array<{ id: string; kind: string }> = [];
    const started = Date.now();
    for (let batch = 0; batch < 10; batch++) {
      const dials = Array.from({ length: 20 }, (_, i) => {
        const kind = kinds[(batch * 20 + i) % kinds.length]!;
        return h.dial(kind, { ringTimeoutS: kind === '+noanswer' ? 3 : 60, amd: kind === '+machine', dropTimeoutMs: 1000 }).then((id) => ids.push({ id, kind }));
      });
      await Promise.all(dials);
      const due = started + (batch + 1) * 100;
      if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    assert.equal(ids.length, 200);
    await settled(h, 60_000);
    const cdrs = await h.cdrs();
    assert.equal(cdrs.length, 200);
    assert.equal(new Set(cdrs.map((c) => c['call_id'])).size, 200);
    const byId = new Map(cdrs.map((c) => [c['call_id'] as string, c]));
    const expect: Record<string, string[]> = {
      '+busy': ['busy'],
      '+noanswer': ['no_answer'],
      '+congestion': ['congestion'],
      '+machine': ['machine'],
      '+human': ['human', 'abandoned'],
    };
    for (const { id, kind } of ids) assert.ok(expect[kind]!.includes(byId.get(id)!['outcome'] as string), `${kind} ended ${byId.get(id)!['outcome']}`);
    assert.ok((await h.calls()).every((c) => c['state'] === 'ended'));
    assert.equal(h.of('call.ended').length, 200);
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
    assert.ok(!h.sim.requests.some((r) => r.status >= 500), 'no request failed on the simulator');
    await waitFor(() => h.daemon.manager.agents.all().every((a) => a.record.state === 'ready'), 5000);
  } finally {
    await h.close();
  }
});
