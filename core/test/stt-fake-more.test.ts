import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeSttProvider, SimulatedClock, type DialerError, type TranscriptEvent } from '@dialer/core';

const opts = { callId: 'c1', legId: 'l1', speaker: 'customer' as const, encoding: 'mulaw' as const, sampleRate: 8000 };
const frame = new Uint8Array(800); // 100 ms of u-law

test('the fake gives words with times inside the leg, per-utterance delays and confidences, and activity', async () => {
  const clock = new SimulatedClock(0);
  const p = new FakeSttProvider('fake', { utterances: [{ text: 'one two', delayMs: 50, confidence: 0.5 }, 'three'], delayMs: 300 }, clock);
  const s = p.open({ ...opts, startOffsetMs: 2000, language: 'es' });
  const got: TranscriptEvent[] = [];
  let activity = 0;
  s.on('transcript', (e) => {
    got.push(e);
  });
  s.on('activity', () => {
    activity++;
  });
  await clock.advanceAsync(1);
  for (let i = 0; i < 10; i++) s.write(frame);
  s.speechStart(2000);
  s.speechEnd(2400);
  await clock.advanceAsync(50);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0]!.words!.map((w) => [w.word, w.startMs, w.endMs]), [['one', 2000, 2200], ['two', 2200, 2400]]);
  assert.equal(got[0]!.confidence, 0.5);
  assert.equal(got[0]!.language, 'es');
  s.finalize();
  await clock.advanceAsync(300);
  assert.equal(got[1]!.text, 'three');
  assert.deepEqual([got[1]!.startMs, got[1]!.endMs], [2400, 3000]);
  assert.ok(activity >= 3);
  assert.deepEqual(p.streams[0]!.finalSpans, [[2000, 2400], [2400, 3000]]);
});

test('an outage fails open streams (a dropped connection) and new ones, until it ends', async () => {
  const clock = new SimulatedClock(0);
  const p = new FakeSttProvider('v', {}, clock);
  const a = p.open(opts);
  const errs: DialerError[] = [];
  a.on('error', (e) => {
    errs.push(e);
  });
  await clock.advanceAsync(1);
  p.outage();
  assert.equal(a.state, 'failed');
  assert.deepEqual(errs[0]!.details, { dropped: true });
  assert.equal(errs[0]!.retryable, true);
  const b = p.open(opts);
  b.on('error', (e) => {
    errs.push(e);
  });
  await clock.advanceAsync(1);
  assert.equal(b.state, 'failed');
  p.endOutage();
  const c = p.open(opts);
  await clock.advanceAsync(1);
  assert.equal(c.state, 'open');
  assert.equal(p.streams[0]!.error?.code, 'DIALER_ERR_STT_UNAVAILABLE');
});

test('stall(): open streams stop answering until stall(false); stallOnOpen never opens', async () => {
  const clock = new SimulatedClock(0);
  const p = new FakeSttProvider('v', { utterances: ['a', 'b'] }, clock);
  const s = p.open(opts);
  const texts: string[] = [];
  s.on('transcript', (e) => {
    texts.push(e.text);
  });
  await clock.advanceAsync(1);
  s.write(frame);
  p.stall();
  s.speechStart(0);
  s.speechEnd(100);
  await clock.advanceAsync(1000);
  assert.deepEqual(texts, []);
  p.stall(false);
  s.write(frame);
  s.finalize();
  await clock.advanceAsync(1);
  assert.deepEqual(texts, ['a']);
  const hang = new FakeSttProvider('h', { stallOnOpen: true }, clock).open(opts);
  await clock.advanceAsync(60_000);
  assert.equal(hang.state, 'connecting');
});
