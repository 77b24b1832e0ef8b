import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeSettings } from '@dialer/core';
import { ALL_SECTIONS } from '../scripts/sections.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');

test('the README documents every setting of every daemon', () => {
  const missing = describeSettings(ALL_SECTIONS)
    .map((r) => r.env)
    .filter((env) => !readme.includes(`\`${env}\``));
  assert.deepEqual(missing, []);
});

test('the README quick start shows exactly the two commands', () => {
  const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 5));
  const commands = [...quick.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
  assert.deepEqual(commands, ['npm ci && npm start', 'npm test']);
});

test('CI installs what the tests need and runs the README test command', () => {
  const ci = readFileSync(join(repo, '.ci', 'run'), 'utf8');
  for (const pkg of ['chromium', 'espeak-ng', 'sox']) assert.match(ci, new RegExp(pkg));
  assert.match(ci, /npm ci/);
  assert.match(ci, /npm test/);
  assert.ok(existsSync(join(repo, 'package-lock.json')));
});
