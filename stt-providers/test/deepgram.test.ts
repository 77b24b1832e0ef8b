import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, systemClock, type DialerError, type TranscriptEvent } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { DeepgramProvider, type DeepgramSettings, type StreamDeps } from '@dialer/stt-providers';
import { chunks, conversation } from './helpers/audio.js';
import { DeepgramFake } from './fakes/deepgram.js';

const TEXTS = ['hello there', 'my account number is missing from the bill'];
const deps = (over: Partial<StreamDeps> = {}): StreamDeps => ({ clock: systemClock, log: silentLogger(), connectTimeoutMs: 2000, keepAliveMs: 1000, maxPendingMs: 10_000, closeTimeoutMs: 3000, ...over });
const settings = (url: string, over: Partial<DeepgramSettings> = {}): DeepgramSettings => ({
  apiKey: 'dg-test-key',
  url,
  model: 'nova-3',
  language: 'en',
  hints: ['Acme', 'customer service'],
  interim: true,
  endpointingMs: 300,
  utteranceEndMs: 1000,
  smartFormat: true,
  ...over,
});
const leg = { callId: 'c1', legId: 'l1', speaker: 'customer' as const, encoding: 'mulaw' as const, sampleRate: 8000 };

test('deepgram: u-law 8 kHz passes through with the documented query, results are normalised to leg offsets', async () => {
  const fake = new DeepgramFake(TEXTS);
  const url = await fake.start();
  const p = new DeepgramProvider(settings(url), deps());
  const s = p.open({ ...leg, startOffsetMs: 5000 });
  const got: TranscriptEvent[] = [];
  s.on('transcript', (e) => {
    got.push(e);
  });
  const started: number[] = [];
  s.on('speech_started', (e) => {
    started.push(e.atMs);
  });
  await s.waitFor('open');
  const conv = conversation(TEXTS, 'mulaw', 8000);
  for (const c of chunks(conv.audio, 'mulaw', 8000)) s.write(c);
  await waitFor(() => got.filter((e) => e.kind === 'final').length === 2);
  await s.close();

  const q = fake.sessions[0]!.query;
  assert.equal(q.get('encoding'), 'mulaw');
  assert.equal(q.get('sample_rate'), '8000');
  assert.equal(q.get('channels'), '1');
  assert.equal(q.get('model'), 'nova-3');
  assert.equal(q.get('interim_results'), 'true');
  assert.equal(q.get('vad_events'), 'true');
  assert.equal(q.get('endpointing'), '300');
  assert.equal(q.get('utterance_end_ms'), '1000');
  assert.deepEqual(q.getAll('keyterm'), ['Acme', 'customer service']);
  assert.equal(fake.sessions[0]!.bytes, conv.audio.length);
  assert.ok(fake.sessions[0]!.frames.every((n) => n === 800 || n < 800), 'one message per 100 ms write');
  assert.deepEqual(fake.sessions[0]!.control, ['CloseStream']);

  const finals = got.filter((e) => e.kind === 'final');
  assert.deepEqual(finals.map((f) => f.text), TEXTS);
  assert.ok(got.some((e) => e.kind === 'interim'));
  for (const [i, f] of finals.entries()) {
    const [a, b] = conv.spans[i]!;
    assert.ok(f.endMs > 5000 + a && f.endMs <= 5000 + b + 600, `final ${i} ends near the speech end: ${f.startMs}-${f.endMs} vs ${a}-${b}`);
    assert.ok(f.words!.length > 0 && f.words![0]!.startMs >= 5000 + a - 100);
    assert.equal(f.provider, 'deepgram');
    assert.ok(f.latencyMs !== undefined && f.latencyMs >= 0);
  }
  // Interims and the final of one utterance share a segment id; utterances differ.
  const firstFinal = finals[0]!;
  assert.ok(got.some((e) => e.kind === 'interim' && e.segmentId === firstFinal.segmentId));
  assert.notEqual(finals[0]!.segmentId, finals[1]!.segmentId);
  assert.equal(started.length, 2);
  await fake.close();
});

test('deepgram: keep-alives during silence, Finalize on finalize, usage on close', async () => {
  const fake = new DeepgramFake(TEXTS);
  const url = await fake.start();
  const p = new DeepgramProvider(settings(url), deps({ keepAliveMs: 1000 }));
  const s = p.open(leg);
  let usage = 0;
  s.on('usage', (u) => {
    usage = u.audioMs;
  });
  await s.waitFor('open');
  s.write(Buffer.alloc(800, 0xff));
  await waitFor(() => fake.sessions[0]!.control.filter((c) => c === 'KeepAlive').length >= 1, 5000);
  s.finalize();
  await waitFor(() => fake.sessions[0]!.control.includes('Finalize'));
  await s.close();
  assert.equal(usage, 100);
  await fake.close();
});

test('deepgram: a wrong key is an auth error (not retryable); a refused connection and a drop are retryable', async () => {
  const fake = new DeepgramFake(TEXTS);
  const url = await fake.start();
  const bad = new DeepgramProvider(settings(url, { apiKey: 'wrong' }), deps()).open(leg);
  const [authErr] = (await bad.waitFor('error')) as [DialerError];
  assert.equal(authErr.code, 'DIALER_ERR_STT_AUTH');
  assert.equal(authErr.retryable, false);
  await bad.close();

  fake.closeAfterBytes = { bytes: 1600, code: 1011, reason: 'NET-0001' };
  const s = new DeepgramProvider(settings(url), deps()).open(leg);
  await s.waitFor('open');
  const errP = s.waitFor('error');
  for (let i = 0; i < 3; i++) s.write(Buffer.alloc(800, 0xff));
  const [drop] = (await errP) as [DialerError];
  assert.equal(drop.code, 'DIALER_ERR_STT_UNAVAILABLE');
  assert.equal(drop.retryable, true);
  assert.deepEqual((drop.details as { dropped?: boolean }).dropped, true);
  await s.close();
  await fake.close();

  const refused = new DeepgramProvider(settings(url), deps()).open(leg);
  const [err] = (await refused.waitFor('error')) as [DialerError];
  assert.equal(err.code, 'DIALER_ERR_STT_UNAVAILABLE');
  assert.equal(err.retryable, true);
  assert.match(err.message, /ECONNREFUSED/);
  await refused.close();
});
