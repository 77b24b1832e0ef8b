import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  createMessage,
  generateWebhookSecret,
  httpWebhookDelivery,
  Outbox,
  signWebhook,
  type AnyMessage,
  type DaemonContext,
} from '@dialer/core';
import { createTestContext, testRedisUrl, waitFor } from '@dialer/core/testing';
import { buildApp, type AiEventsOptions, type ApiApp } from '@dialer/api';

const SECRET = generateWebhookSecret();
const TENANT = 't-ai';

async function setup(aiEvents: AiEventsOptions = { secrets: [SECRET] }, ctxIn?: DaemonContext): Promise<{ app: ApiApp; ctx: DaemonContext; published: AnyMessage[]; close: () => Promise<void> }> {
  const ctx = ctxIn ?? (await createTestContext());
  if (!ctxIn) await ctx.store.db.insertInto('tenants').values({ id: TENANT, name: 'AI', slug: 'ai', created_at: 0, updated_at: 0 }).execute();
  const published: AnyMessage[] = [];
  await ctx.bus.subscribe('*', (m) => {
    published.push(m);
  });
  const app = await buildApp({ ctx, background: false, aiEvents });
  return {
    app,
    ctx,
    published,
    close: async () => {
      await app.close();
      if (!ctxIn) await ctx.close();
    },
  };
}

const finalMsg = (text = 'hello there', tenant = TENANT) =>
  createMessage('transcript.final', tenant, {
    callId: 'call-1',
    legId: 'leg-1',
    speaker: 'customer',
    segmentId: 'seg-1',
    text,
    words: [{ word: 'hello', startMs: 0, endMs: 400 }],
    confidence: 0.92,
    language: 'en',
    startMs: 0,
    endMs: 900,
    provider: 'deepgram',
    latencyMs: 180,
  });

/** A signed post as a gateway sends it; `over` tampers with any part. */
function post(app: ApiApp, msg: unknown, over: { secret?: string; id?: string; timestampS?: number; body?: string; headers?: Record<string, string> } = {}) {
  const body = over.body ?? JSON.stringify(msg);
  const id = over.id ?? (msg as { id: string }).id;
  const headers = signWebhook({ secret: over.secret ?? SECRET, id, body, ...(over.timestampS === undefined ? {} : { timestampS: over.timestampS }) });
  return app.inject({ method: 'POST', url: '/ai/events', headers: { 'content-type': 'application/json', ...headers, ...over.headers }, payload: body });
}

async function segments(ctx: DaemonContext): Promise<number> {
  return (await ctx.store.db.selectFrom('transcript_segments').select('id').execute()).length;
}

test('a signed final transcript is stored once and published for fan-out', async () => {
  const { app, ctx, published, close } = await setup();
  const m = finalMsg();
  const res = await post(app, m);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { id: m.id, type: 'transcript.final', outcome: 'stored' });
  const rows = await ctx.store.tenant(TENANT).selectFrom('transcript_segments').selectAll().execute();
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0]!.event_id, rows[0]!.text, rows[0]!.speaker, rows[0]!.provider, rows[0]!.is_final], [m.id, 'hello there', 'customer', 'deepgram', 1]);
  await waitFor(() => published.some((p) => p.id === m.id));
  assert.equal(published.filter((p) => p.id === m.id).length, 1);
  await close();
});

test('forged, tampered, expired, replayed and malformed posts are each refused with their status, and nothing is stored', async () => {
  const { app, ctx, published, close } = await setup();
  const m = finalMsg();
  const nowS = Math.floor(Date.now() / 1000);
  const cases: Array<[string, () => ReturnType<typeof post>, number, string]> = [
    ['forged (another secret)', () => post(app, m, { secret: generateWebhookSecret() }), 401, 'DIALER_ERR_WEBHOOK_SIGNATURE'],
    ['tampered body', () => post(app, m, { body: JSON.stringify({ ...m, data: { ...m.data, text: 'changed' } }), headers: signWebhook({ secret: SECRET, id: m.id, body: JSON.stringify(m) }) }), 401, 'DIALER_ERR_WEBHOOK_SIGNATURE'],
    ['expired timestamp', () => post(app, m, { timestampS: nowS - 600 }), 401, 'DIALER_ERR_WEBHOOK_TIMESTAMP'],
    ['timestamp from the future', () => post(app, m, { timestampS: nowS + 600 }), 401, 'DIALER_ERR_WEBHOOK_TIMESTAMP'],
    ['no signature headers', () => app.inject({ method: 'POST', url: '/ai/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(m) }), 400, 'DIALER_ERR_WEBHOOK_MALFORMED'],
    ['a body that is not JSON', () => post(app, m, { body: '{"v":1,' }), 400, 'DIALER_ERR_WEBHOOK_MALFORMED'],
    ['a message that does not match its schema', () => post(app, { ...m, data: { ...m.data, speaker: 'robot' } }), 400, 'DIALER_ERR_MESSAGE_INVALID'],
    ['an event type that does not belong here', () => post(app, createMessage('call.ringing', TENANT, { callId: 'c', atMs: 0 })), 400, 'DIALER_ERR_VALIDATION'],
    ['a webhook-id that is not the message id', () => post(app, m, { id: 'another-id' }), 400, 'DIALER_ERR_VALIDATION'],
    ['an unknown tenant', () => post(app, finalMsg('x', 'no-such-tenant')), 400, 'DIALER_ERR_VALIDATION'],
  ];
  for (const [what, send, status, code] of cases) {
    const res = await send();
    assert.equal(res.statusCode, status, `${what}: ${res.body}`);
    assert.equal((res.json() as { error: { code: string } }).error.code, code, what);
  }
  assert.equal(await segments(ctx), 0);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(published, []);

  // None of those used up the id: the genuine post goes through, and its replay is refused.
  assert.equal((await post(app, m)).statusCode, 200);
  const replay = await post(app, m);
  assert.equal(replay.statusCode, 409);
  assert.equal((replay.json() as { error: { code: string } }).error.code, 'DIALER_ERR_WEBHOOK_REPLAY');
  assert.equal(await segments(ctx), 1);
  await close();
});

test('usage is stored, interims and STT state are published only; transcripts are redacted before storage', async () => {
  const { app, ctx, published, close } = await setup({ secrets: [SECRET], redaction: { rules: ['card'], minDigits: 4, mask: '#' } });
  const usage = createMessage('stt.usage', TENANT, { callId: 'call-1', legId: 'leg-1', provider: 'assemblyai', audioMs: 42_000, campaignId: 'camp-1' });
  const interim = createMessage('transcript.interim', TENANT, { callId: 'call-1', legId: 'leg-1', speaker: 'agent', segmentId: 's2', text: 'card 4111', startMs: 0, endMs: 1, provider: 'fake' });
  const state = createMessage('media.stt.state', TENANT, { callId: 'call-1', legId: 'leg-1', provider: 'deepgram', state: 'failover', next: 'assemblyai' });
  const card = finalMsg('my card is 4111 1111 1111 1111');
  for (const m of [usage, interim, state, card]) assert.equal((await post(app, m)).statusCode, 200);
  const u = await ctx.store.tenant(TENANT).selectFrom('stt_usage').selectAll().execute();
  assert.deepEqual(u.map((r) => [r.id, r.provider, r.audio_ms, r.campaign_id, r.call_id, r.leg_id]), [[usage.id, 'assemblyai', 42_000, 'camp-1', 'call-1', 'leg-1']]);
  const seg = await ctx.store.tenant(TENANT).selectFrom('transcript_segments').select('text').execute();
  assert.deepEqual(seg, [{ text: 'my card is #### #### #### ####' }]);
  await waitFor(() => published.length === 4);
  assert.deepEqual(published.map((p) => p.type).sort(), ['media.stt.state', 'stt.usage', 'transcript.final', 'transcript.interim']);
  const pubFinal = published.find((p) => p.type === 'transcript.final');
  assert.ok(pubFinal?.type === 'transcript.final' && !/4111/.test(pubFinal.data.text));
  await close();
});

test('no secret configured: the route answers 503 and stores nothing; with two secrets (a rotation) either signs', async () => {
  const off = await setup({});
  const res = await post(off.app, finalMsg());
  assert.equal(res.statusCode, 503);
  assert.equal(await segments(off.ctx), 0);
  await off.close();

  const next = generateWebhookSecret();
  const on = await setup({ secrets: [SECRET, next] });
  assert.equal((await post(on.app, finalMsg('old key'))).statusCode, 200);
  assert.equal((await post(on.app, finalMsg('new key'), { secret: next })).statusCode, 200);
  assert.equal(await segments(on.ctx), 2);
  await on.close();
});

test('with REDIS_URL the replay guard is shared: a post replayed to another API node is refused', async () => {
  const prefix = `test-ai-${randomBytes(4).toString('hex')}`;
  const ctx = await createTestContext();
  await ctx.store.db.insertInto('tenants').values({ id: TENANT, name: 'AI', slug: 'ai', created_at: 0, updated_at: 0 }).execute();
  const a = await setup({ secrets: [SECRET], redisUrl: testRedisUrl(), redisPrefix: prefix }, ctx);
  const b = await setup({ secrets: [SECRET], redisUrl: testRedisUrl(), redisPrefix: prefix }, ctx);
  const m = finalMsg();
  assert.equal((await post(a.app, m)).statusCode, 200);
  assert.equal((await post(b.app, m)).statusCode, 409);
  await a.close();
  await b.close();
  await ctx.close();
});

test('end to end: a gateway outbox delivers to the listening API; a redelivery after a lost answer is not applied twice', async () => {
  const { app, ctx, published, close } = await setup();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/ai/events`;
  const outbox = new Outbox({ store: ctx.store, destination: 'ai-events@gw1', delivery: httpWebhookDelivery({ url, secret: SECRET, timeoutMs: 3000 }), backoff: { initialMs: 10, maxMs: 50, jitter: 0 } });
  outbox.start();
  const msgs = ['one', 'two', 'three'].map((t) => finalMsg(t));
  for (const m of msgs) await outbox.enqueue(m);
  await waitFor(() => outbox.stats.delivered === 3);
  // As if the first answer had been lost: the gateway sends the same message again.
  await ctx.store.db.updateTable('event_outbox').set({ status: 'pending' }).where('id', '=', msgs[0]!.id).execute();
  await outbox.enqueue(finalMsg('four'));
  await waitFor(() => outbox.stats.delivered === 5);
  assert.equal(outbox.stats.duplicates, 1);
  const texts = (await ctx.store.tenant(TENANT).selectFrom('transcript_segments').select('text').orderBy('created_at').execute()).map((r) => r.text);
  assert.deepEqual(texts.sort(), ['four', 'one', 'three', 'two']);
  await waitFor(() => published.filter((p) => p.type === 'transcript.final').length === 4);
  await outbox.close();
  await close();
});
