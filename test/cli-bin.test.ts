import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

test('after the build, `npx dialerctl` works at the repo root', { skip: !existsSync(join(repo, 'cli', 'dist', 'main.js')) && 'run `npm run build` first' }, () => {
  const r = spawnSync('npx', ['--no-install', 'dialerctl', '--help'], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: dialerctl/);
});
