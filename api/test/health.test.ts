import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '@dialer/api';
import { createTestContext } from '@dialer/core/testing';

test('GET /health answers while the process is up', async () => {
  const ctx = await createTestContext();
  const app = await buildApp({ ctx, bodyLimitBytes: 1024 * 1024 });
  const res = await app.inject({ method: 'GET', url: '/health' });
  assert.equal(res.statusCode, 200);
  const body = res.json() as { status: string; service: string; nodeId: string };
  assert.equal(body.status, 'ok');
  assert.equal(body.nodeId, 'test-node');
  await app.close();
  await ctx.close();
});

test('GET /ready checks the database, the bus and registered checks', async () => {
  const ctx = await createTestContext();
  let ariDown = true;
  let draining = false;
  const app = await buildApp({
    ctx,
    bodyLimitBytes: 1024,
    isDraining: () => draining,
    checks: new Map([['asterisk', async () => (ariDown ? 'no contact with Asterisk for 12 s' : null)]]),
  });
  let res = await app.inject({ method: 'GET', url: '/ready' });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json().checks.asterisk, { ok: false, reason: 'no contact with Asterisk for 12 s' });
  assert.equal(res.json().checks.db.ok, true);
  ariDown = false;
  res = await app.inject({ method: 'GET', url: '/ready' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().status, 'ready');
  draining = true;
  res = await app.inject({ method: 'GET', url: '/ready' });
  assert.equal(res.statusCode, 503);
  draining = false;
  await ctx.bus.close();
  res = await app.inject({ method: 'GET', url: '/ready' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().checks.bus.ok, false);
  await app.close();
  await ctx.close();
});

test('an unknown route gets a 404 in the coded error shape', async () => {
  const ctx = await createTestContext();
  const app = await buildApp({ ctx, bodyLimitBytes: 1024 });
  const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
  assert.equal(res.statusCode, 404);
  assert.deepEqual(res.json(), { error: { code: 'DIALER_ERR_NOT_FOUND', message: 'no route GET /nope', retryable: false } });
  await app.close();
  await ctx.close();
});
