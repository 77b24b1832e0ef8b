import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, systemClock, type DialerError, type TranscriptEvent } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { OpenAiRealtimeProvider, realtimeUrl, type OpenAiRealtimeSettings, type StreamDeps } from '@dialer/stt-providers';
import { chunks, conversation } from './helpers/audio.js';
import { OpenAiRealtimeFake } from './fakes/openai-realtime.js';

const TEXTS = ['thank you for calling', 'can you hear me now'];
const deps = (over: Partial<StreamDeps> = {}): StreamDeps => ({ clock: systemClock, log: silentLogger(), connectTimeoutMs: 3000, keepAliveMs: 5000, maxPendingMs: 10_000, closeTimeoutMs: 3000, ...over });
const settings = (url: string, over: Partial<OpenAiRealtimeSettings> = {}): OpenAiRealtimeSettings => ({
  apiKey: 'sk-test',
  url,
  model: 'gpt-4o-transcribe',
  language: 'en-US',
  hints: ['Acme'],
  interim: true,
  vad: 'server_vad',
  endpointingMs: 400,
  ...over,
});
const leg = { callId: 'c1', legId: 'l1', speaker: 'customer' as const };

test('realtimeUrl: https becomes wss, http becomes ws, with intent=transcription and no model', () => {
  assert.equal(realtimeUrl('https://api.openai.com/v1'), 'wss://api.openai.com/v1/realtime?intent=transcription');
  assert.equal(realtimeUrl('http://10.0.0.5:8000/v1/'), 'ws://10.0.0.5:8000/v1/realtime?intent=transcription');
});

test('openai-realtime: a transcription session with audio/pcmu and server VAD; deltas are interims, completed items finals', async () => {
  const fake = new OpenAiRealtimeFake(TEXTS);
  const url = await fake.start();
  try {
    const s = new OpenAiRealtimeProvider(settings(url), deps()).open({ ...leg, encoding: 'mulaw', sampleRate: 8000, startOffsetMs: 2000 });
    const got: TranscriptEvent[] = [];
    s.on('transcript', (e) => {
      got.push(e);
    });
    await s.waitFor('open');
    const conv = conversation(TEXTS, 'mulaw', 8000);
    for (const c of chunks(conv.audio, 'mulaw', 8000)) s.write(c);
    await waitFor(() => got.filter((e) => e.kind === 'final').length === 2);
    await s.close();

    const sess = fake.sessions[0]!;
    assert.equal(sess.url.searchParams.get('intent'), 'transcription');
    assert.equal(sess.authorization, 'Bearer sk-test');
    assert.deepEqual(sess.session, {
      type: 'transcription',
      audio: {
        input: {
          format: { type: 'audio/pcmu' },
          transcription: { model: 'gpt-4o-transcribe', language: 'en', prompt: 'Acme' },
          turn_detection: { type: 'server_vad', silence_duration_ms: 400, prefix_padding_ms: 300, threshold: 0.5 },
        },
      },
    });
    assert.equal(sess.bytes, conv.audio.length);
    assert.equal(sess.appends, chunks(conv.audio, 'mulaw', 8000).length);

    const finals = got.filter((e) => e.kind === 'final');
    assert.deepEqual(finals.map((f) => f.text), TEXTS);
    for (const [i, f] of finals.entries()) {
      // The recogniser hears the first voiced frame, a little after the phrase's leading silence.
      assert.ok(f.startMs >= 2000 + conv.spans[i]![0] - 50 && f.startMs <= 2000 + conv.spans[i]![0] + 250, `start ${f.startMs}`);
      assert.ok(got.some((e) => e.kind === 'interim' && e.segmentId === f.segmentId));
    }
  } finally {
    await fake.close();
  }
});

test('openai-realtime: without server VAD, the gateway\'s speech end commits each segment', async () => {
  const fake = new OpenAiRealtimeFake(TEXTS);
  const url = await fake.start();
  try {
    const s = new OpenAiRealtimeProvider(settings(url, { vad: 'none' }), deps()).open({ ...leg, encoding: 'linear16', sampleRate: 24000 });
    const finals: TranscriptEvent[] = [];
    s.on('transcript', (e) => {
      if (e.kind === 'final') finals.push(e);
    });
    await s.waitFor('open');
    const conv = conversation(TEXTS, 'linear16', 24000);
    const parts = chunks(conv.audio, 'linear16', 24000);
    let at = 0;
    let u = 0;
    for (const c of parts) {
      s.write(c);
      at += 100;
      if (u < conv.spans.length && at >= conv.spans[u]![1] + 200) s.speechEnd(conv.spans[u++]![1]);
    }
    await waitFor(() => finals.length === 2);
    await s.close();
    const sess = fake.sessions[0]!;
    assert.equal((sess.session as { audio: { input: { turn_detection: unknown } } }).audio.input.turn_detection, null);
    assert.deepEqual((sess.session as { audio: { input: { format: unknown } } }).audio.input.format, { type: 'audio/pcm', rate: 24000 });
    assert.equal(sess.commits, 2);
    assert.deepEqual(finals.map((f) => f.text), TEXTS);
    assert.ok(finals[0]!.endMs <= finals[1]!.startMs + 1);
  } finally {
    await fake.close();
  }
});

test('openai-realtime: a wrong key is an auth error; an unsupported format is refused before connecting', async () => {
  const fake = new OpenAiRealtimeFake(TEXTS);
  const url = await fake.start();
  try {
    const s = new OpenAiRealtimeProvider(settings(url, { apiKey: 'sk-bad' }), deps()).open({ ...leg, encoding: 'mulaw', sampleRate: 8000 });
    const [err] = (await s.waitFor('error')) as [DialerError];
    assert.equal(err.code, 'DIALER_ERR_STT_AUTH');
    await s.close();
    const t = new OpenAiRealtimeProvider(settings(url), deps()).open({ ...leg, encoding: 'linear16', sampleRate: 16000 });
    const [codec] = (await t.waitFor('error')) as [DialerError];
    assert.equal(codec.code, 'DIALER_ERR_MEDIA_CODEC');
    assert.equal(codec.retryable, false);
    await t.close();
    assert.equal(fake.sessions.length, 0);
  } finally {
    await fake.close();
  }
});
