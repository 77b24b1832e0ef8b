import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, SimulatedClock, toJson, type AnyMessage, type MessageData } from '@dialer/core';
import { createTestContext } from '@dialer/core/testing';
import { bearer, testApp } from './helpers.js';

const clock = new SimulatedClock();
let t: Awaited<ReturnType<typeof testApp>>;

before(async () => {
  t = await testApp({ ctx: await createTestContext({ clock, nodeId: 'api-1' }) });
  // testApp builds without background work; this file needs the bus listeners behind GET /system.
  await t.app.services.system.start(t.ctx.bus);
  // Tenant A is the platform tenant in this file: its users see the infrastructure's addresses.
  await t.ctx.store.db.updateTable('tenants').set({ settings: toJson({ platform: true }) }).where('id', '=', t.a.tenantId).execute();
});
after(async () => {
  await t.close();
});

/** Publishes on the API's bus and lets the in-memory bus deliver. */
async function publish(msg: AnyMessage | { v: 1; id: string; type: string; time: string; tenantId: string; data: unknown; source?: string }): Promise<void> {
  await t.ctx.bus.publish(msg as AnyMessage);
  await new Promise((r) => setImmediate(r));
}

function gatewayBeat(gatewayId: string, extra: Partial<MessageData<'media.gateway.heartbeat'>> = {}): AnyMessage {
  return createMessage(
    'media.gateway.heartbeat',
    'system',
    { gatewayId, rtpHost: '10.0.0.7', legs: 12, maxLegs: 500, draining: false, startedAtMs: clock.now() - 60_000, intervalMs: 2000, ...extra },
    { clock, source: `node-${gatewayId}` },
  ) as AnyMessage;
}

function controllerBeat(data: Record<string, unknown>): { v: 1; id: string; type: string; time: string; tenantId: string; data: unknown; source: string } {
  // Not in core's catalog yet: published the way the controller will, as a raw envelope.
  return { v: 1, id: `hb-${Math.random()}`, type: 'ari.controller.heartbeat', time: new Date(clock.now()).toISOString(), tenantId: 'system', data, source: String(data['nodeId']) };
}

async function system(token: string): Promise<{ status: number; body: Record<string, unknown> & { [k: string]: any } }> {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/system', headers: bearer(token) });
  return { status: res.statusCode, body: res.json() };
}

test('GET /system lists the API node, the database, the bus, gateways with their speech-to-text providers, controllers and Asterisk servers', async () => {
  const now = clock.now();
  await publish(
    gatewayBeat('media:gw-a', {
      stt: [
        { provider: 'deepgram', state: 'ok', streams: 7, lastOkAtMs: now - 1000 },
        { provider: 'assemblyai', state: 'down', downUntilMs: now + 600_000, lastErrorAtMs: now - 5000, lastError: { code: 'DIALER_ERR_STT_AUTH', message: 'STT provider rejected the credentials', retryable: false } },
      ],
    }),
  );
  await publish(gatewayBeat('media:gw-b', { rtpHost: '10.0.0.8', legs: 3, stt: [{ provider: 'deepgram', state: 'ok', streams: 2 }, { provider: 'assemblyai', state: 'unused' }] }));
  await publish(
    controllerBeat({
      nodeId: 'ari-a',
      startedAtMs: now - 120_000,
      intervalMs: 5000,
      app: 'dialer',
      draining: false,
      activeCalls: 4,
      servers: [
        { id: 'pbx1', url: 'http://127.0.0.1:8088', connected: true, synced: true, asteriskId: '02:fc:00:00:00:01', version: '22.5.0', sinceMs: now - 100_000, calls: 4 },
        { id: 'pbx2', url: 'https://10.0.0.9:8089', connected: false, sinceMs: now - 30_000, lastError: 'DIALER_ERR_ARI_UNREACHABLE: connect ECONNREFUSED 10.0.0.9:8089' },
      ],
    }),
  );
  // A controller that publishes no heartbeat is still known by the call events it sends.
  await publish(createMessage('call.dialing', t.a.tenantId, { callId: 'c-1', direction: 'outbound', phone: '+12125550101' }, { clock, source: 'ari-b' }) as AnyMessage);

  const r = await system(t.tokens['a.admin']!);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const b = r.body;
  assert.equal(b.view, 'platform');
  assert.equal(b.api.nodeId, 'api-1');
  assert.equal(b.api.draining, false);
  assert.deepEqual([b.db.ok, b.db.kind, b.db.error], [true, 'sqlite', null]);
  assert.equal(typeof b.db.latencyMs, 'number');
  assert.deepEqual(b.bus, { ok: true, kind: 'memory' });

  assert.deepEqual(
    b.gateways.map((g: any) => [g.gatewayId, g.nodeId, g.address, g.legs, g.maxLegs, g.state]),
    [
      ['media:gw-a', 'node-media:gw-a', '10.0.0.7', 12, 500, 'up'],
      ['media:gw-b', 'node-media:gw-b', '10.0.0.8', 3, 500, 'up'],
    ],
  );
  const byProvider = Object.fromEntries(b.stt.map((p: any) => [p.provider, p]));
  assert.equal(byProvider.deepgram.state, 'ok');
  assert.deepEqual(byProvider.deepgram.gateways, { ok: 2, down: 0, unused: 0 });
  assert.equal(byProvider.deepgram.streams, 9);
  assert.equal(byProvider.assemblyai.state, 'down');
  assert.deepEqual(byProvider.assemblyai.gateways, { ok: 0, down: 1, unused: 1 });
  assert.deepEqual(byProvider.assemblyai.lastError, { code: 'DIALER_ERR_STT_AUTH', message: 'STT provider rejected the credentials' });
  assert.equal(byProvider.assemblyai.downUntilMs, now + 600_000);

  assert.deepEqual(
    b.controllers.map((c: any) => [c.nodeId, c.state, c.heartbeat, c.activeCalls, c.servers]),
    [
      ['ari-a', 'up', true, 4, 2],
      ['ari-b', 'up', false, null, 0],
    ],
  );
  assert.deepEqual(
    b.asterisk.map((s: any) => [s.id, s.nodeId, s.url, s.state, s.version, s.calls]),
    [
      ['pbx1', 'ari-a', 'http://127.0.0.1:8088', 'connected', '22.5.0', 4],
      ['pbx2', 'ari-a', 'https://10.0.0.9:8089', 'disconnected', null, null],
    ],
  );
  assert.match(b.asterisk[1].lastError, /ECONNREFUSED/);
});

test('silence makes nodes stale (3 missed beats), a draining gateway says so, and a malformed controller beat is ignored', async () => {
  await publish(gatewayBeat('media:gw-c', { draining: true }));
  clock.advance(7000);
  await publish(gatewayBeat('media:gw-c', { draining: true }));
  await publish(controllerBeat({ nodeId: 'ari-x', servers: 'not a list' }));
  const b = (await system(t.tokens['a.admin']!)).body;
  const gw = Object.fromEntries(b.gateways.map((g: any) => [g.gatewayId, g]));
  // gw-a and gw-b beat every 2 s and were last heard 7 s ago; gw-c just beat.
  assert.equal(gw['media:gw-a'].state, 'stale');
  assert.equal(gw['media:gw-a'].lastSeenAgoMs, 7000);
  assert.equal(gw['media:gw-c'].state, 'draining');
  // Stale gateways no longer count for the providers: only gw-c's (none) are left.
  assert.deepEqual(b.stt, []);
  // ari-a beats every 5 s: 7 s of silence is not yet 3 missed beats.
  assert.equal(b.controllers.find((c: any) => c.nodeId === 'ari-a').state, 'up');
  assert.ok(!b.controllers.some((c: any) => c.nodeId === 'ari-x'), 'a malformed heartbeat is not trusted');
  clock.advance(10_000);
  const later = (await system(t.tokens['a.admin']!)).body;
  assert.equal(later.controllers.find((c: any) => c.nodeId === 'ari-a').state, 'stale');
  assert.ok(later.asterisk.every((s: any) => s.state === 'stale'), 'the servers of a stale controller are stale too');
});

test('a controller heartbeat with every server down is no contact with Asterisk for /ready', async () => {
  const ctx = await createTestContext();
  const { buildApp } = await import('@dialer/api');
  const app = await buildApp({ ctx });
  try {
    const beat = (connected: boolean) => ({ v: 1, id: `x${connected}`, type: 'ari.controller.heartbeat', time: new Date().toISOString(), tenantId: 'system', source: 'ari-z', data: { nodeId: 'ari-z', startedAtMs: 1, intervalMs: 2000, draining: false, activeCalls: 0, servers: [{ id: 'default', url: 'http://127.0.0.1:8088', connected }] } });
    await ctx.bus.publish(beat(false) as unknown as AnyMessage);
    await new Promise((r) => setImmediate(r));
    assert.equal((await app.inject({ method: 'GET', url: '/ready' })).json().checks.asterisk.ok, false);
    await ctx.bus.publish(beat(true) as unknown as AnyMessage);
    await new Promise((r) => setImmediate(r));
    assert.equal((await app.inject({ method: 'GET', url: '/ready' })).json().checks.asterisk.ok, true);
  } finally {
    await app.close();
    await ctx.close();
  }
});

test('another tenant gets the same health without the infrastructure\'s addresses; agents and developers are refused', async () => {
  const b = await system(t.tokens['b.supervisor']!);
  assert.equal(b.status, 200);
  assert.equal(b.body.view, 'tenant');
  assert.equal(b.body.db.location, null);
  assert.ok(b.body.gateways.length > 0 && b.body.gateways.every((g: any) => g.address === null));
  assert.ok(b.body.asterisk.length > 0 && b.body.asterisk.every((s: any) => s.url === null && s.lastError === null));
  const text = JSON.stringify(b.body);
  for (const secretish of ['10.0.0.7', '10.0.0.9', '127.0.0.1:8088', 'ECONNREFUSED', t.a.tenantId]) assert.ok(!text.includes(secretish), `tenant view leaks ${secretish}`);
  for (const role of ['agent', 'developer']) {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/system', headers: bearer(t.tokens[`a.${role}`]!) });
    assert.equal(res.statusCode, 403);
  }
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/system' })).statusCode, 401);
});
