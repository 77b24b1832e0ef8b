import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARI_OPERATIONS, ARI_EVENT_TYPES } from '../src/ari/index.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = process.env['ARI_SCHEMA_DIR'] ?? join(pkg, '..', '..', 'shared', 'asterisk-ari-schema');
const haveSchema = existsSync(join(schemaDir, 'channels.json'));

test('the committed client, models and operations table are what the generator makes from the schema', { skip: !haveSchema && `no ARI schema at ${schemaDir} (../shared is not part of a clone); skipping the freshness check` }, async () => {
  const gen = (await import(join(pkg, 'scripts', 'gen-ari.mjs'))) as { generate(dir: string): Record<string, string> };
  const files = gen.generate(schemaDir);
  assert.equal(Object.keys(files).length, 3);
  for (const [rel, text] of Object.entries(files)) {
    assert.equal(readFileSync(join(pkg, rel), 'utf8'), text, `${rel} is stale: run npm run gen:ari -w @dialer/ari-controller`);
  }
});

test('the operations table carries the parameters and allowed values the simulator validates against', () => {
  const ext = ARI_OPERATIONS['channels.externalMedia'];
  assert.equal(ext.method, 'POST');
  assert.equal(ext.path, '/channels/externalMedia');
  const enc = ext.params.find((p) => p.name === 'encapsulation');
  assert.deepEqual(enc && 'values' in enc ? enc.values : undefined, ['rtp', 'audiosocket', 'none']);
  assert.ok(ext.params.some((p) => p.name === 'format' && p.required));
  const snoop = ARI_OPERATIONS['channels.snoopChannel'];
  const spy = snoop.params.find((p) => p.name === 'spy');
  assert.deepEqual(spy && 'values' in spy ? spy.values : undefined, ['none', 'both', 'out', 'in']);
  assert.ok(ARI_EVENT_TYPES.includes('StasisStart'));
  assert.ok(ARI_EVENT_TYPES.includes('ChannelDestroyed'));
});
