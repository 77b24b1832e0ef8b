import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeSttProvider, isDialerError, SimulatedClock, type TranscriptEvent } from '@dialer/core';

const opts = { callId: 'c1', legId: 'l1', speaker: 'customer' as const, encoding: 'mulaw' as const, sampleRate: 8000 };
const frame = new Uint8Array(160); // 20 ms of u-law

test('the fake provider scripts interims and finals on speech marks, with offsets and usage', async () => {
  const clock = new SimulatedClock(0);
  const p = new FakeSttProvider('fake', { utterances: ['hello there friend', 'goodbye'], interim: true, delayMs: 200 }, clock);
  const s = p.open(opts);
  const events: TranscriptEvent[] = [];
  const usage: number[] = [];
  s.on('transcript', (e) => {
    events.push(e);
  });
  s.on('usage', (u) => {
    usage.push(u.audioMs);
  });
  await clock.advanceAsync(1);
  assert.equal(s.state, 'open');
  for (let i = 0; i < 50; i++) s.write(frame);
  s.speechStart(100);
  s.speechEnd(900);
  await clock.advanceAsync(200);
  assert.deepEqual(events.map((e) => [e.kind, e.text, e.startMs, e.endMs]), [
    ['interim', 'hello there', 100, 900],
    ['final', 'hello there friend', 100, 900],
  ]);
  assert.equal(events[0]!.segmentId, events[1]!.segmentId);
  for (let i = 0; i < 10; i++) s.write(frame);
  await s.close();
  assert.equal(events.at(-1)!.text, 'goodbye');
  assert.deepEqual(usage, [1200]);
  assert.equal(p.streams[0]!.writes, 60);
  assert.equal(s.state, 'closed');
});

test('the fake provider can fail on open, fail after audio, and stall', async () => {
  const clock = new SimulatedClock(0);
  const errors: string[] = [];
  const a = new FakeSttProvider('a', { failOnOpen: 'DIALER_ERR_STT_AUTH' }, clock).open(opts);
  a.on('error', (e) => {
    errors.push(e.code);
  });
  await clock.advanceAsync(1);
  assert.equal(a.state, 'failed');
  const b = new FakeSttProvider('b', { errorAfterAudioMs: 100 }, clock).open(opts);
  b.on('error', (e) => {
    assert.ok(isDialerError(e) && e.retryable);
    errors.push(e.code);
  });
  await clock.advanceAsync(1);
  for (let i = 0; i < 5; i++) b.write(frame);
  assert.equal(b.state, 'failed');
  const c = new FakeSttProvider('c', { stallAfterAudioMs: 0 }, clock).open(opts);
  let results = 0;
  c.on('transcript', () => {
    results++;
  });
  await clock.advanceAsync(1);
  c.write(frame);
  c.speechStart(0);
  c.speechEnd(20);
  await clock.advanceAsync(10_000);
  assert.equal(results, 0);
  assert.deepEqual(errors, ['DIALER_ERR_STT_AUTH', 'DIALER_ERR_STT_UNAVAILABLE']);
});
