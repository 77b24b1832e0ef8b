import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gauge, register } from 'prom-client';
import { testApp } from './helpers.js';

test('the console is served at /, with index.html for its client-side routes; API paths stay JSON 404s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dialer-console-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dialer</title>');
  writeFileSync(join(dir, 'app.js'), 'console.log(1)');
  const t = await testApp({ config: { consoleDir: dir } });
  try {
    const root = await t.app.inject({ method: 'GET', url: '/' });
    assert.equal(root.statusCode, 200);
    assert.match(root.body, /<title>dialer/);
    assert.equal((await t.app.inject({ method: 'GET', url: '/app.js' })).body, 'console.log(1)');
    const deep = await t.app.inject({ method: 'GET', url: '/agent/calls/42', headers: { accept: 'text/html' } });
    assert.equal(deep.statusCode, 200);
    assert.match(deep.body, /<title>dialer/);
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: { accept: 'text/html' } });
    assert.equal(api.statusCode, 404);
    assert.equal(api.json().error.code, 'DIALER_ERR_NOT_FOUND');
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a built console, / explains where the API is', async () => {
  const t = await testApp({ config: { consoleDir: join(tmpdir(), 'no-such-console-dir') } });
  try {
    const res = await t.app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 503);
    assert.match(res.json().error.message, /not built/);
  } finally {
    await t.close();
  }
});

test('/metrics also carries what other daemons of the process put on the default registry', async () => {
  const g = new Gauge({ name: 'dialer_media_test_gauge', help: 'from another daemon' });
  g.set(7);
  const t = await testApp();
  try {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(res.body, /dialer_media_test_gauge 7/);
    assert.match(res.body, /dialer_api_ws_clients/);
  } finally {
    register.removeSingleMetric('dialer_media_test_gauge');
    await t.close();
  }
});
