import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createMessage, SimulatedClock, verifyWebhook, type AnyMessage } from '@dialer/core';
import { createTestContext, waitFor } from '@dialer/core/testing';
import { bearer, PASSWORD, testApp } from './helpers.js';
import { WebhookDispatcher } from '../src/webhooks/dispatcher.js';

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** A developer's endpoint on loopback: records requests, answers with the next status from a script (then 200). */
async function receiver(script: number[] = []): Promise<{ url: string; got: Received[]; server: Server; close: () => Promise<void> }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers as Record<string, string>, body });
      res.statusCode = script.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`;
  return { url, got, server, close: () => new Promise((r) => server.close(() => r())) };
}

async function addEndpoint(t: Awaited<ReturnType<typeof testApp>>, url: string, eventTypes: string[], who = 'a.developer'): Promise<{ id: string; secret: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks/endpoints', headers: bearer(t.tokens[who]!), payload: { url, eventTypes } });
  assert.equal(res.statusCode, 201, res.body);
  return { id: res.json().endpoint.id, secret: res.json().secret };
}

const ended = (tenantId: string, callId: string): AnyMessage =>
  createMessage('call.ended', tenantId, { callId, direction: 'outbound', outcome: 'human', hangupBy: 'customer', abandoned: false, durationMs: 1000, talkMs: 800 });

test('bus events reach subscribed endpoints, signed with Standard Webhooks; other types and tenants do not', async () => {
  const rx = await receiver();
  const t = await testApp({ background: true });
  try {
    const ep = await addEndpoint(t, rx.url, ['call.ended', 'call.transcript.final']);
    await addEndpoint(t, rx.url.replace('/hooks', '/other-tenant'), ['call.ended'], 'b.developer');
    await t.ctx.bus.publish(ended(t.a.tenantId, 'call-1'));
    await t.ctx.bus.publish(createMessage('call.answered', t.a.tenantId, { callId: 'call-1', atMs: 1 }));
    await t.ctx.bus.publish(createMessage('transcript.final', t.a.tenantId, { callId: 'call-1', legId: 'l', speaker: 'customer', segmentId: 's', text: 'I want to cancel', startMs: 0, endMs: 900, provider: 'fake' }));
    await waitFor(() => rx.got.length >= 2, 5000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(rx.got.length, 2);
    assert.ok(rx.got.every((g) => !g.headers['host']!.includes('other-tenant')));
    const types: string[] = [];
    for (const g of rx.got) {
      const { id } = await verifyWebhook({ secret: ep.secret, headers: g.headers, body: g.body });
      const body = JSON.parse(g.body) as { type: string; timestamp: string; eventId: string; data: { callId: string } };
      assert.equal(body.data.callId, 'call-1');
      assert.ok(id);
      types.push(body.type);
    }
    assert.deepEqual(types, ['call.ended', 'call.transcript.final']);
  } finally {
    await t.close();
    await rx.close();
  }
});

test('failures retry with exponential backoff under the same webhook-id, every attempt recorded; then delivered', async () => {
  const rx = await receiver([500, 503]);
  const clock = new SimulatedClock(Date.UTC(2026, 0, 5, 12));
  const t = await testApp({ ctx: await createTestContext({ clock }) });
  try {
    const ep = await addEndpoint(t, rx.url, ['call.ended']);
    const w = t.app.services.worker;
    assert.equal(await t.app.services.webhooks.enqueue(ended(t.a.tenantId, 'c1')), 1);
    await w.runOnce();
    assert.equal(rx.got.length, 1);
    await w.runOnce();
    assert.equal(rx.got.length, 1, 'not before the backoff');
    clock.advance(7_000); // first retry after ~5 s (20 % jitter)
    await w.runOnce();
    assert.equal(rx.got.length, 2);
    clock.advance(7_000);
    await w.runOnce();
    assert.equal(rx.got.length, 2, 'second retry waits ~10 s');
    clock.advance(6_000);
    await w.runOnce();
    assert.equal(rx.got.length, 3);
    const ids = new Set(rx.got.map((g) => g.headers['webhook-id']));
    assert.equal(ids.size, 1, 'one webhook-id across attempts');
    const list = await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/deliveries?endpointId=${ep.id}`, headers: bearer(t.tokens['a.admin']!) });
    const [d] = list.json().items as { id: string; status: string; eventType: string }[];
    assert.ok(d);
    assert.equal(d.status, 'delivered');
    assert.equal(d.id, [...ids][0]);
    const detail = await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/deliveries/${d.id}`, headers: bearer(t.tokens['a.admin']!) });
    assert.deepEqual(detail.json().attemptLog.map((a: { statusCode: number }) => a.statusCode), [500, 503, 200]);
  } finally {
    await t.close();
    await rx.close();
  }
});

test('after the retry window a delivery is dead-lettered; a manual replay sends it again under the same webhook-id', async () => {
  const rx = await receiver(Array(100).fill(500));
  const clock = new SimulatedClock(Date.UTC(2026, 0, 5, 12));
  const t = await testApp({ ctx: await createTestContext({ clock }) });
  try {
    const ep = await addEndpoint(t, rx.url, ['call.ended']);
    const w = t.app.services.worker;
    await t.app.services.webhooks.enqueue(ended(t.a.tenantId, 'c1'));
    for (let h = 0; h < 26; h++) {
      await w.runOnce();
      clock.advance(3600_000);
    }
    await w.runOnce();
    // A day has passed: the seeded access tokens expired, log in again.
    const fresh = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: t.a.users.developer.email, password: PASSWORD } })).json().accessToken as string;
    const dead = await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/deliveries?status=dead&endpointId=${ep.id}`, headers: bearer(fresh) });
    const [d] = dead.json().items as { id: string; attempts: number }[];
    assert.ok(d, 'dead-lettered');
    assert.ok(d.attempts >= 10 && d.attempts < 40, `attempts ${d.attempts} over a day with backoff`);
    const before = rx.got.length;
    await w.runOnce();
    clock.advance(7200_000);
    await w.runOnce();
    assert.equal(rx.got.length, before, 'a dead letter is not retried');
    rx.got.length = 0;
    // The receiver is fixed: replay.
    rx.server.removeAllListeners('request');
    rx.server.on('request', (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        rx.got.push({ headers: req.headers as Record<string, string>, body });
        res.statusCode = 204;
        res.end();
      });
    });
    const fresher = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: t.a.users.developer.email, password: PASSWORD } })).json().accessToken as string;
    const replay = await t.app.inject({ method: 'POST', url: `/api/v1/webhooks/deliveries/${d.id}/replay`, headers: bearer(fresher) });
    assert.equal(replay.statusCode, 202, replay.body);
    await w.runOnce();
    assert.equal(rx.got.length, 1);
    assert.equal(rx.got[0]!.headers['webhook-id'], d.id);
    const after = await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/deliveries/${d.id}`, headers: bearer(fresher) });
    assert.equal(after.json().status, 'delivered');
  } finally {
    await t.close();
    await rx.close();
  }
});

test('deliveries to one endpoint keep their order: a failing head holds back the next; 410 dead-letters at once', async () => {
  const rx = await receiver([500, 410]);
  const clock = new SimulatedClock(Date.UTC(2026, 0, 5, 12));
  const t = await testApp({ ctx: await createTestContext({ clock }) });
  try {
    await addEndpoint(t, rx.url, ['call.ended']);
    const w = t.app.services.worker;
    await t.app.services.webhooks.enqueue(ended(t.a.tenantId, 'first'));
    clock.advance(1);
    await t.app.services.webhooks.enqueue(ended(t.a.tenantId, 'second'));
    await w.runOnce();
    assert.deepEqual(rx.got.map((g) => JSON.parse(g.body).data.callId), ['first']);
    clock.advance(7_000);
    await w.runOnce(); // "first" gets 410: dead at once; "second" then goes out
    assert.deepEqual(rx.got.map((g) => JSON.parse(g.body).data.callId), ['first', 'first', 'second']);
    const dead = await t.app.inject({ method: 'GET', url: '/api/v1/webhooks/deliveries?status=dead', headers: bearer(t.tokens['a.admin']!) });
    assert.ok((dead.json().items as { lastStatusCode: number }[]).some((x) => x.lastStatusCode === 410));
  } finally {
    await t.close();
    await rx.close();
  }
});

test('a delivery is created once per endpoint and event, however many API nodes hear the event', async () => {
  const t = await testApp();
  try {
    const ep = await addEndpoint(t, 'http://127.0.0.1:9/x', ['call.ended']);
    const msg = ended(t.a.tenantId, 'c1');
    const otherNode = new WebhookDispatcher(t.ctx.store, t.ctx.clock, t.ctx.log, 86_400_000, () => undefined);
    await Promise.all([t.app.services.webhooks.enqueue(msg), otherNode.enqueue(msg), t.app.services.webhooks.enqueue(msg)]);
    const rows = await t.ctx.store.tenant(t.a.tenantId).selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', ep.id).execute();
    assert.equal(rows.length, 1);
  } finally {
    await t.close();
  }
});
