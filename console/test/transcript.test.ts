import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TranscriptBuffer } from '../src/lib/transcript.js';

const seg = (segmentId: string, text: string, speaker: 'customer' | 'agent' = 'customer', legId = 'leg-c') => ({ legId, segmentId, speaker, text, startMs: 0, endMs: 100 });

test('interims of an utterance are replaced in place, then by the final', () => {
  const t = new TranscriptBuffer();
  t.apply('interim', seg('s1', 'hello'));
  t.apply('interim', seg('s1', 'hello I would'));
  t.apply('final', seg('s1', 'Hello, I would like to cancel.'));
  assert.deepEqual(
    t.lines().map((l) => [l.text, l.final]),
    [['Hello, I would like to cancel.', true]],
  );
});

test('an interim arriving after its final is ignored', () => {
  const t = new TranscriptBuffer();
  t.apply('final', seg('s1', 'Yes please.'));
  const changed = t.apply('interim', seg('s1', 'yes'));
  assert.equal(changed, false);
  assert.equal(t.lines()[0]!.text, 'Yes please.');
  assert.equal(t.lines()[0]!.final, true);
});

test('a corrected final replaces the earlier final', () => {
  const t = new TranscriptBuffer();
  t.apply('final', seg('s1', 'I want to council'));
  t.apply('final', seg('s1', 'I want to cancel'));
  assert.deepEqual(t.lines().map((l) => l.text), ['I want to cancel']);
});

test('lines keep the order their utterances began in, across speakers, and speakers stay apart', () => {
  const t = new TranscriptBuffer();
  t.apply('interim', seg('c1', 'hi', 'customer', 'leg-c'));
  t.apply('interim', seg('a1', 'good morning', 'agent', 'leg-a'));
  t.apply('final', seg('c1', 'Hi there.', 'customer', 'leg-c'));
  assert.deepEqual(
    t.lines().map((l) => `${l.speaker}:${l.text}`),
    ['customer:Hi there.', 'agent:good morning'],
  );
});

test('the same segment id on two legs is two utterances', () => {
  const t = new TranscriptBuffer();
  t.apply('final', seg('1', 'customer words', 'customer', 'leg-c'));
  t.apply('final', seg('1', 'agent words', 'agent', 'leg-a'));
  assert.equal(t.lines().length, 2);
});

test('empty interims add nothing and an empty final removes its interim', () => {
  const t = new TranscriptBuffer();
  assert.equal(t.apply('interim', seg('s1', '   ')), false);
  t.apply('interim', seg('s2', 'uh'));
  t.apply('interim', seg('s3', 'next'));
  t.apply('final', seg('s2', ''));
  assert.deepEqual(t.lines().map((l) => l.text), ['next']);
  t.apply('final', seg('s3', 'Next one.'));
  assert.deepEqual(t.lines().map((l) => l.text), ['Next one.']);
});

test('the oldest lines are dropped past the cap and updates still land on the right line', () => {
  const t = new TranscriptBuffer(3);
  for (let i = 0; i < 5; i++) t.apply('interim', seg(`s${i}`, `line ${i}`));
  assert.deepEqual(t.lines().map((l) => l.text), ['line 2', 'line 3', 'line 4']);
  t.apply('final', seg('s3', 'Line three.'));
  assert.deepEqual(t.lines().map((l) => l.text), ['line 2', 'Line three.', 'line 4']);
});

test('plain text lists final lines only, and version counts changes', () => {
  const t = new TranscriptBuffer();
  const v0 = t.version;
  t.apply('final', seg('s1', 'Hello.'));
  t.apply('interim', seg('s2', 'how ar', 'agent', 'leg-a'));
  assert.equal(t.plainText(), 'customer: Hello.');
  assert.equal(t.version, v0 + 2);
});
