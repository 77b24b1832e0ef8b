import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, systemClock, type DialerError, type TranscriptEvent } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { AssemblyAiProvider, assemblyAiError, type AssemblyAiSettings, type StreamDeps } from '@dialer/stt-providers';
import { chunks, conversation } from './helpers/audio.js';
import { AssemblyAiFake } from './fakes/assemblyai.js';

const TEXTS = ['good morning', 'i would like to change my delivery address please'];
const deps = (over: Partial<StreamDeps> = {}): StreamDeps => ({ clock: systemClock, log: silentLogger(), connectTimeoutMs: 3000, keepAliveMs: 1000, maxPendingMs: 10_000, closeTimeoutMs: 3000, ...over });
const settings = (url: string, over: Partial<AssemblyAiSettings> = {}): AssemblyAiSettings => ({
  apiKey: 'aai-test-key',
  url,
  speechModel: 'universal-streaming-english',
  language: 'en',
  hints: ['Acme'],
  endpointingMs: 300,
  formatTurns: true,
  chunkMs: 100,
  ...over,
});
const leg = { callId: 'c1', legId: 'l1', speaker: 'agent' as const };

test('assemblyai: over wss with the documented query; writes of any size leave as 50-1000 ms messages; formatted turns are the finals', async () => {
  const fake = new AssemblyAiFake(TEXTS);
  const url = await fake.start();
  try {
    const p = new AssemblyAiProvider(settings(url, { chunkMs: 200 }), deps());
    const s = p.open({ ...leg, encoding: 'mulaw', sampleRate: 8000, startOffsetMs: 1000 });
    const got: TranscriptEvent[] = [];
    s.on('transcript', (e) => {
      got.push(e);
    });
    await s.waitFor('open');
    const conv = conversation(TEXTS, 'mulaw', 8000);
    // 30 ms writes: the adapter must gather them into 200 ms messages.
    for (const c of chunks(conv.audio, 'mulaw', 8000, 30)) s.write(c);
    await waitFor(() => got.filter((e) => e.kind === 'final').length === 2);
    await s.close();

    const sess = fake.sessions[0]!;
    assert.equal(sess.query.get('sample_rate'), '8000');
    assert.equal(sess.query.get('encoding'), 'pcm_mulaw');
    assert.equal(sess.query.get('format_turns'), 'true');
    assert.equal(sess.query.get('min_turn_silence'), '300');
    assert.equal(sess.query.get('speech_model'), 'universal-streaming-english');
    assert.deepEqual(JSON.parse(sess.query.get('keyterms_prompt') ?? '[]'), ['Acme']);
    assert.equal(sess.authorization, 'aai-test-key');
    assert.ok(sess.chunkMs.length > 5);
    assert.ok(sess.chunkMs.every((ms) => ms >= 50 && ms <= 1000), `chunk sizes ${sess.chunkMs.join(',')}`);
    assert.ok(sess.chunkMs.slice(0, -1).every((ms) => ms === 200));
    assert.ok(sess.bytes >= conv.audio.length, 'all audio sent (the tail padded to 50 ms)');
    assert.ok(sess.control.includes('Terminate'));

    const finals = got.filter((e) => e.kind === 'final');
    assert.deepEqual(finals.map((f) => f.text), ['Good morning.', 'I would like to change my delivery address please.']);
    for (const [i, f] of finals.entries()) {
      assert.ok(f.startMs >= 1000 + conv.spans[i]![0] - 60 && f.endMs <= 1000 + conv.spans[i]![1] + 60, `final ${i} at ${f.startMs}-${f.endMs}`);
      assert.ok(got.some((e) => e.kind === 'interim' && e.segmentId === f.segmentId), 'an interim of the same turn');
    }
  } finally {
    await fake.close();
  }
});

test('assemblyai: 16-bit PCM at 16 kHz, ForceEndpoint on finalize, KeepAlive in silence', async () => {
  const fake = new AssemblyAiFake(TEXTS);
  const url = await fake.start();
  try {
    const s = new AssemblyAiProvider(settings(url), deps({ keepAliveMs: 1000 })).open({ ...leg, encoding: 'linear16', sampleRate: 16000 });
    const finals: string[] = [];
    s.on('transcript', (e) => {
      if (e.kind === 'final') finals.push(e.text);
    });
    await s.waitFor('open');
    const conv = conversation(TEXTS.slice(0, 1), 'linear16', 16000, 0);
    for (const c of chunks(conv.audio, 'linear16', 16000)) s.write(c);
    s.finalize();
    await waitFor(() => finals.length === 1);
    await waitFor(() => fake.sessions[0]!.control.includes('KeepAlive'), 5000);
    await s.close();
    assert.equal(fake.sessions[0]!.query.get('encoding'), 'pcm_s16le');
    assert.equal(fake.sessions[0]!.query.get('sample_rate'), '16000');
    assert.ok(fake.sessions[0]!.control.includes('ForceEndpoint'));
    assert.deepEqual(finals, ['Good morning.']);
  } finally {
    await fake.close();
  }
});

test('assemblyai: a wrong key is an auth error; close codes are classified', async () => {
  const fake = new AssemblyAiFake(TEXTS);
  const url = await fake.start();
  try {
    const s = new AssemblyAiProvider(settings(url, { apiKey: 'nope' }), deps()).open({ ...leg, encoding: 'mulaw', sampleRate: 8000 });
    const [err] = (await s.waitFor('error')) as [DialerError];
    assert.equal(err.code, 'DIALER_ERR_STT_AUTH');
    assert.equal(err.retryable, false);
    await s.close();
  } finally {
    await fake.close();
  }
  assert.equal(assemblyAiError(4001, 'Not Authorized').code, 'DIALER_ERR_STT_AUTH');
  assert.equal(assemblyAiError(1008, 'Invalid API key').code, 'DIALER_ERR_STT_AUTH');
  assert.equal(assemblyAiError(4029, 'Rate limited').retryable, true);
  assert.equal(assemblyAiError(3007, 'Input duration violation').retryable, false);
  assert.equal(assemblyAiError(3005, 'Server error').retryable, true);
});
