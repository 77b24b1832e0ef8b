#!/usr/bin/env node
// Runs one workspace's tests with node:test through tsx.
// Node 20's `node --test DIR` finds no .ts files and exits 0, so we list the
// files ourselves and fail when there are none.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = process.cwd();
const args = process.argv.slice(2);
const explicit = args.filter((a) => !a.startsWith('--'));
const passthrough = args.filter((a) => a.startsWith('--'));

function walk(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'fixtures' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = (explicit.length > 0 ? explicit : walk(join(root, 'test'))).map((f) => relative(root, f)).sort();
if (files.length === 0) {
  console.error(`run-tests: no test files (test/**/*.test.ts) in ${relative(process.env.INIT_CWD ?? root, root) || '.'}`);
  process.exit(1);
}

const concurrency = process.env.TEST_CONCURRENCY ?? '1';
const timeout = process.env.TEST_TIMEOUT_MS ?? '180000';
const nodeArgs = [
  '--import',
  'tsx',
  '--conditions=dialer-source',
  '--test',
  `--test-concurrency=${concurrency}`,
  `--test-timeout=${timeout}`,
  ...passthrough,
  ...files,
];
const child = spawn(process.execPath, nodeArgs, { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
