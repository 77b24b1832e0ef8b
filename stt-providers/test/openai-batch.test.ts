import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, systemClock, type DialerError, type TranscriptEvent } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { OpenAiBatchProvider, resample, toPcm16, wavFile, type OpenAiBatchSettings, type StreamDeps } from '@dialer/stt-providers';
import { chunks, conversation } from './helpers/audio.js';
import { OpenAiBatchFake, parseWav } from './fakes/openai-batch.js';

const TEXTS = ['please hold the line', 'your order has shipped today'];
const deps = (over: Partial<StreamDeps> = {}): StreamDeps => ({ clock: systemClock, log: silentLogger(), connectTimeoutMs: 3000, keepAliveMs: 5000, maxPendingMs: 10_000, closeTimeoutMs: 5000, ...over });
const settings = (url: string, over: Partial<OpenAiBatchSettings> = {}): OpenAiBatchSettings => ({
  apiKey: 'sk-test',
  url,
  model: 'gpt-4o-mini-transcribe',
  language: 'en',
  hints: ['Acme'],
  sampleRate: 16000,
  wordTimestamps: false,
  maxSegmentMs: 30_000,
  requestTimeoutMs: 3000,
  ...over,
});
const leg = { callId: 'c1', legId: 'l1', speaker: 'customer' as const };

/** Writes a conversation with the VAD marks a gateway would give (speech spans padded by 100 ms). */
function play(s: { write(a: Uint8Array): void; speechStart(at: number): void; speechEnd(at: number): void }, conv: ReturnType<typeof conversation>, startOffsetMs = 0): void {
  let at = startOffsetMs;
  const marks = conv.spans.flatMap(([a, b]) => [
    { at: startOffsetMs + a - 100, kind: 'start' as const },
    { at: startOffsetMs + b + 100, kind: 'end' as const },
  ]);
  for (const c of chunks(conv.audio, 'mulaw', 8000)) {
    while (marks[0] && marks[0].at <= at) {
      const m = marks.shift()!;
      if (m.kind === 'start') s.speechStart(m.at);
      else s.speechEnd(m.at);
    }
    s.write(c);
    at += 100;
  }
  for (const m of marks) (m.kind === 'start' ? s.speechStart(m.at) : s.speechEnd(m.at));
}

test('wav helpers: G.711 decodes to PCM, 8 kHz resamples to 16 kHz, and the WAV header is canonical', () => {
  const pcm = toPcm16(new Uint8Array([0xff, 0x7f, 0x00, 0x80]), 'mulaw');
  assert.deepEqual([...pcm], [0, 0, -32124, 32124]);
  const up = resample(new Int16Array([0, 100, 200, 300]), 8000, 16000);
  assert.equal(up.length, 8);
  assert.deepEqual([...up.slice(0, 4)], [0, 50, 100, 150]);
  const wav = parseWav(Buffer.from(wavFile(up, 16000)));
  assert.deepEqual([wav.format, wav.channels, wav.sampleRate, wav.bits, wav.dataBytes], [1, 1, 16000, 16, 16]);
});

test('openai-batch: each VAD segment is posted as a 16 kHz PCM WAV, finals come back in order with their segment times', async () => {
  const fake = new OpenAiBatchFake(TEXTS);
  const url = await fake.start();
  try {
    const s = new OpenAiBatchProvider(settings(url), deps()).open({ ...leg, encoding: 'mulaw', sampleRate: 8000, startOffsetMs: 500 });
    const finals: TranscriptEvent[] = [];
    let usage = 0;
    s.on('transcript', (e) => {
      finals.push(e);
    });
    s.on('usage', (u) => {
      usage = u.audioMs;
    });
    await s.waitFor('open');
    const conv = conversation(TEXTS, 'mulaw', 8000);
    play(s, conv, 500);
    await waitFor(() => finals.length === 2);
    await s.close();
    assert.equal(fake.requests.length, 2);
    for (const r of fake.requests) {
      assert.equal(r.model, 'gpt-4o-mini-transcribe');
      assert.equal(r.language, 'en');
      assert.equal(r.prompt, 'Acme');
      assert.equal(r.responseFormat, 'json');
      assert.equal(r.contentType, 'audio/wav');
      assert.deepEqual([r.wav.format, r.wav.channels, r.wav.sampleRate, r.wav.bits], [1, 1, 16000, 16]);
    }
    assert.deepEqual(finals.map((f) => [f.kind, f.text]), [['final', TEXTS[0]], ['final', TEXTS[1]]]);
    for (const [i, f] of finals.entries()) {
      assert.equal(f.startMs, 500 + conv.spans[i]![0] - 100);
      assert.equal(f.endMs, 500 + conv.spans[i]![1] + 100);
    }
    const speechMs = conv.spans.reduce((n, [a, b]) => n + (b - a + 200), 0);
    assert.ok(Math.abs(usage - speechMs) <= 2, `usage ${usage} is the posted speech ${speechMs}, not the silence`);
  } finally {
    await fake.close();
  }
});

test('openai-batch: a self-hosted server without a key, with word timestamps at 8 kHz', async () => {
  const fake = new OpenAiBatchFake(TEXTS, null);
  const url = await fake.start();
  try {
    const s = new OpenAiBatchProvider(settings(url, { apiKey: 'no-key', model: 'Systran/faster-whisper-small', sampleRate: 8000, wordTimestamps: true }), deps()).open({ ...leg, encoding: 'mulaw', sampleRate: 8000 });
    const finals: TranscriptEvent[] = [];
    s.on('transcript', (e) => {
      finals.push(e);
    });
    await s.waitFor('open');
    play(s, conversation(TEXTS.slice(0, 1), 'mulaw', 8000));
    await waitFor(() => finals.length === 1);
    await s.close();
    const r = fake.requests[0]!;
    assert.equal(r.responseFormat, 'verbose_json');
    assert.deepEqual(r.granularities, ['word']);
    assert.equal(r.wav.sampleRate, 8000);
    assert.deepEqual(finals[0]!.words!.map((w) => w.word), TEXTS[0]!.split(' '));
    assert.ok(finals[0]!.words![0]!.startMs >= finals[0]!.startMs);
  } finally {
    await fake.close();
  }
});

test('openai-batch: 401 is an auth error, 503 retryable, a hung request a stall', async () => {
  const fake = new OpenAiBatchFake(TEXTS);
  const url = await fake.start();
  try {
    const conv = conversation(TEXTS.slice(0, 1), 'mulaw', 8000);
    const run = async (over: Partial<OpenAiBatchSettings>): Promise<DialerError> => {
      const s = new OpenAiBatchProvider(settings(url, over), deps()).open({ ...leg, encoding: 'mulaw', sampleRate: 8000 });
      await s.waitFor('open');
      const errP = s.waitFor('error');
      play(s, conv);
      const [err] = (await errP) as [DialerError];
      await s.close();
      return err;
    };
    const auth = await run({ apiKey: 'sk-wrong' });
    assert.deepEqual([auth.code, auth.retryable], ['DIALER_ERR_STT_AUTH', false]);
    fake.failures = [503];
    const down = await run({});
    assert.deepEqual([down.code, down.retryable], ['DIALER_ERR_STT_UNAVAILABLE', true]);
    fake.hang = true;
    const stall = await run({ requestTimeoutMs: 300 });
    assert.deepEqual([stall.code, stall.retryable], ['DIALER_ERR_STT_STALL', true]);
  } finally {
    await fake.close();
  }
});
