import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

// The published pacing contract: external simulators import createPacer from the
// built package with plain Node (no tsx, no source condition).
const script = `
import { createPacer } from '@dialer/core';
const out = {};
for (const mode of ['predictive', 'progressive', 'ratio']) {
  const p = createPacer({ mode, targetAbandonRate: 0.03, ratio: 2 });
  p.observe({ type: 'dialed', atMs: 0, callId: 'a' });
  p.observe({ type: 'answered', atMs: 9000, callId: 'a', by: 'human' });
  p.observe({ type: 'connected', atMs: 9100, callId: 'a' });
  p.observe({ type: 'agent_released', atMs: 200000, talkMs: 170000, wrapMs: 20900 });
  p.observe({ type: 'dialed', atMs: 200000, callId: 'b' });
  p.observe({ type: 'unanswered', atMs: 225000, callId: 'b', reason: 'no_answer' });
  p.observe({ type: 'abandoned', atMs: 226000, callId: 'c' });
  out[mode] = p.decide({ nowMs: 230000, agentsAvailable: 5, agentsReady: 3, agentsOnCall: 2, agentsWrapUp: 0, callsDialing: 1, callsWaiting: 0 });
}
process.stdout.write(JSON.stringify(out));
`;

test('after npm run build, plain Node imports createPacer from @dialer/core and drives it', { skip: !existsSync(join(repo, 'core', 'dist', 'index.js')) && 'run `npm run build` first' }, () => {
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, env: { ...process.env, NODE_OPTIONS: '' } }).toString()) as Record<string, number>;
  for (const mode of ['predictive', 'progressive', 'ratio']) {
    assert.ok(Number.isInteger(out[mode]) && out[mode]! >= 0, `${mode} → ${out[mode]}`);
  }
  assert.equal(out['progressive'], 2, 'three ready agents, one line ringing');
  assert.ok(out['predictive']! >= out['progressive']!, 'predictive never dials below progressive');
});
