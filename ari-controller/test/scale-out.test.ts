import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, MemoryBus, openStore } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { ariSection, ariServers } from '@dialer/ari-controller';
import { AriSimulator } from '@dialer/ari-controller/simulator';
import { seed, settled, startHarness } from './support/harness.js';

test('ARI_SERVERS configures several Asterisk servers, each with its own URL and credentials', () => {
  const cfg = loadConfig([ariSection], {
    env: { ARI_SERVERS: JSON.stringify([{ id: 'pbx1', url: 'http://10.0.0.5:8088', username: 'dialer', password: 'a' }, { id: 'pbx2', url: 'https://10.0.0.6:8089', username: 'd2', password: 'b' }]) },
    argv: [],
  });
  assert.deepEqual(ariServers(cfg.ari).map((s) => `${s.id} ${s.url} ${s.username}`), ['pbx1 http://10.0.0.5:8088 dialer', 'pbx2 https://10.0.0.6:8089 d2']);
  assert.deepEqual(ariServers(loadConfig([ariSection], { env: { ARI_PASSWORD: 'p' }, argv: [] }).ari), [{ id: 'default', url: 'http://127.0.0.1:8088', username: 'dialer', password: 'p' }]);
  assert.throws(() => loadConfig([ariSection], { env: { ARI_SERVERS: '[{"id":"x","url":"ftp://nope","username":"u"},{"id":"x","url":"http://a","username":"u"}]' }, argv: [] }), /ARI_SERVERS/);
});

test('one controller, two Asterisk servers: calls spread over both, each call on the server of its agent', async () => {
  const second = await AriSimulator.start({ timeScale: 0.05, username: 'other', password: 'pw2', leads: { stayer: { kind: 'human-long', stay: true } } });
  const store = await openStore({ dataDir: '.', sqliteFile: ':memory:' });
  await seed(store, [{ id: 'agent-1', sip: 'agent-1001' }]);
  const first = await AriSimulator.start({ timeScale: 0.05, leads: { stayer: { kind: 'human-long', stay: true } } });
  const h2 = await startHarness({
    store,
    seed: false,
    config: {
      servers: [
        { id: 'pbx1', url: first.url, username: first.username, password: first.password },
        { id: 'pbx2', url: second.url, username: 'other', password: 'pw2' },
      ],
    },
  });
  try {
    await waitFor(() => h2.daemon.manager.servers.every((s) => s.connected), 5000);
    const ids = await Promise.all([h2.dial('+busy'), h2.dial('+busy'), h2.dial('+busy'), h2.dial('+busy')]);
    await waitFor(() => h2.daemon.manager.active === 0, 10_000);
    const rows = await h2.calls();
    const servers = new Set(rows.filter((r) => ids.includes(r['id'] as string)).map((r) => r['asterisk_id']));
    assert.deepEqual([...servers].sort(), ['pbx1', 'pbx2']);
    await h2.loginSipAgent('agent-1');
    const agentServer = h2.daemon.manager.agents.get('agent-1')!.server.id;
    const callId = await h2.dial('+stayer');
    await h2.next('call.connected', (d) => d.callId === callId);
    assert.equal(h2.daemon.manager.get(callId)!.server.id, agentServer, 'a call goes where a free agent is');
    await h2.command('cmd.call.hangup', { callId });
    await settled(h2);
  } finally {
    await h2.close();
    await first.close();
    await second.close();
    await store.close();
  }
});

test('two controller nodes on one bus: only the node that owns a call answers its commands', async () => {
  const bus = new MemoryBus();
  const store = await openStore({ dataDir: '.', sqliteFile: ':memory:' });
  await seed(store, [{ id: 'agent-a', sip: 'agent-2001' }]);
  const a = await startHarness({ bus, store, seed: false, nodeId: 'node-a', config: { app: 'dialer-a' } });
  const b = await startHarness({ bus, store, seed: false, nodeId: 'node-b', config: { app: 'dialer-b' } });
  try {
    const callId = await b.dial('+stayer');
    await b.next('call.answered', (d) => d.callId === callId);
    const r = (await a.command('cmd.call.hangup', { callId })) as { callId: string };
    assert.equal(r.callId, callId);
    await b.next('call.ended', (d) => d.callId === callId);
    const replies = a.messages.filter((m) => m.type === 'cmd.reply');
    assert.equal(replies.length, 1, 'exactly one node replied');
    // An agent logs in on exactly one node; the other says NOT_MINE to its later commands.
    await a.command('cmd.agent.state', { agentId: 'agent-a', action: 'login', campaignIds: ['camp-1'] });
    const owner = a.daemon.manager.agents.get('agent-a') ? a : b;
    const other = owner === a ? b : a;
    assert.equal(other.daemon.manager.agents.get('agent-a'), undefined);
    await waitFor(() => owner.daemon.manager.agents.get('agent-a')?.phone?.up, 5000);
    await a.command('cmd.agent.state', { agentId: 'agent-a', action: 'logout' });
    await waitFor(() => !owner.daemon.manager.agents.get('agent-a'), 5000);
    await settled(b);
    assert.equal((await store.tenant('tenant-1').selectFrom('cdrs').selectAll().execute()).length, 1);
  } finally {
    await a.close();
    await b.close();
    await bus.close();
    await store.close();
  }
});
