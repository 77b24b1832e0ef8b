import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, silentLogger, type SttStateChange, type SttStream, type TranscriptEvent } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { createSttStreamFactory, sttSection, SttCounters } from '@dialer/stt-providers';
import { chunks, conversation, type Script } from './helpers/audio.js';
import { AssemblyAiFake } from './fakes/assemblyai.js';
import { DeepgramFake } from './fakes/deepgram.js';
import { OpenAiBatchFake } from './fakes/openai-batch.js';
import { OpenAiRealtimeFake } from './fakes/openai-realtime.js';

const TEXTS = ['good afternoon', 'i am calling about the invoice from last month', 'thank you very much'];
const leg = { callId: 'c1', legId: 'l1', speaker: 'customer' as const, encoding: 'mulaw' as const, sampleRate: 8000, startOffsetMs: 0 };

function watch(s: SttStream) {
  const finals: TranscriptEvent[] = [];
  const states: SttStateChange[] = [];
  s.on('transcript', (e) => {
    if (e.kind === 'final') finals.push(e);
  });
  s.on('state', (st) => {
    states.push(st);
  });
  return { finals, states };
}

/** Writes the conversation with VAD marks (speech spans padded by 100 ms), from `fromMs` to `toMs`. */
function play(s: SttStream, conv: Script, fromMs: number, toMs: number): void {
  const parts = chunks(conv.audio, 'mulaw', 8000);
  for (let i = Math.floor(fromMs / 100); i < Math.min(parts.length, Math.ceil(toMs / 100)); i++) {
    const at = i * 100;
    for (const [a, b] of conv.spans) {
      if (a - 100 >= at && a - 100 < at + 100) s.speechStart(a - 100);
      if (b + 100 >= at && b + 100 < at + 100) s.speechEnd(b + 100);
    }
    s.write(parts[i]!);
  }
}

test('killing Deepgram mid-utterance: AssemblyAI takes over, every utterance is transcribed exactly once', async () => {
  const dg = new DeepgramFake(TEXTS);
  const aai = new AssemblyAiFake(TEXTS);
  const dgUrl = await dg.start();
  const aaiUrl = await aai.start();
  try {
    const config = loadConfig([sttSection], {
      env: { STT_PROVIDERS: 'deepgram,assemblyai', DEEPGRAM_API_KEY: 'dg-test-key', ASSEMBLYAI_API_KEY: 'aai-test-key', DEEPGRAM_URL: dgUrl, ASSEMBLYAI_URL: aaiUrl, ASSEMBLYAI_FORMAT_TURNS: 'false' },
      argv: [],
    }).stt;
    const metrics = new SttCounters();
    const factory = createSttStreamFactory(config, { log: silentLogger(), metrics });
    const conv = conversation(TEXTS, 'mulaw', 8000);
    const s = factory.open([], leg);
    const w = watch(s);
    await s.waitFor('open');
    // Up to the middle of the second utterance.
    const [a2, b2] = conv.spans[1]!;
    const mid = Math.round((a2 + b2) / 2);
    play(s, conv, 0, mid);
    await waitFor(() => w.finals.length === 1 && dg.sessions[0]!.bytes >= Math.floor(mid / 100) * 800 - 800);
    await dg.kill();
    play(s, conv, mid, conv.audio.length / 8);
    await waitFor(() => w.finals.length === 3, 15_000);
    await s.close();

    assert.deepEqual(w.finals.map((f) => f.text), TEXTS, 'none lost, none twice');
    assert.deepEqual(w.finals.map((f) => f.provider), ['deepgram', 'assemblyai', 'assemblyai']);
    for (let i = 1; i < w.finals.length; i++) assert.ok(w.finals[i]!.startMs >= w.finals[i - 1]!.endMs - 1, 'finals do not overlap');
    assert.ok(w.states.some((st) => st.provider === 'deepgram' && st.state === 'failover' && st.next === 'assemblyai'));
    assert.ok(w.states.some((st) => st.provider === 'assemblyai' && st.state === 'connected'));
    // AssemblyAI was given the audio from the end of the first final on: the whole second utterance.
    const replayFrom = w.finals[0]!.endMs;
    assert.ok(replayFrom < a2);
    assert.ok(aai.sessions[0]!.bytes >= (conv.audio.length / 8 - replayFrom) * 8 - 800);
    assert.equal(metrics.get('failovers', 'deepgram'), 1);
  } finally {
    await dg.close();
    await aai.close();
  }
});

test('killing the OpenAI realtime server mid-utterance: the batch endpoint (self-hosted) finishes the leg', async () => {
  const rt = new OpenAiRealtimeFake(TEXTS);
  const batch = new OpenAiBatchFake(TEXTS, null);
  const rtUrl = await rt.start();
  const batchUrl = await batch.start();
  try {
    const config = loadConfig([sttSection], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_URL: rtUrl, OPENAI_BATCH_URL: batchUrl, STT_RECONNECT_ATTEMPTS: '1' },
      argv: [],
    }).stt;
    const factory = createSttStreamFactory(config, { log: silentLogger() });
    const conv = conversation(TEXTS, 'mulaw', 8000);
    const s = factory.open(['openai-realtime', 'openai-batch'], leg);
    const w = watch(s);
    await s.waitFor('open');
    const [a2, b2] = conv.spans[1]!;
    const mid = Math.round((a2 + b2) / 2);
    play(s, conv, 0, mid);
    await waitFor(() => w.finals.length === 1);
    await rt.kill();
    play(s, conv, mid, conv.audio.length / 8);
    await waitFor(() => w.finals.length === 3, 15_000);
    await s.close();
    assert.deepEqual(w.finals.map((f) => f.text), TEXTS);
    assert.deepEqual(w.finals.map((f) => f.provider), ['openai-realtime', 'openai-batch', 'openai-batch']);
    // The replay starts at the end of the first final, so the tail of the first utterance (silence up
    // to the gateway's speech end) is posted too; the server answers it with no text, and nothing is duplicated.
    assert.ok(batch.requests.length >= 2 && batch.requests.length <= 3);
  } finally {
    await rt.close();
    await batch.close();
  }
});
