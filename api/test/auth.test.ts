import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedClock, createTestContext } from '@dialer/core/testing';
import { bearer, PASSWORD, testApp } from './helpers.js';

test('login issues an access token that authenticates, and /auth/me reports the caller', async () => {
  const { app, a, tokens, close } = await testApp();
  try {
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokens['a.agent']!) });
    assert.equal(me.statusCode, 200, me.body);
    assert.deepEqual({ role: me.json().role, tenantId: me.json().tenantId, agentId: me.json().agentId, email: me.json().email }, { role: 'agent', tenantId: a.tenantId, agentId: a.agentId, email: a.users.agent.email });
    const none = await app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'DIALER_ERR_UNAUTHORIZED');
    const forged = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokens['a.agent']!.slice(0, -3) + 'AAA') });
    assert.equal(forged.statusCode, 401);
  } finally {
    await close();
  }
});

test('refresh tokens rotate, and reusing a rotated one revokes the whole login', async () => {
  const { app, a, close } = await testApp();
  try {
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.users.admin.email, password: PASSWORD } });
    const first = login.json().refreshToken as string;
    const r1 = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first } });
    assert.equal(r1.statusCode, 200);
    const second = r1.json().refreshToken as string;
    assert.notEqual(second, first);
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(r1.json().accessToken) });
    assert.equal(me.json().userId, a.users.admin.id);
    // The stolen first token comes back: refused, and the legitimate second one dies with it.
    const replay = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first } });
    assert.equal(replay.statusCode, 401);
    const after = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: second } });
    assert.equal(after.statusCode, 401);
    // Logout ends a login.
    const l2 = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.users.admin.email, password: PASSWORD } });
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: l2.json().refreshToken } })).statusCode, 204);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: l2.json().refreshToken } })).statusCode, 401);
  } finally {
    await close();
  }
});

test('repeated wrong passwords lock the account (423) until the lockout ends or an admin unlocks it', async () => {
  const clock = new SimulatedClock(Date.UTC(2026, 0, 5, 12));
  const ctx = await createTestContext({ clock });
  const { app, a, tokens, close } = await testApp({ ctx, config: { loginMaxFailures: 3, loginLockoutS: 600, loginRatePerMin: 1000 } });
  try {
    const email = a.users.agent.email;
    for (let i = 0; i < 2; i++) assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'wrong password' } })).statusCode, 401);
    const third = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'wrong password' } });
    assert.equal(third.statusCode, 423);
    assert.equal(third.json().error.code, 'DIALER_ERR_ACCOUNT_LOCKED');
    assert.equal(third.headers['retry-after'], '600');
    // Even the right password is refused while locked.
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } })).statusCode, 423);
    clock.advance(601_000);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } })).statusCode, 200);
    // Lock again, then an admin unlocks.
    for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'nope nope' } });
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } })).statusCode, 423);
    const unlock = await app.inject({ method: 'POST', url: `/api/v1/users/${a.users.agent.id}/unlock`, headers: bearer(tokens['a.admin']!) });
    assert.equal(unlock.statusCode, 200, unlock.body);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } })).statusCode, 200);
  } finally {
    await close();
  }
});

test('logins are rate-limited per client address (429 with Retry-After), and unknown e-mails look like wrong passwords', async () => {
  const { app, close } = await testApp({ config: { loginRatePerMin: 3 } });
  try {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@acme.test', password: 'whatever1' }, remoteAddress: '10.0.0.9' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.message, 'wrong e-mail or password');
    let last = res;
    for (let i = 0; i < 3; i++) last = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: `x${i}@acme.test`, password: 'whatever1' }, remoteAddress: '10.0.0.9' });
    assert.equal(last.statusCode, 429);
    assert.equal(last.json().error.code, 'DIALER_ERR_RATE_LIMITED');
    assert.ok(Number(last.headers['retry-after']) >= 1);
  } finally {
    await close();
  }
});

test('API keys: created once with their secret, scoped, used as bearer or X-API-Key, and revocable', async () => {
  const { app, a, tokens, close } = await testApp();
  try {
    const created = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(tokens['a.developer']!), payload: { name: 'crm', scopes: ['calls:read'] } });
    assert.equal(created.statusCode, 201, created.body);
    const key = created.json().key as string;
    assert.match(key, /^dk_[A-Za-z0-9]{12}_/);
    const row = await app.services.ctx.store.tenant(a.tenantId).selectFrom('api_keys').selectAll().where('id', '=', created.json().apiKey.id).executeTakeFirstOrThrow();
    assert.ok(!row.key_hash.includes(key.slice(16)), 'the key is stored hashed');
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/calls', headers: bearer(key) })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/cdrs', headers: { 'x-api-key': key } })).statusCode, 403, 'scope cdrs:read missing');
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(key) })).statusCode, 403, 'developer role');
    // A developer cannot mint an admin key.
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(tokens['a.developer']!), payload: { name: 'x', role: 'admin', scopes: ['*'] } })).statusCode, 403);
    const del = await app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${created.json().apiKey.id}`, headers: bearer(tokens['a.developer']!) });
    assert.equal(del.statusCode, 204);
    const after = await app.inject({ method: 'GET', url: '/api/v1/calls', headers: bearer(key) });
    assert.equal(after.statusCode, 401);
    assert.match(after.json().error.message, /revoked/);
    const audit = await app.inject({ method: 'GET', url: '/api/v1/audit?entity=api_key', headers: bearer(tokens['a.admin']!) });
    assert.deepEqual(audit.json().items.map((e: { action: string }) => e.action).sort(), ['api_key.created', 'api_key.revoked']);
  } finally {
    await close();
  }
});

test('an access token from another signing key, or expired, is refused', async () => {
  const clock = new SimulatedClock(Date.UTC(2026, 0, 5, 12));
  const ctx = await createTestContext({ clock });
  const { app, tokens, close } = await testApp({ ctx, config: { accessTokenTtlS: 60 } });
  try {
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokens['a.admin']!) })).statusCode, 200);
    clock.advance(61_000);
    const res = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokens['a.admin']!) });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'DIALER_ERR_TOKEN_EXPIRED');
  } finally {
    await close();
  }
});
