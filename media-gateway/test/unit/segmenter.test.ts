import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SegmentAction, SpeechSegmenter } from '@dialer/core';

function feed(seg: SpeechSegmenter, pattern: string): number[] {
  return [...pattern].map((c) => seg.push(c === 'x'));
}

test('speech starts after a run of voiced frames, with pre-roll, and ends after the hangover', () => {
  const seg = new SpeechSegmenter({ startFrames: 3, preRollMs: 100, hangoverMs: 100 });
  const actions = feed(seg, '..........xxx' + 'xxxx' + '.....' + '..');
  const started = actions.findIndex((a) => (a & SegmentAction.started) !== 0);
  assert.equal(started, 12);
  assert.equal(seg.startMs, 200);
  // The two voiced frames before the confirmation and 5 pre-roll frames.
  const ended = actions.findIndex((a) => (a & SegmentAction.ended) !== 0);
  assert.equal(ended, 21);
  assert.equal(seg.endMs, 22 * 20);
  assert.ok(actions.slice(12, 22).every((a) => a & SegmentAction.inSegment));
  assert.equal(actions[22], SegmentAction.none);
});

test('pre-roll frames to replay are counted at the start', () => {
  const seg = new SpeechSegmenter({ startFrames: 3, preRollMs: 100 });
  feed(seg, '..........xx');
  seg.push(true);
  assert.equal(seg.preRollToSend, 2 + 5);
});

test('isolated voiced frames do not start a segment', () => {
  const seg = new SpeechSegmenter({ startFrames: 3 });
  assert.ok(feed(seg, '.x.x.xx.x..xx.').every((a) => a === SegmentAction.none));
});

test('a segment longer than the maximum is split, and the next starts at once', () => {
  const seg = new SpeechSegmenter({ startFrames: 2, maxSegmentMs: 1000, preRollMs: 0 });
  const actions = feed(seg, 'x'.repeat(120));
  const ends = actions.filter((a) => a & SegmentAction.ended).length;
  const starts = actions.filter((a) => a & SegmentAction.started).length;
  assert.equal(ends, 2);
  assert.equal(starts, 3);
  assert.equal(seg.close(), true);
  assert.equal(seg.close(), false);
});
