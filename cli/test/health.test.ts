import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runCli, startApi, tempHome, type TestApi } from './helpers.js';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const home = tempHome();
let api: TestApi;

before(async () => {
  api = await startApi();
});
after(async () => {
  await api.stop();
  home.cleanup();
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function spawnCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=dialer-source', main, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'], HOME: home.dir, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

test('health prints each readiness check of the real API and --json is machine-readable', async () => {
  const r = await runCli(['--url', api.url, '--json', 'health'], { home: home.dir });
  const doc = JSON.parse(r.out) as { health: { status: string }; ready: { checks: Record<string, { ok: boolean; required?: boolean }> } };
  assert.equal(doc.health.status, 'ok');
  assert.equal(doc.ready.checks['db']?.ok, true);
  assert.equal(doc.ready.checks['bus']?.ok, true);
  // With no Asterisk or gateway heard from, those checks are reported but (by default) not required.
  assert.equal(r.code, Object.values(doc.ready.checks).every((c) => c.ok || c.required === false) ? 0 : 3);

  const human = await runCli(['--url', api.url, 'health'], { home: home.dir });
  assert.match(human.out, /^db\s+ok$/m);
  assert.match(human.out, /^bus\s+ok$/m);
});

test('the installed binary exits 0 against a ready API and reads DIALER_URL', async () => {
  const r = await spawnCli(['health'], { DIALER_URL: api.url });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`api\\s+${api.url.replace(/[.:/]/g, '\\$&')}\\s+up`));
});

test('health exits 4 with a clear message when the API is unreachable', async () => {
  const port = await closedPort();
  const r = await spawnCli(['--url', `http://127.0.0.1:${port}`, 'health']);
  assert.equal(r.code, 4);
  assert.match(r.err, new RegExp(`cannot reach the API at http://127\\.0\\.0\\.1:${port}: connection refused`));
});

test('a bad --url is a usage error (exit 2), an unknown command too', async () => {
  const bad = await runCli(['--url', 'not a url', 'health'], { home: home.dir });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /is not a URL/);
  const unknown = await runCli(['frobnicate'], { home: home.dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command 'frobnicate'/);
});
