import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: plain ESM script without types
import { checkTree } from '../scripts/check-deps.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'deps-'));
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), content);
  }
  return root;
}

test('the repository itself passes the dependency-direction check', () => {
  assert.deepEqual(checkTree(repo), []);
});

test('a daemon importing another daemon fails the check', () => {
  const root = tree({ 'api/src/x.ts': "import { createAriDaemon } from '@dialer/ari-controller';\n" });
  try {
    const v = checkTree(root) as string[];
    assert.equal(v.length, 1);
    assert.match(v[0]!, /api\/src\/x\.ts: imports @dialer\/ari-controller \(a daemon may not import another daemon/);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('core importing any workspace fails, by import or by package.json', () => {
  const root = tree({
    'core/src/a.ts': "export { x } from '@dialer/stt-providers';\nconst y = await import('@dialer/api');\n",
    'core/package.json': JSON.stringify({ dependencies: { '@dialer/api': '0.1.0' } }),
  });
  try {
    const v = checkTree(root) as string[];
    assert.equal(v.length, 3);
    assert.ok(v.every((s) => /core/.test(s)));
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('media-gateway may reach stt-providers only from src/main.ts; relative escapes fail', () => {
  const root = tree({
    'media-gateway/src/main.ts': "import { sttSection } from '@dialer/stt-providers';\n",
    'media-gateway/src/pipeline.ts': "import { sttSection } from '@dialer/stt-providers';\n",
    'ari-controller/src/b.ts': "import { buildApp } from '../../api/src/app.js';\n// import '@dialer/api' in a comment is fine\n",
  });
  try {
    const v = checkTree(root) as string[];
    assert.equal(v.length, 2, v.join('\n'));
    assert.ok(v.some((s) => /media-gateway\/src\/pipeline\.ts: .*only src\/main\.ts may import stt-providers/.test(s)));
    assert.ok(v.some((s) => /ari-controller\/src\/b\.ts: imports \.\.\/\.\.\/api\/src\/app\.js, outside its workspace/.test(s)));
  } finally {
    rmSync(root, { recursive: true });
  }
});
