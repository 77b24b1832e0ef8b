import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SegmentAction, TypedEmitter, type SttStream, type SttStreamEvents } from '@dialer/core';
import { SttFeed } from '../../src/pipeline/stt-feed.js';

/** A stream whose backlog the test controls. */
class SlowStream extends TypedEmitter<SttStreamEvents> implements SttStream {
  readonly provider = 'slow';
  readonly state = 'open' as const;
  bufferedBytes = 0;
  readonly writes: Uint8Array[] = [];
  readonly marks: string[] = [];
  write(audio: Uint8Array): void {
    this.writes.push(audio);
  }
  speechStart(at: number): void {
    this.marks.push(`start@${at}`);
  }
  speechEnd(at: number): void {
    this.marks.push(`end@${at}`);
  }
  finalize(): void {}
  async close(): Promise<void> {}
}

function frame(value: number): Uint8Array {
  return new Uint8Array(160).fill(value);
}

const hooks = () => {
  const h = { chunks: 0, dropStarts: 0, gaps: [] as number[] };
  return {
    h,
    hooks: { onChunk: () => void h.chunks++, onDropStart: () => void h.dropStarts++, onDropEnd: (g: number) => void h.gaps.push(g) },
  };
};

test('continuous mode batches five 20 ms frames per write and keeps each chunk', () => {
  const s = new SlowStream();
  const { h, hooks: k } = hooks();
  const feed = new SttFeed(s, { frameBytes: 160, framesPerChunk: 5, frameMs: 20, preRollFrames: 5, continuous: true, maxBacklogBytes: 8000 }, k);
  for (let i = 0; i < 12; i++) feed.frame(frame(i), SegmentAction.none, 0, 0, 0);
  assert.equal(s.writes.length, 2);
  assert.equal(s.writes[0]!.length, 800);
  // Chunks are never reused: the first still holds frames 0..4.
  assert.equal(s.writes[0]![0], 0);
  assert.equal(s.writes[0]![799], 4);
  assert.equal(s.writes[1]![0], 5);
  feed.flush();
  assert.equal(s.writes[2]!.length, 320);
  assert.equal(h.chunks, 3);
});

test('gated mode sends only segments, starting with the pre-roll, and flushes at the end', () => {
  const s = new SlowStream();
  const { hooks: k } = hooks();
  const feed = new SttFeed(s, { frameBytes: 160, framesPerChunk: 5, frameMs: 20, preRollFrames: 4, continuous: false, maxBacklogBytes: 8000 }, k);
  for (let i = 0; i < 10; i++) feed.frame(frame(i), SegmentAction.none, 0, 0, 0);
  assert.equal(s.writes.length, 0);
  feed.frame(frame(10), SegmentAction.started | SegmentAction.inSegment, 160, 0, 3);
  feed.frame(frame(11), SegmentAction.inSegment, 0, 0, 0);
  feed.frame(frame(12), SegmentAction.inSegment | SegmentAction.ended, 0, 260, 0);
  const sent = Buffer.concat(s.writes.map((w) => Buffer.from(w)));
  assert.deepEqual([...new Set(sent)], [7, 8, 9, 10, 11, 12]);
  assert.deepEqual(s.marks, ['start@160', 'end@260']);
});

test('a backlogged provider loses audio, counted; the gap is reported once it clears', () => {
  const s = new SlowStream();
  const { h, hooks: k } = hooks();
  const feed = new SttFeed(s, { frameBytes: 160, framesPerChunk: 5, frameMs: 20, preRollFrames: 4, continuous: true, maxBacklogBytes: 1000 }, k);
  for (let i = 0; i < 5; i++) feed.frame(frame(1), SegmentAction.none, 0, 0, 0);
  s.bufferedBytes = 5000;
  for (let i = 0; i < 20; i++) feed.frame(frame(2), SegmentAction.none, 0, 0, 0);
  assert.equal(s.writes.length, 1);
  assert.equal(feed.droppedMs, 400);
  assert.equal(h.dropStarts, 1);
  s.bufferedBytes = 0;
  for (let i = 0; i < 5; i++) feed.frame(frame(3), SegmentAction.none, 0, 0, 0);
  assert.equal(s.writes.length, 2);
  assert.deepEqual(h.gaps, [400]);
});
