import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

test('browser code takes only types from @dialer/core (nothing of the server is bundled)', () => {
  const offenders: string[] = [];
  for (const f of files(src)) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^\s*import\s+(type\s+)?[^'"]*from\s+['"](@dialer\/[^'"]+)['"]/gm)) {
      if (!m[1]) offenders.push(`${f}: ${m[0].trim()}`);
    }
    if (/import\s*\(\s*['"]@dialer\//.test(text)) offenders.push(`${f}: dynamic import of a workspace`);
  }
  assert.deepEqual(offenders, []);
});

test('browser code uses no Node built-ins', () => {
  const offenders = files(src).filter((f) => /from\s+['"]node:|require\(/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});
