import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffDelay,
  DialerError,
  ERROR_CODES,
  errorFromStatus,
  InvalidStateError,
  isDialerError,
  isRetryable,
  isRetryableStatus,
  isUuid,
  newId,
  SimulatedClock,
  TypedEmitter,
  CloseGuard,
} from '@dialer/core';

test('every error code is namespaced and carries a status and retry flag', () => {
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^DIALER_ERR_[A-Z0-9_]+$/);
    assert.ok(spec.status >= 400 && spec.status < 600, code);
    assert.equal(typeof spec.retryable, 'boolean');
  }
  const e = new DialerError('DIALER_ERR_STT_AUTH');
  assert.equal(e.status, 401);
  assert.equal(e.retryable, false);
  assert.deepEqual(JSON.parse(JSON.stringify(e)), { code: 'DIALER_ERR_STT_AUTH', message: e.message, retryable: false });
  assert.equal(new DialerError('DIALER_ERR_ARI_UNREACHABLE').retryable, true);
});

test('HTTP statuses are classified in one place: 4xx final except 408 and 429', () => {
  assert.equal(isRetryableStatus(400), false);
  assert.equal(isRetryableStatus(401), false);
  assert.equal(isRetryableStatus(408), true);
  assert.equal(isRetryableStatus(429), true);
  assert.equal(isRetryableStatus(503), true);
  const codes = { auth: 'DIALER_ERR_STT_AUTH', rateLimited: 'DIALER_ERR_STT_RATE_LIMITED', unavailable: 'DIALER_ERR_STT_UNAVAILABLE', badRequest: 'DIALER_ERR_STT_BAD_REQUEST' } as const;
  assert.equal(errorFromStatus(403, codes).code, 'DIALER_ERR_STT_AUTH');
  assert.equal(errorFromStatus(429, codes).retryable, true);
  assert.equal(errorFromStatus(502, codes).code, 'DIALER_ERR_STT_UNAVAILABLE');
  assert.equal(errorFromStatus(422, codes).retryable, false);
  assert.equal(isRetryable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), true);
  assert.equal(isRetryable(new Error('x')), false);
});

test('InvalidStateError is a coded DialerError', () => {
  const g = new CloseGuard('thing');
  g.assertOpen();
  assert.equal(g.markClosed(), true);
  assert.equal(g.markClosed(), false);
  assert.throws(() => g.assertOpen(), (err: unknown) => err instanceof InvalidStateError && isDialerError(err, 'DIALER_ERR_INVALID_STATE'));
});

test('ids are time-ordered UUIDv7', () => {
  const a = newId(1_000);
  const b = newId(2_000);
  assert.ok(isUuid(a) && isUuid(b));
  assert.equal(a[14], '7');
  assert.ok(a < b);
  assert.notEqual(newId(5), newId(5));
});

test('a listener that throws does not stop the others, and emit never throws', async () => {
  const errors: string[] = [];
  const em = new TypedEmitter<{ answered: [number]; hangup: [] }>({ onListenerError: (_e, ev) => errors.push(ev) });
  const seen: number[] = [];
  em.on('answered', () => {
    throw new Error('boom');
  });
  em.on('answered', async () => {
    throw new Error('async boom');
  });
  em.on('answered', (n) => {
    seen.push(n);
  });
  em.once('answered', (n) => {
    seen.push(n * 10);
  });
  assert.equal(em.emit('answered', 1), true);
  assert.equal(em.emit('answered', 2), true);
  assert.equal(em.emit('hangup'), false);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, [1, 10, 2]);
  assert.deepEqual(errors, ['answered', 'answered', 'answered', 'answered']);
});

test('waitFor resolves with the next event or rejects on abort', async () => {
  const em = new TypedEmitter<{ x: [string] }>();
  const p = em.waitFor('x');
  em.emit('x', 'hello');
  assert.deepEqual(await p, ['hello']);
  const ac = new AbortController();
  const q = em.waitFor('x', ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(q, /stop/);
  assert.equal(em.listenerCount('x'), 0);
});

test('the simulated clock fires timers in time order, intervals repeat', () => {
  const clock = new SimulatedClock(0);
  const log: string[] = [];
  clock.setTimeout(() => log.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => log.push(`a@${clock.now()}`), 10);
  const iv = clock.setInterval(() => log.push(`i@${clock.now()}`), 15);
  const cancelled = clock.setTimeout(() => log.push('never'), 5);
  clock.clearTimeout(cancelled);
  clock.advance(31);
  clock.clearInterval(iv);
  clock.advance(100);
  assert.deepEqual(log, ['a@10', 'i@15', 'b@20', 'i@30']);
  assert.equal(clock.now(), 131);
  assert.equal(clock.pending, 0);
});

test('simulated sleep resolves when time is advanced', async () => {
  const clock = new SimulatedClock(0);
  let done = false;
  const p = clock.sleep(1000).then(() => {
    done = true;
  });
  await clock.advanceAsync(999);
  assert.equal(done, false);
  await clock.advanceAsync(1);
  await p;
  assert.equal(done, true);
});

test('backoff grows exponentially, is capped, and jitters inside its band', () => {
  const o = { initialMs: 100, maxMs: 5000, jitter: 0 };
  assert.deepEqual([0, 1, 2, 3, 10].map((n) => backoffDelay(n, o)), [100, 200, 400, 800, 5000]);
  const j = { initialMs: 1000, maxMs: 1000, jitter: 0.5 };
  assert.equal(backoffDelay(0, j, () => 0), 500);
  assert.equal(backoffDelay(0, j, () => 1), 1000);
});
