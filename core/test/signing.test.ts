import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateWebhookSecret, isDialerError, MemoryReplayGuard, signWebhook, SimulatedClock, verifyWebhook, type ErrorCode } from '@dialer/core';

// The Standard Webhooks specification's published test vector.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestampS: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

async function rejects(p: Promise<unknown>, code: ErrorCode, status: number): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isDialerError(err, code), `expected ${code}, got ${String(err)}`);
    assert.equal(err.status, status);
    return true;
  });
}

test('signing reproduces the Standard Webhooks test vector', () => {
  const h = signWebhook({ secret: VECTOR.secret, id: VECTOR.id, timestampS: VECTOR.timestampS, body: VECTOR.body });
  assert.equal(h['webhook-signature'], VECTOR.signature);
  assert.equal(h['webhook-id'], VECTOR.id);
  assert.equal(h['webhook-timestamp'], String(VECTOR.timestampS));
});

test('a valid request verifies, with or without the whsec_ prefix', async () => {
  const clock = new SimulatedClock(VECTOR.timestampS * 1000 + 10_000);
  const headers = { 'Webhook-Id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestampS), 'webhook-signature': VECTOR.signature };
  const r = await verifyWebhook({ secret: VECTOR.secret, headers, body: VECTOR.body, clock });
  assert.deepEqual(r, { id: VECTOR.id, timestampS: VECTOR.timestampS });
  await verifyWebhook({ secret: VECTOR.secret.slice(6), headers, body: Buffer.from(VECTOR.body), clock });
});

test('a tampered body or signature is rejected with 401', async () => {
  const clock = new SimulatedClock(VECTOR.timestampS * 1000);
  const headers = { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestampS), 'webhook-signature': VECTOR.signature };
  await rejects(verifyWebhook({ secret: VECTOR.secret, headers, body: '{"test": 2432232315}', clock }), 'DIALER_ERR_WEBHOOK_SIGNATURE', 401);
  const flipped = VECTOR.signature.replace('g0hM', 'g0hN');
  await rejects(verifyWebhook({ secret: VECTOR.secret, headers: { ...headers, 'webhook-signature': flipped }, body: VECTOR.body, clock }), 'DIALER_ERR_WEBHOOK_SIGNATURE', 401);
  await rejects(verifyWebhook({ secret: VECTOR.secret, headers: { ...headers, 'webhook-signature': 'v1,' }, body: VECTOR.body, clock }), 'DIALER_ERR_WEBHOOK_SIGNATURE', 401);
  await rejects(verifyWebhook({ secret: VECTOR.secret, headers: { ...headers, 'webhook-id': 'msg_other' }, body: VECTOR.body, clock }), 'DIALER_ERR_WEBHOOK_SIGNATURE', 401);
  await rejects(verifyWebhook({ secret: generateWebhookSecret(), headers, body: VECTOR.body, clock }), 'DIALER_ERR_WEBHOOK_SIGNATURE', 401);
});

test('an expired or future timestamp is rejected, even with a good signature', async () => {
  const secret = generateWebhookSecret();
  const now = 1_800_000_000_000;
  const clock = new SimulatedClock(now);
  const old = signWebhook({ secret, id: 'a', body: '{}', timestampS: now / 1000 - 301 });
  await rejects(verifyWebhook({ secret, headers: old, body: '{}', clock }), 'DIALER_ERR_WEBHOOK_TIMESTAMP', 401);
  const future = signWebhook({ secret, id: 'b', body: '{}', timestampS: now / 1000 + 301 });
  await rejects(verifyWebhook({ secret, headers: future, body: '{}', clock }), 'DIALER_ERR_WEBHOOK_TIMESTAMP', 401);
  const edge = signWebhook({ secret, id: 'c', body: '{}', timestampS: now / 1000 - 300 });
  await verifyWebhook({ secret, headers: edge, body: '{}', clock });
});

test('a replayed id is rejected with 409; a forgotten id may be retried', async () => {
  const secret = generateWebhookSecret();
  const clock = new SimulatedClock();
  const guard = new MemoryReplayGuard(clock);
  const headers = signWebhook({ secret, id: 'evt-1', body: 'x' }, clock);
  await verifyWebhook({ secret, headers, body: 'x', clock, replayGuard: guard });
  await rejects(verifyWebhook({ secret, headers, body: 'x', clock, replayGuard: guard }), 'DIALER_ERR_WEBHOOK_REPLAY', 409);
  await guard.forget('evt-1');
  await verifyWebhook({ secret, headers, body: 'x', clock, replayGuard: guard });
});

test('a forged request does not consume its id in the replay guard', async () => {
  const secret = generateWebhookSecret();
  const clock = new SimulatedClock();
  const guard = new MemoryReplayGuard(clock);
  const good = signWebhook({ secret, id: 'evt-2', body: 'x' }, clock);
  await rejects(verifyWebhook({ secret, headers: { ...good, 'webhook-signature': 'v1,AAAA' }, body: 'x', clock, replayGuard: guard }), 'DIALER_ERR_WEBHOOK_SIGNATURE', 401);
  await verifyWebhook({ secret, headers: good, body: 'x', clock, replayGuard: guard });
});

test('malformed headers are rejected with 400', async () => {
  const secret = generateWebhookSecret();
  const clock = new SimulatedClock();
  const h = signWebhook({ secret, id: 'evt', body: 'x' }, clock);
  await rejects(verifyWebhook({ secret, headers: { 'webhook-id': 'evt' }, body: 'x', clock }), 'DIALER_ERR_WEBHOOK_MALFORMED', 400);
  await rejects(verifyWebhook({ secret, headers: { ...h, 'webhook-timestamp': '12.5' }, body: 'x', clock }), 'DIALER_ERR_WEBHOOK_MALFORMED', 400);
  await rejects(verifyWebhook({ secret, headers: { ...h, 'webhook-id': 'x'.repeat(300) }, body: 'x', clock }), 'DIALER_ERR_WEBHOOK_MALFORMED', 400);
});

test('during a key rotation any listed secret or signature may match', async () => {
  const oldSecret = generateWebhookSecret();
  const newSecret = generateWebhookSecret();
  const clock = new SimulatedClock();
  const signedOld = signWebhook({ secret: oldSecret, id: 'r1', body: 'b' }, clock);
  await verifyWebhook({ secret: [newSecret, oldSecret], headers: signedOld, body: 'b', clock });
  const signedNew = signWebhook({ secret: newSecret, id: 'r2', body: 'b' }, clock);
  const both = { ...signedNew, 'webhook-signature': `v1,bogus ${signedNew['webhook-signature']}` };
  await verifyWebhook({ secret: newSecret, headers: both, body: 'b', clock });
});

test('weak or non-base64 secrets are refused', () => {
  assert.throws(() => signWebhook({ secret: 'c2hvcnQ=', id: 'a', body: '' }), /at least 16 bytes/);
  assert.throws(() => signWebhook({ secret: 'whsec_not base64!', id: 'a', body: '' }), /must be base64/);
});
