// One recording: a stereo WAV per call (customer left, agent right) or a mono
// WAV per leg. Each channel is written as its leg's frames arrive; blocks
// are interleaved once both channels have audio for them, and a channel that
// falls a second behind (its leg went quiet or left) is padded with silence.
// While paused (PCI), silence is written so the timeline stays intact.
import { WavWriter } from './wav-writer.js';

/** Options of a {@link Recorder}. */
export interface RecorderOptions {
  path: string;
  channels: 1 | 2;
  sampleRate: number;
  /** How far a channel may lag before it is padded (default 1 s). */
  maxLagMs?: number;
}

/** The outcome of a finished recording. */
export interface RecordingResult {
  path: string;
  durationMs: number;
  sizeBytes: number;
}

/** A WAV recording fed frame by frame. */
export class Recorder {
  private readonly pending: Int16Array[];
  private readonly count: number[];
  private readonly joined: boolean[];
  private readonly maxLag: number;
  private frames = 0;
  paused = false;
  private closed = false;

  private constructor(
    private readonly writer: WavWriter,
    readonly channels: 1 | 2,
    readonly sampleRate: number,
    maxLagMs: number,
  ) {
    this.maxLag = Math.round((sampleRate * maxLagMs) / 1000);
    const cap = this.maxLag * 2 + sampleRate;
    this.pending = Array.from({ length: channels }, () => new Int16Array(cap));
    this.count = new Array<number>(channels).fill(0);
    this.joined = new Array<boolean>(channels).fill(false);
  }

  /** Starts a recording; the file is created in the background (see `ready`). */
  static create(o: RecorderOptions): Recorder {
    return new Recorder(new WavWriter(o.path, o.channels, o.sampleRate), o.channels, o.sampleRate, o.maxLagMs ?? 1000);
  }

  /** Resolves once the file exists, or rejects with why it could not be created. */
  ready(): Promise<void> {
    return this.writer.ready();
  }

  get path(): string {
    return this.writer.path;
  }

  /** Samples per channel written to the file so far. */
  get durationMs(): number {
    return Math.round((this.frames * 1000) / this.sampleRate);
  }

  /** Appends `n` samples to `channel`. */
  write(channel: number, pcm: Int16Array, n: number): void {
    if (this.closed || channel >= this.channels) return;
    if (!this.joined[channel]) {
      // A leg that joins late starts at the file's current position.
      this.joined[channel] = true;
      const behind = this.maxBuffered() - this.count[channel]!;
      if (behind > 0) this.pad(channel, behind);
    }
    const buf = this.pending[channel]!;
    let c = this.count[channel]!;
    if (c + n > buf.length) {
      this.flush(true);
      c = this.count[channel]!;
    }
    if (this.paused) buf.fill(0, c, c + n);
    else buf.set(n === pcm.length ? pcm : pcm.subarray(0, n), c);
    this.count[channel] = c + n;
    this.flush(false);
  }

  /** Interleaves and queues what every channel has; `force` pads the shorter ones. */
  flush(force: boolean): void {
    let n = Infinity;
    let max = 0;
    for (let ch = 0; ch < this.channels; ch++) {
      n = Math.min(n, this.count[ch]!);
      max = Math.max(max, this.count[ch]!);
    }
    if (force || max - n > this.maxLag) {
      for (let ch = 0; ch < this.channels; ch++) if (this.count[ch]! < max) this.pad(ch, max - this.count[ch]!);
      n = max;
    }
    // Write in blocks of at least 100 ms, so the file sees few, larger writes.
    if (n === 0 || (!force && n < this.sampleRate / 10)) return;
    const block = new Int16Array(n * this.channels);
    for (let ch = 0; ch < this.channels; ch++) {
      const src = this.pending[ch]!;
      for (let i = 0, o = ch; i < n; i++, o += this.channels) block[o] = src[i]!;
      src.copyWithin(0, n, this.count[ch]!);
      this.count[ch] = this.count[ch]! - n;
    }
    this.frames += n;
    this.writer.append(block);
  }

  /** Flushes, finalises the file and returns what was written. Idempotent in effect: later writes are ignored. */
  async close(): Promise<RecordingResult> {
    if (!this.closed) this.flush(true);
    this.closed = true;
    const sizeBytes = await this.writer.close();
    return { path: this.writer.path, durationMs: this.durationMs, sizeBytes };
  }

  private maxBuffered(): number {
    let max = 0;
    for (let ch = 0; ch < this.channels; ch++) if (this.joined[ch] || this.count[ch]! > 0) max = Math.max(max, this.count[ch]!);
    return max;
  }

  private pad(channel: number, samples: number): void {
    const buf = this.pending[channel]!;
    const c = this.count[channel]!;
    const n = Math.min(samples, buf.length - c);
    buf.fill(0, c, c + n);
    this.count[channel] = c + n;
  }
}
