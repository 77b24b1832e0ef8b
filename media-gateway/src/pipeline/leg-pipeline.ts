// What happens to each 20 ms frame of a leg's speech: the VAD and the
// segmenter mark turns, the frame goes to speech-to-text in the format the
// provider wants (G.711 passes through untouched when it takes it), and to
// the recorder. Buffers are allocated once, here, per leg.
import {
  encodeAlaw,
  encodeS16LE,
  encodeUlaw,
  Resampler,
  SegmentAction,
  SpeechSegmenter,
  type SttInputFormat,
  type Vad,
} from '@dialer/core';
import type { SttFeed } from './stt-feed.js';

/** Whether this host stores 16-bit samples little-endian, as linear16 wants them. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** True when no sample exceeds the quietest G.711 steps: nothing for the VAD to weigh. */
function isDigitalSilence(pcm: Int16Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const s = pcm[i]!;
    if (s > 16 || s < -16) return false;
  }
  return true;
}

/** Receives a leg's frames for recording (16-bit PCM at the recorder's rate). */
export interface RecordTap {
  write(pcm: Int16Array, n: number): void;
}

/** Turn marks from the VAD. */
export interface PipelineHooks {
  onSpeech(state: 'start' | 'end', atMs: number): void;
}

/** Options of a {@link LegPipeline}. */
export interface LegPipelineOptions {
  /** Rate of the PCM frames given to `frame()` (8000 or 16000). */
  rate: number;
  frameMs: number;
  vad: Vad;
  segmenter: SpeechSegmenter;
  recordRate: number;
}

/** The per-frame processing of one leg's speech. */
export class LegPipeline {
  readonly frameSamples: number;
  /** Frames processed: the leg's audio clock. */
  frames = 0;
  /** Where the clock started (a leg re-opened after a gap, or a new call). */
  private offsetFrames = 0;
  private feed: SttFeed | undefined;
  private sttFormat: SttInputFormat | undefined;
  private passthrough = false;
  private sttResampler: Resampler | undefined;
  private sttPcm: Int16Array = new Int16Array(0);
  private sttBytes: Uint8Array = new Uint8Array(0);
  /** `sttBytes` is a view of `sttPcm` (linear16 on a little-endian host): no encoding pass. */
  private sttDirect = false;
  private recordTap: RecordTap | undefined;
  private readonly recResampler: Resampler | undefined;
  private readonly recPcm: Int16Array;

  constructor(
    private readonly o: LegPipelineOptions,
    private readonly hooks: PipelineHooks,
  ) {
    this.frameSamples = (o.rate / 1000) * o.frameMs;
    if (o.vad.frameSamples !== this.frameSamples) throw new RangeError('VAD frame size does not match the pipeline');
    this.recResampler = o.recordRate !== o.rate ? new Resampler(o.rate, o.recordRate, { maxInputSamples: this.frameSamples }) : undefined;
    this.recPcm = new Int16Array(this.recResampler ? this.recResampler.maxOutput(this.frameSamples) : 0);
  }

  /** Sample rate of the frames. */
  get rate(): number {
    return this.o.rate;
  }

  /** Milliseconds of audio processed. */
  get positionMs(): number {
    return this.frames * this.o.frameMs;
  }

  /**
   * Sends speech to `feed` in `format`. `sourceEncoding` names the raw bytes
   * `frame()` will get, if any: when it is the format's encoding at the same
   * rate, they pass through untouched.
   */
  attachStt(feed: SttFeed, format: SttInputFormat, sourceEncoding?: 'mulaw' | 'alaw'): void {
    this.feed = feed;
    this.sttFormat = format;
    this.passthrough = sourceEncoding !== undefined && format.encoding === sourceEncoding && format.sampleRate === this.o.rate;
    if (this.passthrough) return;
    const outSamples = (format.sampleRate / 1000) * this.o.frameMs;
    let cap = this.frameSamples;
    if (format.sampleRate !== this.o.rate) {
      this.sttResampler = new Resampler(this.o.rate, format.sampleRate, { maxInputSamples: this.frameSamples });
      cap = this.sttResampler.maxOutput(this.frameSamples);
    }
    cap = Math.max(cap, outSamples);
    if (format.encoding === 'linear16' && LITTLE_ENDIAN) {
      // linear16 is little-endian PCM: on a little-endian host the samples are written straight into the bytes sent.
      this.sttPcm = new Int16Array(cap);
      this.sttBytes = new Uint8Array(this.sttPcm.buffer, 0, outSamples * 2);
      this.sttDirect = true;
    } else {
      this.sttPcm = new Int16Array(cap);
      this.sttBytes = new Uint8Array(outSamples * (format.encoding === 'linear16' ? 2 : 1));
      this.sttDirect = false;
    }
  }

  /** Stops sending to speech-to-text (the stream is closed by its owner). */
  detachStt(): void {
    this.feed = undefined;
    this.sttFormat = undefined;
    this.passthrough = false;
    this.sttResampler = undefined;
  }

  /** Starts the leg's audio clock over at `offsetMs` (a new call on the same leg); the VAD keeps its noise estimate. */
  restart(offsetMs = 0): void {
    this.o.segmenter.reset();
    this.frames = Math.round(offsetMs / this.o.frameMs);
    this.offsetFrames = this.frames;
  }

  /** Whether STT gets the source bytes untouched. */
  get sttPassthrough(): boolean {
    return this.passthrough;
  }

  /** Starts or stops recording this leg's frames. */
  setRecordTap(tap: RecordTap | undefined): void {
    this.recordTap = tap;
  }

  /** One frame: `pcm` holds `frameSamples` samples; `raw` the G.711 bytes, when the source is G.711. */
  frame(pcm: Int16Array, raw: Uint8Array | undefined): void {
    const seg = this.o.segmenter;
    const action = seg.push(!isDigitalSilence(pcm, this.frameSamples) && this.o.vad.isSpeech(pcm));
    this.frames++;
    const base = this.offsetFrames * this.o.frameMs;
    if (action & SegmentAction.started) this.hooks.onSpeech('start', base + seg.startMs);
    if (this.feed) {
      const bytes = this.passthrough && raw ? raw : this.convert(pcm);
      this.feed.frame(bytes, action, base + seg.startMs, base + seg.endMs, seg.preRollToSend);
    }
    if (action & SegmentAction.ended) this.hooks.onSpeech('end', base + seg.endMs);
    const tap = this.recordTap;
    if (tap) {
      if (this.recResampler) {
        const n = this.recResampler.process(pcm, this.recPcm, this.frameSamples);
        tap.write(this.recPcm, n);
      } else {
        tap.write(pcm, this.frameSamples);
      }
    }
  }

  /** Closes an open segment (leg ending) and flushes batched audio. */
  finish(): void {
    if (this.o.segmenter.close()) {
      const endMs = this.offsetFrames * this.o.frameMs + this.o.segmenter.endMs;
      this.feed?.endSegment(endMs);
      this.hooks.onSpeech('end', endMs);
    } else {
      this.feed?.flush();
    }
  }

  /** Releases the VAD. */
  close(): void {
    this.o.vad.close();
  }

  private convert(pcm: Int16Array): Uint8Array {
    const f = this.sttFormat!;
    const out = this.sttBytes;
    const want = f.encoding === 'linear16' ? out.length >> 1 : out.length;
    const dst = this.sttPcm;
    let src = pcm;
    let n = this.frameSamples;
    if (this.sttResampler) {
      n = this.sttResampler.process(pcm, dst, this.frameSamples);
      src = dst;
    } else if (this.sttDirect) {
      dst.set(pcm);
      src = dst;
    }
    // A resampler's first block can be a sample short or long; keep the frame size fixed.
    if (n < want) src.fill(0, n, want);
    if (this.sttDirect) return out;
    if (f.encoding === 'linear16') encodeS16LE(src, 0, want, out, 0);
    else if (f.encoding === 'mulaw') encodeUlaw(src, 0, want, out, 0);
    else encodeAlaw(src, 0, want, out, 0);
    return out;
  }
}
