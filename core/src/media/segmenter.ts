// Turns per-frame VAD decisions into speech segments: a start after a short
// run of voiced frames, an end after a hangover of silence, pre-roll so the
// first syllable is not clipped, and a maximum segment length. Pure and
// allocation-free: the caller asks what to do with each frame.

/** Options of a {@link SpeechSegmenter}. */
export interface SegmenterOptions {
  /** Frame duration (default 20 ms). */
  frameMs?: number;
  /** Voiced frames in a row that start a segment (default 3, i.e. 60 ms). */
  startFrames?: number;
  /** Audio before the start that is sent with the segment (default 300 ms). */
  preRollMs?: number;
  /** Silence that ends a segment; sent with it (default 600 ms). */
  hangoverMs?: number;
  /** Longest segment; a longer one is split (default 30 s). */
  maxSegmentMs?: number;
}

/** What {@link SpeechSegmenter.push} decided for a frame (bit flags). */
export const SegmentAction = {
  /** Nothing: silence outside a segment. */
  none: 0,
  /** The frame belongs to a segment (send it in gated mode). */
  inSegment: 1,
  /** A segment started at `startMs`; send the pre-roll frames before this one. */
  started: 2,
  /** The segment ended at `endMs` after this frame. */
  ended: 4,
} as const;

/** Segment state across frames. */
export class SpeechSegmenter {
  readonly frameMs: number;
  readonly preRollFrames: number;
  private readonly startFrames: number;
  private readonly hangoverFrames: number;
  private readonly maxFrames: number;
  private frame = 0;
  private voicedRun = 0;
  private silentRun = 0;
  private inSpeech = false;
  private segmentFrames = 0;
  /** Leg offsets of the last start and end. */
  startMs = 0;
  endMs = 0;
  /** Frames the caller should replay from its pre-roll ring on `started`. */
  preRollToSend = 0;

  constructor(options: SegmenterOptions = {}) {
    this.frameMs = options.frameMs ?? 20;
    this.startFrames = Math.max(1, options.startFrames ?? 3);
    this.preRollFrames = Math.round((options.preRollMs ?? 300) / this.frameMs);
    this.hangoverFrames = Math.max(1, Math.round((options.hangoverMs ?? 600) / this.frameMs));
    this.maxFrames = Math.max(this.startFrames + 1, Math.round((options.maxSegmentMs ?? 30_000) / this.frameMs));
  }

  /** Whether a segment is open. */
  get speaking(): boolean {
    return this.inSpeech;
  }

  /** Feeds the VAD decision of the next frame; returns {@link SegmentAction} flags. */
  push(voiced: boolean): number {
    const index = this.frame++;
    if (!this.inSpeech) {
      this.voicedRun = voiced ? this.voicedRun + 1 : 0;
      if (this.voicedRun < this.startFrames) return SegmentAction.none;
      this.inSpeech = true;
      this.silentRun = 0;
      const firstVoiced = index - this.voicedRun + 1;
      this.startMs = firstVoiced * this.frameMs;
      // The frames of the voiced run before this one, plus the pre-roll before them.
      this.preRollToSend = Math.min(index, this.voicedRun - 1 + this.preRollFrames);
      this.segmentFrames = this.preRollToSend + 1;
      this.voicedRun = 0;
      return SegmentAction.started | SegmentAction.inSegment;
    }
    this.segmentFrames++;
    this.silentRun = voiced ? 0 : this.silentRun + 1;
    if (this.silentRun >= this.hangoverFrames || this.segmentFrames >= this.maxFrames) {
      this.inSpeech = false;
      this.endMs = (index + 1) * this.frameMs;
      // A split at the maximum length while still voiced restarts at once.
      this.voicedRun = voiced && this.silentRun === 0 ? this.startFrames - 1 : 0;
      this.silentRun = 0;
      return SegmentAction.inSegment | SegmentAction.ended;
    }
    return SegmentAction.inSegment;
  }

  /** Starts over at offset 0 (a new call on the same leg). */
  reset(): void {
    this.frame = 0;
    this.voicedRun = 0;
    this.silentRun = 0;
    this.inSpeech = false;
    this.segmentFrames = 0;
    this.preRollToSend = 0;
  }

  /** Ends an open segment now (leg closing); returns true when one was open. */
  close(): boolean {
    if (!this.inSpeech) return false;
    this.inSpeech = false;
    this.endMs = this.frame * this.frameMs;
    return true;
  }
}
