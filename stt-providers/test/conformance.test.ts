import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsFormat, silentLogger, systemClock, type DialerError, type SttEncoding, type SttProvider, type SttStream, type TranscriptEvent } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import {
  AssemblyAiProvider,
  DeepgramProvider,
  OpenAiBatchProvider,
  OpenAiRealtimeProvider,
  type StreamDeps,
} from '@dialer/stt-providers';
import { chunks, conversation, type Script } from './helpers/audio.js';
import { AssemblyAiFake } from './fakes/assemblyai.js';
import { DeepgramFake } from './fakes/deepgram.js';
import { OpenAiBatchFake } from './fakes/openai-batch.js';
import { OpenAiRealtimeFake } from './fakes/openai-realtime.js';

/**
 * One conformance suite, the same checks for every adapter: against a local
 * fake of the vendor's protocol always, and against the real service when its
 * key is in the environment (otherwise those tests are skipped, saying why).
 */

const TEXTS = ['hello and welcome', 'please tell me your postcode'];
const deps: StreamDeps = { clock: systemClock, log: silentLogger(), connectTimeoutMs: 5000, keepAliveMs: 4000, maxPendingMs: 30_000, closeTimeoutMs: 8000 };
const common = { language: 'en', hints: [] as string[], endpointingMs: 300 };

interface Target {
  /** Builds the provider; `key` overrides the key (to test a wrong one). */
  make(key?: string): SttProvider;
  /** What the server received, when it is a fake. */
  received?(): { bytes: number; encoding: string; sampleRate: number };
  close(): Promise<void>;
  real: boolean;
}

interface Adapter {
  name: string;
  keyEnv: string;
  fake(): Promise<Target>;
  real(key: string): Target;
}

const ADAPTERS: Adapter[] = [
  {
    name: 'deepgram',
    keyEnv: 'DEEPGRAM_API_KEY',
    async fake() {
      const f = new DeepgramFake(TEXTS);
      const url = await f.start();
      return {
        real: false,
        make: (key = 'dg-test-key') => new DeepgramProvider({ apiKey: key, url, model: 'nova-3', interim: true, utteranceEndMs: 1000, smartFormat: true, ...common }, deps),
        received: () => {
          const q = f.sessions.at(-1)!.query;
          return { bytes: f.sessions.at(-1)!.bytes, encoding: q.get('encoding')!, sampleRate: Number(q.get('sample_rate')) };
        },
        close: () => f.close(),
      };
    },
    real: (key) => ({
      real: true,
      make: (k = key) => new DeepgramProvider({ apiKey: k, url: process.env['DEEPGRAM_URL'] ?? 'wss://api.deepgram.com', model: 'nova-3', interim: true, utteranceEndMs: 1000, smartFormat: true, ...common }, deps),
      close: async () => undefined,
    }),
  },
  {
    name: 'assemblyai',
    keyEnv: 'ASSEMBLYAI_API_KEY',
    async fake() {
      const f = new AssemblyAiFake(TEXTS);
      const url = await f.start();
      return {
        real: false,
        make: (key = 'aai-test-key') => new AssemblyAiProvider({ apiKey: key, url, speechModel: 'universal-streaming-english', formatTurns: false, chunkMs: 100, ...common }, deps),
        received: () => {
          const q = f.sessions.at(-1)!.query;
          return { bytes: f.sessions.at(-1)!.bytes, encoding: q.get('encoding') === 'pcm_mulaw' ? 'mulaw' : 'linear16', sampleRate: Number(q.get('sample_rate')) };
        },
        close: () => f.close(),
      };
    },
    real: (key) => ({
      real: true,
      make: (k = key) => new AssemblyAiProvider({ apiKey: k, url: 'wss://streaming.assemblyai.com/v3/ws', speechModel: 'universal-streaming-english', formatTurns: false, chunkMs: 100, ...common }, deps),
      close: async () => undefined,
    }),
  },
  {
    name: 'openai-realtime',
    keyEnv: 'OPENAI_API_KEY',
    async fake() {
      const f = new OpenAiRealtimeFake(TEXTS);
      const url = await f.start();
      return {
        real: false,
        make: (key = 'sk-test') => new OpenAiRealtimeProvider({ apiKey: key, url, model: 'gpt-4o-transcribe', interim: true, vad: 'server_vad', ...common }, deps),
        received: () => {
          const sess = f.sessions.at(-1)!;
          const fmt = (sess.session as { audio: { input: { format: { type: string; rate?: number } } } }).audio.input.format;
          return { bytes: sess.bytes, encoding: fmt.type === 'audio/pcmu' ? 'mulaw' : fmt.type === 'audio/pcma' ? 'alaw' : 'linear16', sampleRate: fmt.rate ?? 8000 };
        },
        close: () => f.close(),
      };
    },
    real: (key) => ({
      real: true,
      make: (k = key) => new OpenAiRealtimeProvider({ apiKey: k, url: 'https://api.openai.com/v1', model: 'gpt-4o-transcribe', interim: true, vad: 'server_vad', ...common }, deps),
      close: async () => undefined,
    }),
  },
  {
    name: 'openai-batch',
    keyEnv: 'OPENAI_API_KEY',
    async fake() {
      const f = new OpenAiBatchFake(TEXTS);
      const url = await f.start();
      return {
        real: false,
        make: (key = 'sk-test') => new OpenAiBatchProvider({ apiKey: key, url, model: 'gpt-4o-mini-transcribe', sampleRate: 16000, wordTimestamps: false, maxSegmentMs: 30_000, requestTimeoutMs: 8000, ...common }, deps),
        received: () => ({ bytes: f.requests.reduce((n, r) => n + r.wav.dataBytes, 0), encoding: 'linear16', sampleRate: f.requests.at(-1)?.wav.sampleRate ?? 0 }),
        close: () => f.close(),
      };
    },
    real: (key) => ({
      real: true,
      make: (k = key) => new OpenAiBatchProvider({ apiKey: k, url: 'https://api.openai.com/v1', model: 'gpt-4o-mini-transcribe', sampleRate: 16000, wordTimestamps: false, maxSegmentMs: 30_000, requestTimeoutMs: 15_000, ...common }, deps),
      close: async () => undefined,
    }),
  },
];

/** Plays a conversation as the gateway does: 100 ms writes, with VAD marks padded by 100 ms. */
function play(s: SttStream, conv: Script, encoding: SttEncoding, sampleRate: number, offsetMs = 0): void {
  let at = offsetMs;
  const marks = conv.spans.flatMap(([a, b]) => [
    { at: offsetMs + a - 100, start: true },
    { at: offsetMs + b + 100, start: false },
  ]);
  for (const c of chunks(conv.audio, encoding, sampleRate)) {
    while (marks[0] && marks[0].at <= at) {
      const m = marks.shift()!;
      if (m.start) s.speechStart(m.at);
      else s.speechEnd(m.at);
    }
    s.write(c);
    at += 100;
  }
  for (const m of marks) (m.start ? s.speechStart(m.at) : s.speechEnd(m.at));
}

const words = (t: string): string[] => t.toLowerCase().replace(/[^a-z0-9 ]/g, ' ').split(/\s+/).filter(Boolean);

async function conformance(adapter: Adapter, target: Target): Promise<void> {
  const provider = target.make();
  const c = provider.capabilities;
  // Capabilities are coherent: the preferred format is one it accepts; streaming implies continuous audio.
  assert.equal(provider.name, adapter.name);
  assert.ok(acceptsFormat(c, c.preferred.encoding, c.preferred.sampleRate));
  if (c.streaming) assert.equal(c.continuousAudio, true);
  const { encoding, sampleRate } = c.preferred;
  const conv = conversation(TEXTS, encoding, sampleRate);

  const s = provider.open({ callId: 'c1', legId: `l-${adapter.name}`, speaker: 'customer', encoding, sampleRate, startOffsetMs: 10_000 });
  const got: TranscriptEvent[] = [];
  const usage: number[] = [];
  let closes = 0;
  s.on('transcript', (e) => {
    got.push(e);
  });
  s.on('usage', (u) => {
    usage.push(u.audioMs);
  });
  s.on('close', () => {
    closes++;
  });
  const errors: DialerError[] = [];
  s.on('error', (e) => {
    errors.push(e);
  });
  await s.waitFor('open');
  assert.equal(s.state, 'open');
  play(s, conv, encoding, sampleRate, 10_000);
  s.finalize();
  const finals = (): TranscriptEvent[] => got.filter((e) => e.kind === 'final');
  await waitFor(() => (target.real ? words(finals().map((f) => f.text).join(' ')).length >= 6 : finals().length === 2), target.real ? 30_000 : 10_000);
  await s.close();
  await s.close(); // idempotent
  s.write(Buffer.alloc(100)); // ignored after close

  assert.deepEqual(errors, []);
  assert.equal(s.state, 'closed');
  assert.equal(closes, 1);
  assert.equal(usage.length, 1, 'usage once, on close');
  const f = finals();
  if (target.real) {
    const heard = new Set(words(f.map((x) => x.text).join(' ')));
    const expected = words(TEXTS.join(' '));
    assert.ok(expected.filter((w) => heard.has(w)).length >= expected.length / 2, `heard: ${[...heard].join(' ')}`);
  } else {
    assert.deepEqual(f.map((x) => x.text.toLowerCase().replace(/\.$/, '')), TEXTS);
    const r = target.received!();
    assert.equal(r.encoding, c.streaming ? encoding : 'linear16');
    assert.equal(r.sampleRate, c.streaming ? sampleRate : 16000);
    if (c.streaming) assert.ok(r.bytes >= conv.audio.length, 'the whole audio reached the server');
    const totalMs = conv.audio.length / (((encoding === 'linear16' ? 2 : 1) * sampleRate) / 1000);
    assert.ok(usage[0]! > 0 && usage[0]! <= totalMs + 60, `usage ${usage[0]} within the audio (${totalMs} ms)`);
  }
  // Normalised: leg offsets, in order, each final with its provider and a distinct segment.
  for (const [i, x] of f.entries()) {
    assert.equal(x.provider, adapter.name);
    assert.ok(x.startMs >= 10_000 && x.endMs >= x.startMs && x.endMs <= 10_000 + conv.audio.length * 1000, `offsets ${x.startMs}-${x.endMs}`);
    if (i > 0) assert.ok(x.startMs >= f[i - 1]!.endMs - 1, 'finals in order, not overlapping');
    for (const w of x.words ?? []) assert.ok(w.startMs >= 10_000 - 1 && w.endMs >= w.startMs);
  }
  assert.equal(new Set(f.map((x) => x.segmentId)).size, f.length);

  // A wrong key: a coded auth error, not retryable.
  const bad = target.make('wrong-key-for-conformance').open({ callId: 'c1', legId: 'l2', speaker: 'customer', encoding, sampleRate });
  const badErr = bad.waitFor('error');
  if (!c.streaming) {
    await bad.waitFor('open');
    play(bad, conversation(TEXTS.slice(0, 1), encoding, sampleRate, 300), encoding, sampleRate);
  }
  const [err] = (await badErr) as [DialerError];
  assert.equal(err.code, 'DIALER_ERR_STT_AUTH');
  assert.equal(err.retryable, false);
  await bad.close();
}

for (const adapter of ADAPTERS) {
  test(`conformance: ${adapter.name} against a local fake of its protocol`, async () => {
    const target = await adapter.fake();
    try {
      await conformance(adapter, target);
    } finally {
      await target.close();
    }
  });

  const key = process.env[adapter.keyEnv];
  test(
    `conformance: ${adapter.name} against the real service`,
    { skip: key ? false : `${adapter.keyEnv} is not set: not testing against the real ${adapter.name} service` },
    async () => {
      const target = adapter.real(key!);
      try {
        await conformance(adapter, target);
      } finally {
        await target.close();
      }
    },
  );
}
