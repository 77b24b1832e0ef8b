// Feeds one speech-to-text stream: batches 20 ms frames into 80-100 ms
// writes, replays the pre-roll when the VAD opens a segment (for providers
// that only want speech), forwards speech start/end marks, and applies
// backpressure: while the provider holds more than the allowed backlog the
// audio is dropped, counted, and reported once recovered.
import { SegmentAction, type SttStream } from '@dialer/core';

/** Options of an {@link SttFeed}. */
export interface SttFeedOptions {
  /** Bytes of one 20 ms frame in the stream's encoding and rate. */
  frameBytes: number;
  /** Frames per write (4 or 5). */
  framesPerChunk: number;
  frameMs: number;
  /** Frames the pre-roll ring keeps (gated mode). */
  preRollFrames: number;
  /** True: every frame is sent; false: only VAD segments (with pre-roll and hangover). */
  continuous: boolean;
  /** Provider backlog (bytes) above which audio is dropped. */
  maxBacklogBytes: number;
}

/** What the feed reports to its leg. */
export interface SttFeedHooks {
  /** A chunk was handed to the stream (for the added-latency measure). */
  onChunk(bytes: number): void;
  /** Audio dropped because of backlog starts: report once. */
  onDropStart(): void;
  /** Backlog cleared; `gapMs` of audio were not transcribed. */
  onDropEnd(gapMs: number): void;
}

/** The writer side of one leg's STT stream. */
export class SttFeed {
  private chunk: Buffer;
  private filled = 0;
  private readonly chunkBytes: number;
  private readonly ring: Uint8Array;
  private ringNext = 0;
  private ringCount = 0;
  private dropping = false;
  private droppedMsEpisode = 0;
  /** Milliseconds of audio dropped for backlog, in total. */
  droppedMs = 0;
  /** Bytes handed to the stream, in total. */
  sentBytes = 0;

  constructor(
    private stream: SttStream,
    private readonly o: SttFeedOptions,
    private readonly hooks: SttFeedHooks,
  ) {
    this.chunkBytes = o.frameBytes * o.framesPerChunk;
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
    this.ring = new Uint8Array(o.continuous ? 0 : o.frameBytes * Math.max(1, o.preRollFrames));
  }

  /** Replaces the stream (after a reopen); buffered audio goes to the new one. */
  setStream(stream: SttStream): void {
    this.stream = stream;
  }

  /**
   * One frame (`frameBytes` long) with the segmenter's decision for it.
   * `startMs`/`endMs` are the segment bounds when `action` says started/ended.
   */
  frame(bytes: Uint8Array, action: number, startMs: number, endMs: number, preRollToSend: number): void {
    if (action & SegmentAction.started) {
      if (!this.o.continuous) this.replayPreRoll(preRollToSend);
      this.stream.speechStart(startMs);
    }
    if (this.o.continuous || action & SegmentAction.inSegment) {
      this.append(bytes);
    } else {
      this.remember(bytes);
    }
    if (action & SegmentAction.ended) {
      this.flush();
      this.stream.speechEnd(endMs);
    }
  }

  /** Closes a segment early (leg ending): flushes and marks the end. */
  endSegment(endMs: number): void {
    this.flush();
    this.stream.speechEnd(endMs);
  }

  /** Sends what is batched so far. */
  flush(): void {
    if (this.filled === 0) return;
    this.send(this.chunk.subarray(0, this.filled));
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
    this.filled = 0;
  }

  private append(bytes: Uint8Array): void {
    this.chunk.set(bytes, this.filled);
    this.filled += bytes.length;
    if (this.filled >= this.chunkBytes) {
      this.send(this.chunk);
      // The stream may keep the buffer (it queues while connecting): never reuse it.
      this.chunk = Buffer.allocUnsafe(this.chunkBytes);
      this.filled = 0;
    }
  }

  private remember(bytes: Uint8Array): void {
    if (this.ring.length === 0) return;
    this.ring.set(bytes, this.ringNext * this.o.frameBytes);
    this.ringNext = (this.ringNext + 1) % (this.ring.length / this.o.frameBytes);
    if (this.ringCount < this.ring.length / this.o.frameBytes) this.ringCount++;
  }

  private replayPreRoll(frames: number): void {
    const slots = this.ring.length / this.o.frameBytes;
    const n = Math.min(frames, this.ringCount);
    for (let i = n; i > 0; i--) {
      const slot = (this.ringNext - i + slots) % slots;
      this.append(this.ring.subarray(slot * this.o.frameBytes, (slot + 1) * this.o.frameBytes));
    }
    this.ringCount = 0;
  }

  private send(chunk: Buffer): void {
    const ms = (chunk.length / this.o.frameBytes) * this.o.frameMs;
    if (this.stream.bufferedBytes > this.o.maxBacklogBytes) {
      this.droppedMs += ms;
      this.droppedMsEpisode += ms;
      if (!this.dropping) {
        this.dropping = true;
        this.hooks.onDropStart();
      }
      return;
    }
    if (this.dropping) {
      this.dropping = false;
      const gap = this.droppedMsEpisode;
      this.droppedMsEpisode = 0;
      this.hooks.onDropEnd(gap);
    }
    this.sentBytes += chunk.length;
    this.stream.write(chunk);
    this.hooks.onChunk(chunk.length);
  }
}
