import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  backoffDelay,
  createMessage,
  generateWebhookSecret,
  httpWebhookDelivery,
  MemoryReplayGuard,
  openStore,
  Outbox,
  outboxEventSink,
  SimulatedClock,
  verifyWebhook,
  type AnyMessage,
  type OutboxDelivery,
  type Store,
} from '@dialer/core';
import { openTestStore, waitFor } from '@dialer/core/testing';

const secret = generateWebhookSecret();

async function addTenant(store: Store, id = 't1'): Promise<void> {
  await store.db.insertInto('tenants').values({ id, name: id, slug: id, created_at: 0, updated_at: 0 }).execute();
}

const final = (text: string, tenant = 't1'): AnyMessage =>
  createMessage('transcript.final', tenant, { callId: 'c1', legId: 'l1', speaker: 'customer', segmentId: text, text, startMs: 0, endMs: 1, provider: 'fake' });

/** A receiver that verifies every post like the API does, and answers what `answer` says. */
function receiver(answer: (id: string, n: number) => number) {
  const got: Array<{ id: string; body: AnyMessage; headers: IncomingMessage['headers'] }> = [];
  const guard = new MemoryReplayGuard();
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      verifyWebhook({ secret, headers: req.headers, body, replayGuard: guard })
        .then(({ id }) => {
          const status = answer(id, n++);
          if (status === 200) got.push({ id, body: JSON.parse(body) as AnyMessage, headers: req.headers });
          else void guard.forget(id);
          res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
        })
        .catch((err: { status?: number }) => res.writeHead(err.status ?? 500).end());
    });
  });
  return {
    got,
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/ai/events`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const fastBackoff = { initialMs: 10, maxMs: 50, jitter: 0 };

test('messages are delivered signed, in order, each with its message id as webhook-id', async () => {
  const { store, cleanup } = await openTestStore('sqlite');
  await addTenant(store);
  const rx = receiver(() => 200);
  const url = await rx.listen();
  const outbox = new Outbox({ store, destination: 'ai-events@n1', delivery: httpWebhookDelivery({ url, secret, timeoutMs: 2000 }), backoff: fastBackoff });
  outbox.start();
  const msgs = ['one', 'two', 'three', 'four'].map((t) => final(t));
  for (const m of msgs) await outbox.enqueue(m);
  await waitFor(() => rx.got.length === 4);
  assert.deepEqual(rx.got.map((g) => g.body.type === 'transcript.final' && g.body.data.text), ['one', 'two', 'three', 'four']);
  assert.deepEqual(rx.got.map((g) => g.id), msgs.map((m) => m.id));
  assert.equal(rx.got[0]!.headers['content-type'], 'application/json');
  await waitFor(async () => (await outbox.pending()) === 0);
  const rows = await store.db.selectFrom('event_outbox').select(['status', 'attempts']).execute();
  assert.deepEqual(rows.map((r) => [r.status, r.attempts]), Array(4).fill(['delivered', 1]));
  await outbox.close();
  await rx.close();
  await cleanup();
});

test('enqueue is idempotent by message id', async () => {
  const { store, cleanup } = await openTestStore('sqlite');
  await addTenant(store);
  const outbox = new Outbox({ store, destination: 'd', delivery: { deliver: async () => ({ ok: true }) } });
  const m = final('same');
  await outbox.enqueue(m);
  await outbox.enqueue(m);
  assert.equal(await outbox.pending(), 1);
  await outbox.close();
  await cleanup();
});

test('while the receiver is down, messages wait and are retried until delivered; a failing head keeps the order', async () => {
  const { store, cleanup } = await openTestStore('sqlite');
  await addTenant(store);
  let up = false;
  const rx = receiver(() => (up ? 200 : 503));
  const url = await rx.listen();
  const outbox = new Outbox({ store, destination: 'd', delivery: httpWebhookDelivery({ url, secret, timeoutMs: 2000 }), backoff: fastBackoff, pollMs: 20 });
  outbox.start();
  await outbox.enqueue(final('a'));
  await outbox.enqueue(final('b'));
  await waitFor(() => outbox.stats.retries >= 3);
  assert.equal(rx.got.length, 0);
  const head = await store.db.selectFrom('event_outbox').selectAll().orderBy('seq').executeTakeFirstOrThrow();
  assert.ok(head.attempts >= 3);
  assert.match(head.last_error ?? '', /503/);
  up = true;
  await waitFor(() => rx.got.length === 2);
  assert.deepEqual(rx.got.map((g) => g.body.type === 'transcript.final' && g.body.data.text), ['a', 'b']);
  await outbox.close();
  await rx.close();
  await cleanup();
});

test('a 409 replay answer counts as delivered; a 400 dead-letters the message and the next one goes on', async () => {
  const { store, cleanup } = await openTestStore('sqlite');
  await addTenant(store);
  const bad = final('bad');
  const dup = final('dup');
  const rx = receiver((id) => (id === bad.id ? 400 : id === dup.id ? 409 : 200));
  const url = await rx.listen();
  const outbox = new Outbox({ store, destination: 'd', delivery: httpWebhookDelivery({ url, secret, timeoutMs: 2000 }), backoff: fastBackoff });
  outbox.start();
  await outbox.enqueue(bad);
  await outbox.enqueue(dup);
  await outbox.enqueue(final('good'));
  await waitFor(() => rx.got.length === 1);
  await waitFor(async () => (await outbox.pending()) === 0);
  const rows = await store.db.selectFrom('event_outbox').select(['id', 'status', 'last_error']).orderBy('seq').execute();
  assert.deepEqual(rows.map((r) => r.status), ['failed', 'delivered', 'delivered']);
  assert.match(rows[0]!.last_error ?? '', /400/);
  assert.equal(outbox.stats.duplicates, 1);
  assert.equal(outbox.stats.deadLettered, 1);
  await outbox.close();
  await rx.close();
  await cleanup();
});

test('nothing is lost across a restart: a new outbox over the same database delivers what the old one could not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dialer-outbox-'));
  let store = await openStore({ dataDir: dir });
  await addTenant(store);
  const down: OutboxDelivery = { deliver: async () => ({ ok: false, retryable: true, error: 'connect ECONNREFUSED' }) };
  const first = new Outbox({ store, destination: 'ai-events@n1', delivery: down, backoff: fastBackoff });
  first.start();
  const msgs = ['x', 'y', 'z'].map((t) => final(t));
  for (const m of msgs) await first.enqueue(m);
  await waitFor(() => first.stats.retries >= 1);
  await first.close();
  await store.close();

  store = await openStore({ dataDir: dir });
  const rx = receiver(() => 200);
  const url = await rx.listen();
  const second = new Outbox({ store, destination: 'ai-events@n1', delivery: httpWebhookDelivery({ url, secret, timeoutMs: 2000 }), backoff: fastBackoff, pollMs: 20 });
  second.start();
  await waitFor(() => rx.got.length === 3, 10_000);
  assert.deepEqual(rx.got.map((g) => g.id), msgs.map((m) => m.id));
  // Enqueued after the restart: still after the old ones.
  await second.enqueue(final('w'));
  await waitFor(() => rx.got.length === 4);
  assert.equal(rx.got[3]!.body.type === 'transcript.final' && rx.got[3]!.body.data.text, 'w');
  await second.close();
  await rx.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('retries back off exponentially on the injected clock', async () => {
  const { store, cleanup } = await openTestStore('sqlite');
  await addTenant(store);
  const clock = new SimulatedClock(1_000_000);
  let calls = 0;
  const outbox = new Outbox({
    store,
    destination: 'd',
    clock,
    delivery: { deliver: async () => (calls++, { ok: false, retryable: true, error: 'down' }) },
    backoff: { initialMs: 500, maxMs: 4000, jitter: 0 },
    pollMs: 60_000,
  });
  outbox.start();
  await outbox.enqueue(final('a'));
  const waits: number[] = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    await waitFor(async () => (await store.db.selectFrom('event_outbox').select('attempts').executeTakeFirstOrThrow()).attempts === attempt);
    const row = await store.db.selectFrom('event_outbox').select('next_attempt_at').executeTakeFirstOrThrow();
    waits.push(row.next_attempt_at - clock.now());
    if (attempt < 5) await clock.advanceAsync(row.next_attempt_at - clock.now());
  }
  assert.deepEqual(waits, [0, 1, 2, 3, 4].map((a) => backoffDelay(a, { initialMs: 500, maxMs: 4000, jitter: 0 })));
  assert.deepEqual(waits, [500, 1000, 2000, 4000, 4000]);
  assert.equal(calls, 5);
  await outbox.close();
  await cleanup();
});

test('PostgreSQL: delivery in order, idempotent enqueue, restart-safe sequence', async () => {
  const { store, cleanup } = await openTestStore('postgres');
  try {
    await addTenant(store);
    const rx = receiver(() => 200);
    const url = await rx.listen();
    const a = new Outbox({ store, destination: 'ai-events@pg', delivery: httpWebhookDelivery({ url, secret, timeoutMs: 2000 }), backoff: fastBackoff });
    const m1 = final('p1');
    await a.enqueue(m1);
    await a.enqueue(m1);
    await a.enqueue(final('p2'));
    await a.close();
    const b = new Outbox({ store, destination: 'ai-events@pg', delivery: httpWebhookDelivery({ url, secret, timeoutMs: 2000 }), backoff: fastBackoff });
    await b.enqueue(final('p3'));
    b.start();
    await waitFor(() => rx.got.length === 3);
    assert.deepEqual(rx.got.map((g) => g.body.type === 'transcript.final' && g.body.data.text), ['p1', 'p2', 'p3']);
    await b.close();
    await rx.close();
  } finally {
    await cleanup();
  }
});

test('the outbox sink: finals and usage go to the outbox, everything else to the next sink, and emit never throws', async () => {
  const { store, cleanup } = await openTestStore('sqlite');
  await addTenant(store);
  const outbox = new Outbox({ store, destination: 'd', delivery: { deliver: async () => ({ ok: false, retryable: true, error: 'x' }) } });
  const next: AnyMessage[] = [];
  const sink = outboxEventSink({ outbox, next: { emit: (m) => next.push(m) } });
  const interim = createMessage('transcript.interim', 't1', { callId: 'c1', legId: 'l1', speaker: 'customer', segmentId: 's', text: 'hi', startMs: 0, endMs: 1, provider: 'fake' });
  const usage = createMessage('stt.usage', 't1', { callId: 'c1', legId: 'l1', provider: 'fake', audioMs: 1000 });
  sink.emit(final('f'));
  sink.emit(interim);
  sink.emit(usage);
  // An unknown tenant cannot be stored (foreign key): it falls back to the next sink.
  const orphan = final('orphan', 'nope');
  sink.emit(orphan);
  await sink.flush!();
  const rows = await store.db.selectFrom('event_outbox').select('type').orderBy('seq').execute();
  assert.deepEqual(rows.map((r) => r.type), ['transcript.final', 'stt.usage']);
  assert.deepEqual(next.map((m) => m.id), [interim.id, orphan.id]);
  await outbox.close();
  await cleanup();
});
