import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bridgeSttStream,
  createAiEventIngest,
  createMessage,
  FakeSttProvider,
  isDialerError,
  MemoryBus,
  parseMessage,
  SimulatedClock,
  type AnyMessage,
} from '@dialer/core';
import { openTestStore, waitFor } from '@dialer/core/testing';

const finalMsg = (text: string, tenant = 't1') =>
  createMessage('transcript.final', tenant, {
    callId: 'c1',
    legId: 'l1',
    speaker: 'customer',
    segmentId: 's1',
    text,
    words: text.split(' ').map((word, i) => ({ word, startMs: i * 100, endMs: i * 100 + 90 })),
    startMs: 0,
    endMs: 1000,
    provider: 'deepgram',
    confidence: 0.9,
    campaignId: 'camp1',
  });

test('ingest stores a final once, publishes it once, and redacts it before both', async () => {
  const { store, cleanup } = await openTestStore('sqlite');
  await store.db.insertInto('tenants').values({ id: 't1', name: 't', slug: 't', created_at: 0, updated_at: 0 }).execute();
  const bus = new MemoryBus();
  const published: AnyMessage[] = [];
  await bus.subscribe('*', (m) => {
    published.push(m);
  });
  const ingest = createAiEventIngest({ store, bus, redaction: { rules: ['card'], minDigits: 4, mask: '#' } });
  const m = finalMsg('card 4111 1111 1111 1111 please');
  assert.equal(await ingest.ingest(m), 'stored');
  assert.equal(await ingest.ingest(m), 'duplicate');
  await waitFor(() => published.length === 1);
  const rows = await store.tenant('t1').selectFrom('transcript_segments').selectAll().execute();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.text, 'card #### #### #### #### please');
  assert.equal(rows[0]!.event_id, m.id);
  assert.equal(rows[0]!.is_final, 1);
  assert.doesNotMatch(rows[0]!.words ?? '', /4111/);
  const pub = published[0]!;
  assert.equal(pub.id, m.id);
  assert.ok(pub.type === 'transcript.final' && pub.data.text === 'card #### #### #### #### please');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(published.length, 1, 'a duplicate is not published again');
  await cleanup();
});

test('ingest stores usage once, publishes interims and STT state without storing, and refuses the rest', async () => {
  const { store, cleanup } = await openTestStore('sqlite');
  await store.db.insertInto('tenants').values({ id: 't1', name: 't', slug: 't', created_at: 0, updated_at: 0 }).execute();
  const bus = new MemoryBus();
  const published: string[] = [];
  await bus.subscribe('*', (m) => {
    published.push(m.type);
  });
  const ingest = createAiEventIngest({ store, bus });
  const usage = createMessage('stt.usage', 't1', { callId: 'c1', legId: 'l1', provider: 'assemblyai', audioMs: 61_000, campaignId: 'camp1' });
  assert.equal(await ingest.ingest(usage), 'stored');
  assert.equal(await ingest.ingest(usage), 'duplicate');
  const interim = createMessage('transcript.interim', 't1', { callId: 'c1', legId: 'l1', speaker: 'agent', segmentId: 's', text: 'hel', startMs: 0, endMs: 1, provider: 'fake' });
  assert.equal(await ingest.ingest(interim), 'published');
  const state = createMessage('media.stt.state', 't1', { callId: 'c1', legId: 'l1', provider: 'deepgram', state: 'failover', next: 'assemblyai' });
  assert.equal(await ingest.ingest(state), 'published');
  await waitFor(() => published.length === 3);
  assert.deepEqual(published, ['stt.usage', 'transcript.interim', 'media.stt.state']);
  const usageRows = await store.tenant('t1').selectFrom('stt_usage').selectAll().execute();
  assert.deepEqual(usageRows.map((r) => [r.id, r.provider, r.audio_ms, r.campaign_id]), [[usage.id, 'assemblyai', 61_000, 'camp1']]);
  assert.equal((await store.tenant('t1').selectFrom('transcript_segments').selectAll().execute()).length, 0);

  await assert.rejects(ingest.ingest(createMessage('call.ringing', 't1', { callId: 'c1', atMs: 0 })), (e: unknown) => isDialerError(e, 'DIALER_ERR_VALIDATION'));
  await assert.rejects(ingest.ingest(finalMsg('x', 'ghost')), (e: unknown) => isDialerError(e, 'DIALER_ERR_VALIDATION') && /unknown tenant/.test(e.message));
  await cleanup();
});

test('bridgeSttStream turns a stream into valid transcript, usage and state messages', async () => {
  const clock = new SimulatedClock(0);
  const p = new FakeSttProvider('fake', { utterances: ['hello world'], interim: true, delayMs: 100 }, clock);
  const s = p.open({ callId: 'c1', legId: 'l1', speaker: 'customer', encoding: 'mulaw', sampleRate: 8000 });
  const out: AnyMessage[] = [];
  bridgeSttStream(s, { tenantId: 't1', callId: 'c1', legId: 'l1', speaker: 'customer', campaignId: 'camp', source: 'node1' }, (m) => out.push(m), clock);
  await clock.advanceAsync(1);
  s.write(new Uint8Array(8000));
  s.speechStart(0);
  s.speechEnd(1000);
  await clock.advanceAsync(100);
  s.emit('state', { provider: 'fake', state: 'failover', next: 'other' });
  await s.close();
  assert.deepEqual(out.map((m) => m.type), ['transcript.interim', 'transcript.final', 'media.stt.state', 'stt.usage']);
  for (const m of out) assert.doesNotThrow(() => parseMessage(JSON.parse(JSON.stringify(m))));
  const fin = out[1]!;
  assert.ok(fin.type === 'transcript.final' && fin.data.campaignId === 'camp' && fin.data.speaker === 'customer' && fin.source === 'node1');
  const usage = out[3]!;
  assert.ok(usage.type === 'stt.usage' && usage.data.audioMs === 1000 && usage.data.provider === 'fake');
});

test('one-process path: a stream\'s finals and usage go through the outbox into the ingest, interims straight to the bus', async () => {
  const { createAiEventsOutbox, outboxEventSink, busEventSink, silentLogger } = await import('@dialer/core');
  const { createTestContext } = await import('@dialer/core/testing');
  const ctx = await createTestContext();
  await ctx.store.db.insertInto('tenants').values({ id: 't1', name: 't', slug: 't', created_at: 0, updated_at: 0 }).execute();
  const published: string[] = [];
  await ctx.bus.subscribe('*', (m) => {
    published.push(m.type);
  });
  const ingest = createAiEventIngest({ store: ctx.store, bus: ctx.bus });
  const outbox = createAiEventsOutbox(ctx, { toleranceS: 300, timeoutMs: 1000, retryMaxMs: 1000, url: undefined, secret: undefined }, { local: (m) => ingest.ingest(m) });
  outbox.start();
  const sink = outboxEventSink({ outbox, next: busEventSink(ctx.bus, silentLogger()) });
  const clock = new SimulatedClock(0);
  const s = new FakeSttProvider('fake', { utterances: ['kept'], interim: true }, clock).open({ callId: 'c1', legId: 'l1', speaker: 'agent', encoding: 'mulaw', sampleRate: 8000 });
  bridgeSttStream(s, { tenantId: 't1', callId: 'c1', legId: 'l1', speaker: 'agent' }, (m) => sink.emit(m), clock);
  await clock.advanceAsync(1);
  s.write(new Uint8Array(8000));
  s.finalize();
  await clock.advanceAsync(1);
  await s.close();
  await sink.flush!();
  await waitFor(async () => (await outbox.pending()) === 0 && outbox.stats.delivered === 2);
  const rows = await ctx.store.tenant('t1').selectFrom('transcript_segments').select('text').execute();
  assert.deepEqual(rows, [{ text: 'kept' }]);
  assert.equal((await ctx.store.tenant('t1').selectFrom('stt_usage').select('audio_ms').executeTakeFirstOrThrow()).audio_ms, 1000);
  // The interim on the bus from the gateway; the final and the usage on the bus from the ingest, once each.
  await waitFor(() => published.length === 3);
  assert.deepEqual(published.sort(), ['stt.usage', 'transcript.final', 'transcript.interim']);
  await outbox.close();
  await ctx.close();
});

test('PostgreSQL: ingest is idempotent for finals and usage', async () => {
  const { store, cleanup } = await openTestStore('postgres');
  try {
    await store.db.insertInto('tenants').values({ id: 't1', name: 't', slug: 't', created_at: 0, updated_at: 0 }).execute();
    const ingest = createAiEventIngest({ store, bus: new MemoryBus() });
    const m = finalMsg('on postgres');
    const usage = createMessage('stt.usage', 't1', { callId: 'c1', legId: 'l1', provider: 'deepgram', audioMs: 5000 });
    assert.deepEqual([await ingest.ingest(m), await ingest.ingest(m), await ingest.ingest(usage), await ingest.ingest(usage)], ['stored', 'duplicate', 'stored', 'duplicate']);
    assert.equal((await store.tenant('t1').selectFrom('transcript_segments').selectAll().execute()).length, 1);
    assert.equal((await store.tenant('t1').selectFrom('stt_usage').selectAll().execute()).length, 1);
  } finally {
    await cleanup();
  }
});
