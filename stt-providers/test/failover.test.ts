import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FakeSttProvider,
  loadConfig,
  silentLogger,
  SimulatedClock,
  type DialerError,
  type FakeSttScript,
  type SttStateChange,
  type SttStream,
  type TranscriptEvent,
} from '@dialer/core';
import { createSttStreamFactory, sttSection, SttCounters } from '@dialer/stt-providers';

const FRAME = new Uint8Array(800); // 100 ms of u-law
const leg = { callId: 'c1', legId: 'l1', speaker: 'customer' as const, encoding: 'mulaw' as const, sampleRate: 8000 };

function setup(scripts: Record<string, FakeSttScript>, env: Record<string, string> = {}) {
  const clock = new SimulatedClock(0);
  const providers: Record<string, FakeSttProvider> = {};
  for (const [name, script] of Object.entries(scripts)) providers[name] = new FakeSttProvider(name, script, clock);
  const config = loadConfig([sttSection], { env: { STT_STALL_TIMEOUT_MS: '3000', STT_CONNECT_TIMEOUT_MS: '1000', ...env }, argv: [] }).stt;
  const metrics = new SttCounters();
  const factory = createSttStreamFactory(config, { log: silentLogger(), clock, providers, metrics, random: () => 0.5 });
  return { clock, providers, factory, metrics };
}

/** Everything a stream emits, with the simulated time of each. */
function record(s: SttStream, clock: SimulatedClock) {
  const finals: TranscriptEvent[] = [];
  const interims: TranscriptEvent[] = [];
  const states: Array<SttStateChange & { at: number }> = [];
  const errors: DialerError[] = [];
  const usage: Array<{ provider: string; audioMs: number }> = [];
  s.on('transcript', (e) => {
    (e.kind === 'final' ? finals : interims).push(e);
  });
  s.on('state', (st) => {
    states.push({ ...st, at: clock.now() });
  });
  s.on('error', (e) => {
    errors.push(e);
  });
  s.on('usage', (u) => {
    usage.push(u);
  });
  return { finals, interims, states, errors, usage };
}

/** Writes `ms` of audio, one 100 ms frame per 100 ms of simulated time. */
async function speak(s: SttStream, clock: SimulatedClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    s.write(FRAME);
    await clock.advanceAsync(100);
  }
}

test('a retryable failure mid-utterance switches to the next provider within 2 s and replays the audio since the last final', async () => {
  const { clock, providers, factory, metrics } = setup({ a: { utterances: ['one', 'two'], delayMs: 100 }, b: { utterances: ['two'], delayMs: 100 } });
  const s = factory.open(['a', 'b'], leg);
  const r = record(s, clock);
  await clock.advanceAsync(1);
  s.speechStart(0);
  await speak(s, clock, 1000);
  s.speechEnd(1000);
  await clock.advanceAsync(100);
  assert.deepEqual(r.finals.map((f) => [f.provider, f.text, f.startMs, f.endMs]), [['a', 'one', 0, 1000]]);

  s.speechStart(1200);
  await speak(s, clock, 500); // now at 1500, mid-utterance
  const failedAt = clock.now();
  providers['a']!.outage('DIALER_ERR_STT_UNAVAILABLE', { status: 503 });
  await clock.advanceAsync(1);
  const connected = r.states.find((st) => st.provider === 'b' && st.state === 'connected');
  assert.ok(connected, 'b took over');
  assert.ok(connected.at - failedAt <= 2000, `switched in ${connected.at - failedAt} ms`);
  // b was given the audio since the last final (1000 ms), with the speech start inside it.
  const b = providers['b']!.streams[0]!;
  assert.equal(b.options.startOffsetMs, 1000);
  assert.equal(b.audioMs, 500);
  assert.deepEqual(b.speechStarts, [1200]);

  await speak(s, clock, 900);
  s.speechEnd(2400);
  await clock.advanceAsync(100);
  await s.close();
  assert.deepEqual(r.finals.map((f) => [f.provider, f.text, f.startMs, f.endMs]), [
    ['a', 'one', 0, 1000],
    ['b', 'two', 1200, 2400],
  ]);
  assert.deepEqual(r.states.map((st) => [st.provider, st.state, st.next]), [
    ['a', 'connected', undefined],
    ['a', 'failover', 'b'],
    ['b', 'connected', undefined],
    ['b', 'closed', undefined],
  ]);
  assert.equal(r.states[1]!.error?.code, 'DIALER_ERR_STT_UNAVAILABLE');
  assert.deepEqual(r.errors, []);
  // Usage from both providers; the replayed 500 ms count for b too.
  assert.deepEqual(r.usage.sort((x, y) => x.provider.localeCompare(y.provider)), [
    { provider: 'a', audioMs: 1500 },
    { provider: 'b', audioMs: 1400 },
  ]);
  assert.equal(metrics.get('failovers', 'a'), 1);
  assert.equal(metrics.get('provider_errors', 'a'), 1);
});

test('a provider that stalls (no answer after the end of speech) is left after the stall timeout; its late results are ignored', async () => {
  const { clock, providers, factory, metrics } = setup({ a: { utterances: ['one', 'late'], delayMs: 100 }, b: { utterances: ['two'], delayMs: 100 } });
  const t = factory.open(['a', 'b'], leg);
  const r = record(t, clock);
  await clock.advanceAsync(1);
  t.speechStart(0);
  await speak(t, clock, 1000);
  t.speechEnd(1000);
  await clock.advanceAsync(100);
  providers['a']!.stall();
  t.speechStart(1100);
  await speak(t, clock, 900);
  const endedAt = clock.now();
  t.speechEnd(2000);
  await clock.advanceAsync(2999);
  assert.equal(r.states.filter((st) => st.state === 'failover').length, 0, 'not yet: the stall timeout is 3 s');
  await clock.advanceAsync(2);
  const failover = r.states.find((st) => st.state === 'failover')!;
  assert.equal(failover.error?.code, 'DIALER_ERR_STT_STALL');
  assert.ok(failover.at - endedAt <= 3000 + 2000);
  await clock.advanceAsync(200);
  // a answers again and flushes on close, but it was switched away from: ignored.
  providers['a']!.stall(false);
  await t.close();
  assert.deepEqual(r.finals.map((f) => [f.provider, f.text]), [
    ['a', 'one'],
    ['b', 'two'],
  ]);
  assert.equal(metrics.get('stalls', 'a'), 1);
});

test('an auth error is final for that provider: surfaced as an event and a metric, and new legs skip it', async () => {
  const { clock, providers, factory, metrics } = setup({ a: { failOnOpen: 'DIALER_ERR_STT_AUTH' }, b: { utterances: ['hi'] } });
  const s = factory.open(['a', 'b'], leg);
  const r = record(s, clock);
  await clock.advanceAsync(1);
  assert.deepEqual(r.states.map((st) => [st.provider, st.state, st.error?.code]), [
    ['a', 'failover', 'DIALER_ERR_STT_AUTH'],
    ['b', 'connected', undefined],
  ]);
  assert.equal(metrics.get('auth_errors', 'a'), 1);
  await s.close();
  const t = factory.open(['a', 'b'], leg);
  await clock.advanceAsync(1);
  assert.equal(t.provider, 'b');
  assert.equal(providers['a']!.streams.length, 1, 'a is not tried again for the next leg');
  await t.close();
});

test('a dropped connection reconnects to the same provider with backoff, and resumes with the replay', async () => {
  const { clock, providers, factory, metrics } = setup({ a: { utterances: ['one', 'two'], delayMs: 50 }, b: {} });
  const s = factory.open(['a', 'b'], leg);
  const r = record(s, clock);
  await clock.advanceAsync(1);
  s.speechStart(0);
  await speak(s, clock, 500);
  providers['a']!.outage();
  providers['a']!.endOutage(); // a blip: the reconnect succeeds
  await clock.advanceAsync(1000);
  s.speechEnd(700);
  await speak(s, clock, 200);
  await clock.advanceAsync(100);
  await s.close();
  assert.equal(providers['b']!.streams.length, 0, 'b was never needed');
  assert.equal(providers['a']!.streams.length, 2);
  assert.equal(providers['a']!.streams[1]!.options.startOffsetMs, 0);
  assert.equal(metrics.get('reconnects', 'a'), 1);
  assert.deepEqual(r.states.map((st) => [st.provider, st.state, st.next]), [
    ['a', 'connected', undefined],
    ['a', 'failover', 'a'],
    ['a', 'connected', undefined],
    ['a', 'closed', undefined],
  ]);
  assert.deepEqual(r.finals.map((f) => [f.text, f.startMs, f.endMs]), [['one', 0, 700]]);
});

test('when every provider fails, the chain is retried with backoff, the audio is kept, and nothing is lost once one recovers', async () => {
  const { clock, providers, factory } = setup({ a: { utterances: ['kept'] }, b: {} }, { STT_RECONNECT_ATTEMPTS: '0' });
  providers['a']!.outage();
  providers['b']!.outage();
  const s = factory.open(['a', 'b'], leg);
  const r = record(s, clock);
  await clock.advanceAsync(1);
  s.speechStart(0);
  await speak(s, clock, 600);
  s.speechEnd(600);
  assert.ok(r.states.some((st) => st.state === 'error'), 'an error state while no provider answers');
  providers['a']!.endOutage();
  await clock.advanceAsync(5000);
  await s.close();
  assert.deepEqual(r.finals.map((f) => [f.provider, f.text, f.startMs, f.endMs]), [['a', 'kept', 0, 600]]);
  assert.deepEqual(r.errors, []);
});

test('when no provider is left (all auth errors), the stream fails with DIALER_ERR_STT_EXHAUSTED', async () => {
  const { clock, factory, metrics } = setup({ a: { failOnOpen: 'DIALER_ERR_STT_AUTH' }, b: { failOnOpen: 'DIALER_ERR_STT_BAD_REQUEST' } });
  const s = factory.open(['a', 'b'], leg);
  const r = record(s, clock);
  await clock.advanceAsync(10);
  assert.equal(s.state, 'failed');
  assert.deepEqual(r.errors.map((e) => [e.code, e.retryable]), [['DIALER_ERR_STT_EXHAUSTED', false]]);
  assert.equal(metrics.get('exhausted'), 1);
  await s.close();
});

test('a provider with no key in a campaign chain is skipped for that leg', async () => {
  const clock = new SimulatedClock(0);
  const config = loadConfig([sttSection], { env: {}, argv: [] }).stt;
  const b = new FakeSttProvider('b', { utterances: ['ok'] }, clock);
  const factory = createSttStreamFactory(config, { log: silentLogger(), clock, providers: { b } });
  const s = factory.open(['deepgram', 'b'], leg);
  const r = record(s, clock);
  await clock.advanceAsync(1);
  assert.equal(s.provider, 'b');
  assert.deepEqual(r.states.map((st) => [st.provider, st.state]), [['b', 'connected']]);
  await s.close();
  assert.throws(() => factory.open([], leg), /no STT provider chain/);
});

test('audio older than the replay window is reported as a gap while no provider answers', async () => {
  const { clock, providers, factory, metrics } = setup({ a: {} }, { STT_REPLAY_MAX_MS: '1000', STT_RECONNECT_ATTEMPTS: '0' });
  providers['a']!.outage();
  const s = factory.open(['a'], leg);
  const r = record(s, clock);
  await clock.advanceAsync(1);
  await speak(s, clock, 3000);
  const gaps = r.states.filter((st) => st.gapMs);
  assert.ok(gaps.length >= 1);
  assert.equal(metrics.get('gap_ms'), 2000);
  await s.close();
  assert.equal(r.states.at(-1)!.state, 'closed');
  assert.equal(r.states.at(-1)!.gapMs, 1000, 'the audio still held at close is lost too');
});

test('the interim on screen keeps its segment id when another provider finishes the utterance', async () => {
  const { clock, providers, factory } = setup({ a: { utterances: ['hello big world'], interim: true, delayMs: 400 }, b: { utterances: ['hello big world'], delayMs: 100 } });
  const s = factory.open(['a', 'b'], leg);
  const r = record(s, clock);
  await clock.advanceAsync(1);
  s.speechStart(0);
  await speak(s, clock, 800);
  s.speechEnd(800);
  await clock.advanceAsync(250); // a's interim is out, its final not yet
  assert.equal(r.interims.length, 1);
  providers['a']!.outage();
  await clock.advanceAsync(2000);
  assert.equal(r.finals.length, 1);
  assert.equal(r.finals[0]!.provider, 'b');
  assert.equal(r.finals[0]!.segmentId, r.interims[0]!.segmentId);
  await s.close();
});

test('redaction applies to every transcript before it leaves the stream', async () => {
  const clock = new SimulatedClock(0);
  const config = loadConfig([sttSection], { env: {}, argv: [] }).stt;
  const a = new FakeSttProvider('a', { utterances: ['my card is 4111 1111 1111 1111'], interim: true }, clock);
  const factory = createSttStreamFactory(config, { log: silentLogger(), clock, providers: { a }, redaction: { rules: ['card'], minDigits: 4, mask: '#' } });
  const s = factory.open(['a'], leg);
  const r = record(s, clock);
  await clock.advanceAsync(1);
  await speak(s, clock, 500);
  s.finalize();
  await clock.advanceAsync(10);
  await s.close();
  assert.equal(r.finals[0]!.text, 'my card is #### #### #### ####');
  assert.ok(r.finals[0]!.words!.every((w) => !/\d/.test(w.word)));
});

test('inputFormat: u-law passes through when the whole chain takes it; otherwise a format every provider accepts', () => {
  const clock = new SimulatedClock(0);
  const config = loadConfig([sttSection], { env: { OPENAI_API_KEY: 'k', DEEPGRAM_API_KEY: 'k', ASSEMBLYAI_API_KEY: 'k' }, argv: [] }).stt;
  const factory = createSttStreamFactory(config, { log: silentLogger(), clock });
  const ulaw = { encoding: 'mulaw' as const, sampleRate: 8000 };
  assert.deepEqual(factory.inputFormat(['deepgram', 'assemblyai', 'openai-realtime'], ulaw), { encoding: 'mulaw', sampleRate: 8000, continuousAudio: true });
  assert.deepEqual(factory.inputFormat(['openai-batch'], ulaw), { encoding: 'mulaw', sampleRate: 8000, continuousAudio: false });
  // 16 kHz PCM from a WebRTC leg: OpenAI realtime only takes 24 kHz PCM or G.711.
  assert.deepEqual(factory.inputFormat(['deepgram', 'openai-realtime'], { encoding: 'linear16', sampleRate: 16000 }), { encoding: 'mulaw', sampleRate: 8000, continuousAudio: true });
  assert.deepEqual(factory.inputFormat(['deepgram', 'openai-batch'], { encoding: 'linear16', sampleRate: 16000 }), { encoding: 'linear16', sampleRate: 16000, continuousAudio: true });
  // A-law is not taken by AssemblyAI.
  assert.deepEqual(factory.inputFormat(['assemblyai'], { encoding: 'alaw', sampleRate: 8000 }), { encoding: 'mulaw', sampleRate: 8000, continuousAudio: true });
});
