import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runDaemons, silentLogger, type Daemon } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';

const script = fileURLToPath(new URL('./fixtures/daemon-runner.ts', import.meta.url));

function run(drainMs: number, drainTimeoutMs: number): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=dialer-source', script, String(drainMs), String(drainTimeoutMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, lines, exited };
}

test('SIGTERM drains every daemon, closes them in reverse order, then exits 0', async () => {
  const { child, lines, exited } = run(300, 5000);
  await waitFor(() => lines.includes('ready'), 20_000);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.deepEqual(lines, ['start a', 'start b', 'ready', 'drain a', 'drain b', 'drained b', 'close b 1', 'close a 1', 'shared closed', 'exit 0']);
});

test('a drain that outlasts the timeout is cut short', async () => {
  const { child, lines, exited } = run(60_000, 200);
  await waitFor(() => lines.includes('ready'), 20_000);
  const t0 = Date.now();
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(Date.now() - t0 < 5000);
  assert.ok(lines.includes('close b 1') && lines.includes('close a 1'));
});

test('a second signal exits at once with code 1', async () => {
  const { child, lines, exited } = run(60_000, 60_000);
  await waitFor(() => lines.includes('ready'), 20_000);
  child.kill('SIGTERM');
  await waitFor(() => lines.includes('drain b'));
  child.kill('SIGTERM');
  assert.equal(await exited, 1);
  assert.ok(!lines.includes('close b 1'), 'the second signal must not wait for close');
});

test('a daemon that fails to start closes those already started and exits 1', async () => {
  const steps: string[] = [];
  const mk = (name: string, fail = false): Daemon => ({
    name,
    start: async () => {
      if (fail) throw new Error('port in use');
      steps.push(`start ${name}`);
    },
    drain: async () => undefined,
    close: async () => {
      steps.push(`close ${name}`);
    },
  });
  let code: number | undefined;
  const r = runDaemons([mk('a'), mk('b', true), mk('c')], { log: silentLogger(), drainTimeoutMs: 100, signals: [], exit: (c) => (code = c) });
  await assert.rejects(r.started, /port in use/);
  assert.equal(code, 1);
  assert.deepEqual(steps, ['start a', 'close a']);
});
