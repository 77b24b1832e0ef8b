import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@dialer/core';
import { createTestContext } from '@dialer/core/testing';
import { apiDefaults, apiSection, bootstrap, createApiDaemon } from '@dialer/api';
import { TEST_COST } from './helpers.js';

test('first start: a default tenant and an admin with a generated password, shown once; later starts change nothing', async () => {
  const ctx = await createTestContext();
  const dataDir = mkdtempSync(join(tmpdir(), 'dialer-boot-'));
  try {
    let shown = '';
    const first = await bootstrap({ store: ctx.store, clock: ctx.clock, log: silentLogger(), adminEmail: 'Root@Example.com', dataDir, passwordCost: TEST_COST, announce: (s) => (shown += s) });
    assert.equal(first.created, true);
    assert.ok(first.generatedPassword && first.generatedPassword.length >= 16);
    assert.ok(shown.includes(first.generatedPassword!));
    const file = join(dataDir, 'initial-admin-password');
    assert.equal(readFileSync(file, 'utf8').trim(), first.generatedPassword);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const tenant = await ctx.store.db.selectFrom('tenants').selectAll().executeTakeFirstOrThrow();
    assert.equal(tenant.slug, 'default');
    const again = await bootstrap({ store: ctx.store, clock: ctx.clock, log: silentLogger(), adminEmail: 'x@example.com', dataDir, announce: () => assert.fail('shown twice') });
    assert.equal(again.created, false);
    assert.equal((await ctx.store.db.selectFrom('users').select('id').execute()).length, 1);
  } finally {
    await ctx.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the daemon bootstraps, listens, lets the admin in with ADMIN_PASSWORD, and drains: /ready turns 503', async () => {
  const ctx = await createTestContext();
  const d = createApiDaemon(ctx, apiDefaults(apiSection, { port: 0, adminEmail: 'ops@example.com', adminPassword: 'a-long-admin-password' }));
  try {
    await d.start();
    const base = `http://127.0.0.1:${d.address()!.port}`;
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops@example.com', password: 'a-long-admin-password' }) });
    assert.equal(login.status, 200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const tenants = await fetch(`${base}/api/v1/tenants`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.deepEqual(((await tenants.json()) as { items: { slug: string; platform: boolean }[] }).items.map((x) => [x.slug, x.platform]), [['default', true]]);
    assert.equal((await fetch(`${base}/ready`)).status, 200);
    await d.drain(AbortSignal.timeout(1000));
    assert.equal((await fetch(`${base}/ready`)).status, 503);
  } finally {
    await d.close();
    await ctx.close();
  }
});
