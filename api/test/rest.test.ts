import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DialerError, type AnyMessage } from '@dialer/core';
import { bearer, testApp } from './helpers.js';

let t: Awaited<ReturnType<typeof testApp>>;
let dataDir: string;
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dialer-api-'));
  t = await testApp({ dataDir, commandTimeoutMs: 300, config: { bodyLimitBytes: 4096 } });
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('invalid input gets a 400 with every field error; oversized bodies 413; unknown ids 404', async () => {
  const bad = await t.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: bearer(t.tokens['a.admin']!), payload: { dialMode: 'turbo', maxAttempts: -1, extra: 1 } });
  assert.equal(bad.statusCode, 400);
  const err = bad.json().error;
  assert.equal(err.code, 'DIALER_ERR_VALIDATION');
  const paths = (err.details as { path: string }[]).map((d) => d.path).sort();
  for (const p of ['/name', '/dialMode', '/maxAttempts', '/extra']) assert.ok(paths.includes(p), `${p} in ${paths.join(',')}`);
  const big = await t.app.inject({ method: 'POST', url: '/api/v1/teams', headers: { ...bearer(t.tokens['a.admin']!), 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(8000) }) });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().error.code, 'DIALER_ERR_PAYLOAD_TOO_LARGE');
  const missing = await t.app.inject({ method: 'GET', url: '/api/v1/campaigns/0190c1d2-0000-7000-8000-00000000dead', headers: bearer(t.tokens['a.admin']!) });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'DIALER_ERR_NOT_FOUND');
  const cursor = await t.app.inject({ method: 'GET', url: '/api/v1/calls?cursor=not-a-cursor', headers: bearer(t.tokens['a.admin']!) });
  assert.equal(cursor.statusCode, 400);
});

test('a campaign\'s required skill is set, read back, cleared, and validated', async () => {
  const h = bearer(t.tokens['a.admin']!);
  const made = await t.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: h, payload: { name: 'Spanish line', requiredSkill: 'spanish' } });
  assert.ok(made.statusCode === 200 || made.statusCode === 201, made.body);
  const id = made.json().id as string;
  assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${id}`, headers: h })).json().requiredSkill, 'spanish');
  const cleared = await t.app.inject({ method: 'PATCH', url: `/api/v1/campaigns/${id}`, headers: h, payload: { requiredSkill: null } });
  assert.equal(cleared.statusCode, 200, cleared.body);
  assert.equal(cleared.json().requiredSkill, null);
  const bad = await t.app.inject({ method: 'PATCH', url: `/api/v1/campaigns/${id}`, headers: h, payload: { requiredSkill: 'x'.repeat(65) } });
  assert.equal(bad.statusCode, 400);
  assert.ok((bad.json().error.details as { path: string }[]).some((d) => d.path === '/requiredSkill'));
});

test('a three-way needs no target (it joins the consult under way); blind and warm do', async () => {
  const seen: AnyMessage[] = [];
  const off = await t.ctx.bus.handle('cmd.call.transfer', async (m) => {
    seen.push(m);
    return { state: m.data.action };
  });
  try {
    const url = `/api/v1/calls/${t.a.callId}/transfer`;
    const h = bearer(t.tokens['a.agent']!);
    const three = await t.app.inject({ method: 'POST', url, headers: h, payload: { action: 'three_way' } });
    assert.equal(three.statusCode, 200, three.body);
    assert.deepEqual(seen[0]!.data, { callId: t.a.callId, action: 'three_way' });
    for (const action of ['blind', 'warm']) {
      const r = await t.app.inject({ method: 'POST', url, headers: h, payload: { action } });
      assert.equal(r.statusCode, 400, `${action}: ${r.body}`);
      assert.equal(r.json().error.details[0].path, '/target');
    }
    assert.equal(seen.length, 1);
  } finally {
    await off();
  }
});

test('every response carries its request id: the caller\'s X-Request-Id, or a new one', async () => {
  const given = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'req-123' } });
  assert.equal(given.headers['x-request-id'], 'req-123');
  const fresh = await t.app.inject({ method: 'GET', url: '/api/v1/nope' });
  assert.match(String(fresh.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});

test('lists page with a cursor, newest first, without repeats', async () => {
  const h = bearer(t.tokens['a.admin']!);
  for (let i = 0; i < 5; i++) assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/teams', headers: h, payload: { name: `Paged ${i}` } })).statusCode, 201);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res: { statusCode: number; json: () => unknown } = await t.app.inject({ method: 'GET', url: `/api/v1/teams?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: h });
    assert.equal(res.statusCode, 200);
    const body = res.json() as { items: { id: string; name: string }[]; nextCursor: string | null };
    assert.ok(body.items.length <= 2);
    seen.push(...body.items.map((x) => x.name));
    cursor = body.nextCursor;
  } while (cursor);
  assert.equal(seen.length, 7); // Team A, Team B and the five above
  assert.equal(new Set(seen).size, 7);
  assert.equal(seen[0], 'Paged 4');
});

test('campaign start/pause/stop: status, audit row, and campaign.state on the bus; wrong transitions are 409', async () => {
  const seen: AnyMessage[] = [];
  const unsub = await t.ctx.bus.subscribe('campaign.state', (m) => void seen.push(m));
  const h = bearer(t.tokens['a.supervisor']!);
  const start = await t.app.inject({ method: 'POST', url: `/api/v1/campaigns/${t.a.campaignId}/start`, headers: h });
  assert.equal(start.statusCode, 200, start.body);
  assert.equal(start.json().status, 'running');
  const again = await t.app.inject({ method: 'POST', url: `/api/v1/campaigns/${t.a.campaignId}/start`, headers: h });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().error.code, 'DIALER_ERR_CAMPAIGN_STATE');
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/campaigns/${t.a.campaignId}/pause`, headers: h })).json().status, 'paused');
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/campaigns/${t.a.campaignId}/stop`, headers: h })).json().status, 'stopped');
  await new Promise((r) => setImmediate(r));
  await unsub();
  assert.deepEqual(
    seen.map((m) => [m.tenantId, (m.data as { status: string }).status, (m.data as { previous: string }).previous]),
    [[t.a.tenantId, 'running', 'stopped'], [t.a.tenantId, 'paused', 'running'], [t.a.tenantId, 'stopped', 'paused']],
  );
  const audit = await t.app.inject({ method: 'GET', url: `/api/v1/audit?entity=campaign&entityId=${t.a.campaignId}`, headers: bearer(t.tokens['a.admin']!) });
  const rows = audit.json().items as { action: string; actorId: string; requestId: string }[];
  assert.deepEqual(rows.map((r) => r.action), ['campaign.stop', 'campaign.pause', 'campaign.start']);
  assert.equal(rows[0]!.actorId, t.a.users.supervisor.id);
  assert.ok(rows[0]!.requestId);
});

test('call actions become typed bus commands; the controller\'s reply or coded error comes back, a silent controller is a 504', async () => {
  const got: AnyMessage[] = [];
  const u1 = await t.ctx.bus.handle('cmd.call.hangup', async (m) => {
    got.push(m);
    return { hungUp: m.data.callId };
  });
  const u2 = await t.ctx.bus.handle('cmd.call.transfer', async () => {
    throw new DialerError('DIALER_ERR_NO_AGENT', 'nobody free in that queue');
  });
  const u3 = await t.ctx.bus.handle('cmd.call.monitor', async (m) => ({ mode: m.data.mode, by: m.data.supervisorId }));
  try {
    const hang = await t.app.inject({ method: 'POST', url: `/api/v1/calls/${t.a.callId}/hangup`, headers: bearer(t.tokens['a.agent']!), payload: { reason: 'done' } });
    assert.equal(hang.statusCode, 200, hang.body);
    assert.deepEqual(hang.json(), { ok: true, result: { hungUp: t.a.callId } });
    assert.equal(got[0]!.tenantId, t.a.tenantId);
    assert.deepEqual(got[0]!.data, { callId: t.a.callId, reason: 'done' });
    const xfer = await t.app.inject({ method: 'POST', url: `/api/v1/calls/${t.a.callId}/transfer`, headers: bearer(t.tokens['a.agent']!), payload: { action: 'blind', target: { kind: 'queue', campaignId: t.a.campaignId } } });
    assert.equal(xfer.statusCode, 409);
    assert.equal(xfer.json().error.code, 'DIALER_ERR_NO_AGENT');
    assert.equal(xfer.json().error.retryable, true);
    const listen = await t.app.inject({ method: 'POST', url: `/api/v1/calls/${t.a.callId}/listen`, headers: bearer(t.tokens['a.supervisor']!) });
    assert.deepEqual(listen.json(), { ok: true, result: { mode: 'listen', by: t.a.users.supervisor.id } });
    // No controller answers holds: the bus times out.
    const hold = await t.app.inject({ method: 'POST', url: `/api/v1/calls/${t.a.callId}/hold`, headers: bearer(t.tokens['a.agent']!), payload: { hold: true } });
    assert.equal(hold.statusCode, 504);
    assert.equal(hold.json().error.code, 'DIALER_ERR_BUS_TIMEOUT');
    // The agent of team B cannot act on this call; a supervisor of another team neither.
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/calls/${t.a.callId}/hangup`, headers: bearer(t.tokens['a.agent2']!), payload: {} })).statusCode, 404);
  } finally {
    await u1();
    await u2();
    await u3();
  }
});

test('originate: an agent dials as itself; the command carries the agent, campaign and lead', async () => {
  let data: unknown;
  const u = await t.ctx.bus.handle('cmd.call.originate', async (m) => {
    data = m.data;
    return { callId: 'c-new' };
  });
  try {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/calls', headers: bearer(t.tokens['a.agent']!), payload: { phone: '+12125550111', campaignId: t.a.campaignId, leadId: t.a.leadId } });
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(res.json(), { ok: true, result: { callId: 'c-new' } });
    assert.deepEqual(data, { phone: '+12125550111', campaignId: t.a.campaignId, leadId: t.a.leadId, agentId: t.a.agentId });
    const other = await t.app.inject({ method: 'POST', url: '/api/v1/calls', headers: bearer(t.tokens['a.agent']!), payload: { phone: '+12125550111', agentId: t.a.agent2Id } });
    assert.equal(other.statusCode, 403);
    const otherCampaign = await t.app.inject({ method: 'POST', url: '/api/v1/calls', headers: bearer(t.tokens['a.agent']!), payload: { phone: '+12125550111', campaignId: t.a.otherCampaignId } });
    assert.equal(otherCampaign.statusCode, 404);
  } finally {
    await u();
  }
});

test('WebRTC: the browser offer is relayed to the gateway and its SDP answer returned; sessions are tenant-bound', async () => {
  let offer: { sessionId: string; role: string; agentId?: string; sdp: string } | undefined;
  const u1 = await t.ctx.bus.handle('cmd.media.webrtc.offer', async (m) => {
    offer = m.data;
    return { sdp: 'v=0\r\nanswer', legId: 'leg-1' };
  });
  const u2 = await t.ctx.bus.handle('cmd.media.webrtc.close', async () => ({}));
  try {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/webrtc/offer', headers: bearer(t.tokens['a.agent']!), payload: { sdp: 'v=0\r\noffer from browser' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().sdp, 'v=0\r\nanswer');
    assert.equal(res.json().legId, 'leg-1');
    assert.equal(offer!.role, 'agent');
    assert.equal(offer!.agentId, t.a.agentId);
    assert.equal(offer!.sessionId, res.json().sessionId);
    const sid = res.json().sessionId as string;
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/webrtc/sessions/${sid}`, headers: bearer(t.tokens['b.agent']!) })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/webrtc/sessions/${sid}`, headers: bearer(t.tokens['a.agent']!) })).statusCode, 204);
  } finally {
    await u1();
    await u2();
  }
});

test('recordings download with auth and HTTP ranges, also through a short-lived download URL', async () => {
  const file = join(dataDir, 'recordings', `${t.a.recordingId}.wav`);
  mkdirSync(join(dataDir, 'recordings'), { recursive: true });
  const bytes = Buffer.from(Array.from({ length: 44 }, (_, i) => i));
  writeFileSync(file, bytes);
  const url = `/api/v1/recordings/${t.a.recordingId}/download`;
  const full = await t.app.inject({ method: 'GET', url, headers: bearer(t.tokens['a.agent']!) });
  assert.equal(full.statusCode, 200);
  assert.deepEqual(full.rawPayload, bytes);
  assert.equal(full.headers['accept-ranges'], 'bytes');
  const part = await t.app.inject({ method: 'GET', url, headers: { ...bearer(t.tokens['a.agent']!), range: 'bytes=10-19' } });
  assert.equal(part.statusCode, 206);
  assert.equal(part.headers['content-range'], 'bytes 10-19/44');
  assert.deepEqual(part.rawPayload, bytes.subarray(10, 20));
  const tail = await t.app.inject({ method: 'GET', url, headers: { ...bearer(t.tokens['a.agent']!), range: 'bytes=-4' } });
  assert.deepEqual(tail.rawPayload, bytes.subarray(40));
  assert.equal((await t.app.inject({ method: 'GET', url, headers: { ...bearer(t.tokens['a.agent']!), range: 'bytes=100-' } })).statusCode, 416);
  assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 401);
  assert.equal((await t.app.inject({ method: 'GET', url, headers: bearer(t.tokens['a.agent2']!) })).statusCode, 404);
  const signed = await t.app.inject({ method: 'POST', url: `/api/v1/recordings/${t.a.recordingId}/download-url`, headers: bearer(t.tokens['a.agent']!) });
  const viaUrl = await t.app.inject({ method: 'GET', url: signed.json().url });
  assert.equal(viaUrl.statusCode, 200);
  assert.deepEqual(viaUrl.rawPayload, bytes);
  const wrong = await t.app.inject({ method: 'GET', url: signed.json().url.replace(t.a.recordingId, t.a.otherRecordingId) });
  assert.equal(wrong.statusCode, 403);
});

test('the OpenAPI document is generated from the route schemas and served at /api/docs', async () => {
  const doc = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
  assert.equal(doc.statusCode, 200);
  const spec = doc.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>> };
  assert.match(spec.openapi, /^3\./);
  assert.ok(spec.paths['/api/v1/campaigns/{id}/start']?.['post'], 'campaign start documented');
  assert.ok(spec.paths['/api/v1/campaigns']?.['post']?.requestBody, 'request bodies documented');
  assert.ok(Object.keys(spec.paths).length > 50);
  const ui = await t.app.inject({ method: 'GET', url: '/api/docs/' });
  assert.equal(ui.statusCode, 200);
  assert.match(ui.headers['content-type'] as string, /text\/html/);
});

test('security headers are set, and CORS answers only configured origins', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } });
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.ok(res.headers['content-security-policy']);
  assert.equal(res.headers['access-control-allow-origin'], undefined);
  const t2 = await testApp({ config: { corsOrigins: ['https://crm.example.com'] } });
  try {
    const pre = await t2.app.inject({ method: 'OPTIONS', url: '/api/v1/calls', headers: { origin: 'https://crm.example.com', 'access-control-request-method': 'GET' } });
    assert.equal(pre.headers['access-control-allow-origin'], 'https://crm.example.com');
    const no = await t2.app.inject({ method: 'OPTIONS', url: '/api/v1/calls', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.notEqual(no.headers['access-control-allow-origin'], 'https://evil.example');
  } finally {
    await t2.close();
  }
});
