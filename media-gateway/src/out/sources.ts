// Audio that a leg can send back to Asterisk: a WAV file (a prompt or TTS
// output) or a queue fed by another leg (the browser side of a bridged agent).
import { readFile } from 'node:fs/promises';
import { WaveFile } from '../record/wavefile.js';
import { DialerError } from '@dialer/core';

/** PCM at the leg's rate, read one frame at a time by the pacer. */
export interface PcmSource {
  /** Fills `out[0..n)`; returns false when the source has ended (nothing written). */
  read(out: Int16Array, n: number): boolean;
}

/** A whole file in memory, converted once to mono 16-bit at the leg's rate. */
export class BufferSource implements PcmSource {
  private pos = 0;
  constructor(private readonly pcm: Int16Array) {}

  get durationSamples(): number {
    return this.pcm.length;
  }

  read(out: Int16Array, n: number): boolean {
    if (this.pos >= this.pcm.length) return false;
    const take = Math.min(n, this.pcm.length - this.pos);
    out.set(this.pcm.subarray(this.pos, this.pos + take));
    if (take < n) out.fill(0, take, n);
    this.pos += take;
    return true;
  }
}

/** Loads a WAV file as mono 16-bit PCM at `sampleRate`. */
export async function loadWav(path: string, sampleRate: number): Promise<Int16Array> {
  let wav: WaveFile;
  try {
    wav = new WaveFile(await readFile(path));
  } catch (err) {
    throw new DialerError('DIALER_ERR_MEDIA_CODEC', 'cannot read the WAV file', { cause: err, details: { reason: (err as Error).message } });
  }
  try {
    wav.toBitDepth('16');
    const fmt = wav.fmt as { sampleRate: number; numChannels: number };
    if (fmt.sampleRate !== sampleRate) wav.toSampleRate(sampleRate, { method: 'sinc' });
    const samples = wav.getSamples(false, Int16Array as unknown as Function) as unknown as Int16Array | Int16Array[];
    if (!Array.isArray(samples)) return samples;
    // Mixdown to mono.
    const ch = samples.length;
    const out = new Int16Array(samples[0]!.length);
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      for (let c = 0; c < ch; c++) s += samples[c]![i]!;
      out[i] = Math.round(s / ch);
    }
    return out;
  } catch (err) {
    throw new DialerError('DIALER_ERR_MEDIA_CODEC', 'unsupported WAV format', { cause: err, details: { reason: (err as Error).message } });
  }
}

/**
 * Frames pushed by another leg and read by the pacer: a small FIFO that
 * drops the oldest frame on overflow and plays silence on underflow.
 */
export class FrameQueue implements PcmSource {
  private readonly buf: Int16Array;
  private head = 0;
  private count = 0;
  /** Frames dropped on overflow and silences played on underflow. */
  overflows = 0;
  underflows = 0;

  constructor(
    private readonly frameSamples: number,
    private readonly capacity = 10,
  ) {
    this.buf = new Int16Array(frameSamples * capacity);
  }

  get length(): number {
    return this.count;
  }

  push(pcm: Int16Array, n: number): void {
    if (n !== this.frameSamples) return;
    if (this.count === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      this.overflows++;
    }
    const slot = (this.head + this.count) % this.capacity;
    this.buf.set(pcm.subarray(0, n), slot * this.frameSamples);
    this.count++;
  }

  read(out: Int16Array, n: number): boolean {
    if (this.count === 0) {
      out.fill(0, 0, n);
      this.underflows++;
      return true;
    }
    const start = this.head * this.frameSamples;
    out.set(this.buf.subarray(start, start + Math.min(n, this.frameSamples)));
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return true;
  }
}
