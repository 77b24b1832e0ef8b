import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '@dialer/core';

function capture(redactPii: boolean): { log: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const log = createLogger({ name: 'test', destination: dest as never, redactPii });
  return { log, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('secrets are redacted at the top level and one level down', () => {
  const { log, lines } = capture(true);
  log.info({ password: 'hunter2', apiKey: 'k', cfg: { token: 't', secret: 's' }, ok: 1 }, 'boot');
  const [line] = lines();
  assert.equal(line!['password'], '[redacted]');
  assert.equal(line!['apiKey'], '[redacted]');
  assert.deepEqual(line!['cfg'], { token: '[redacted]', secret: '[redacted]' });
  assert.equal(line!['ok'], 1);
  assert.equal(line!['msg'], 'boot');
  assert.equal(line!['level'], 'info');
});

test('transcripts and phone numbers under the pii key are redacted unless allowed', () => {
  const red = capture(true);
  red.log.child({ callId: 'c1' }).info({ pii: { phone: '+14155550100', text: 'my card is 4111' } }, 'segment');
  const [a] = red.lines();
  assert.equal(a!['callId'], 'c1');
  assert.equal(a!['pii'], '[redacted]');
  const open = capture(false);
  open.log.info({ pii: { phone: '+14155550100' } }, 'segment');
  assert.deepEqual(open.lines()[0]!['pii'], { phone: '+14155550100' });
});
