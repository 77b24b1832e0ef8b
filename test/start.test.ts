import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@dialer/core/testing';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const start = join(repo, 'scripts', 'start.mjs');

test('npm start: one process serves /health, waits quietly for Asterisk, and stops cleanly on SIGTERM', { skip: !existsSync(join(repo, 'api', 'dist', 'index.js')) && 'run `npm run build` first' }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dialer-start-'));
  const child = spawn(process.execPath, [start], {
    cwd: repo,
    env: { ...process.env, API_PORT: '0', MEDIA_RTP_PORT: '0', DATA_DIR: dataDir, ARI_URL: 'http://127.0.0.1:1', LOG_LEVEL: 'info', DATABASE_URL: '', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (l) => {
    try {
      logs.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      logs.push({ raw: l });
    }
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  try {
    const listening = await waitFor(() => logs.find((l) => l['msg'] === 'api listening'), 30_000);
    const port = listening['port'] as number;
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    assert.equal(ready.status, 200, await ready.clone().text());
    // Retries at about 1 s and 3 s: still exactly one "waiting" line.
    await new Promise((r) => setTimeout(r, 3500));
    const waiting = logs.filter((l) => String(l['msg']).startsWith('waiting for Asterisk ARI at http://127.0.0.1:1'));
    assert.equal(waiting.length, 1);
    assert.ok(existsSync(join(dataDir, 'dialer.sqlite')));

    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.ok(logs.some((l) => l['msg'] === 'draining'));
    assert.ok(logs.some((l) => l['msg'] === 'stopped'));
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a bad configuration lists every problem and exits 78 without starting', { skip: !existsSync(join(repo, 'api', 'dist', 'index.js')) && 'run `npm run build` first' }, async () => {
  const child = spawn(process.execPath, [start], {
    cwd: repo,
    env: { ...process.env, API_PORT: 'eighty', LOG_LEVEL: 'loud', STT_PROVIDERS: 'deepgram', DEEPGRAM_API_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  assert.equal(code, 78);
  assert.match(stderr, /3 problems/);
  assert.match(stderr, /API_PORT/);
  assert.match(stderr, /LOG_LEVEL/);
  assert.match(stderr, /DEEPGRAM_API_KEY: is required because STT_PROVIDERS lists deepgram/);
});
