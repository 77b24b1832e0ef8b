import { ALAW_TO_LINEAR, ULAW_TO_LINEAR, type SttEncoding } from '@dialer/core';
import { speech } from '../helpers/audio.js';

/** What the fake recogniser hears. Times are ms from the session's first audio. */
export type AsrEvent =
  | { type: 'start'; atMs: number }
  | { type: 'partial'; startMs: number; endMs: number; text: string }
  | { type: 'final'; startMs: number; endMs: number; text: string; words: Array<{ text: string; startMs: number; endMs: number }>; byFinalize: boolean };

const FRAME_MS = 20;
const THRESHOLD = 400;

function decoder(encoding: SttEncoding): (b: Buffer, i: number) => number {
  if (encoding === 'mulaw') return (b, i) => ULAW_TO_LINEAR[b[i]!]!;
  if (encoding === 'alaw') return (b, i) => ALAW_TO_LINEAR[b[i]!]!;
  return (b, i) => b.readInt16LE(i);
}

/** Voiced duration of a phrase, measured the way the recogniser measures an utterance. */
function voicedMs(audio: Buffer, encoding: SttEncoding, sampleRate: number): number {
  const asr = new EnergyDetector(encoding, sampleRate);
  let first = -1;
  let last = -1;
  asr.feed(audio, (voiced, startMs, endMs) => {
    if (!voiced) return;
    if (first < 0) first = startMs;
    last = endMs;
  });
  return last - first;
}

class EnergyDetector {
  private readonly bps: number;
  private readonly frameBytes: number;
  private carry = Buffer.alloc(0);
  private at = 0;
  private readonly decode: (b: Buffer, i: number) => number;
  constructor(
    encoding: SttEncoding,
    private readonly sampleRate: number,
  ) {
    this.bps = encoding === 'linear16' ? 2 : 1;
    this.frameBytes = ((sampleRate * FRAME_MS) / 1000) * this.bps;
    this.decode = decoder(encoding);
  }
  get positionMs(): number {
    return this.at;
  }
  feed(audio: Buffer, onFrame: (voiced: boolean, startMs: number, endMs: number) => void): void {
    let buf = this.carry.length > 0 ? Buffer.concat([this.carry, audio]) : audio;
    let i = 0;
    for (; i + this.frameBytes <= buf.length; i += this.frameBytes) {
      let sum = 0;
      for (let j = i; j < i + this.frameBytes; j += this.bps) {
        const v = this.decode(buf, j);
        sum += v * v;
      }
      const rms = Math.sqrt(sum / (this.frameBytes / this.bps));
      onFrame(rms >= THRESHOLD, this.at, this.at + FRAME_MS);
      this.at += FRAME_MS;
    }
    this.carry = Buffer.from(buf.subarray(i));
    buf = Buffer.alloc(0);
  }
}

/**
 * A stand-in recogniser for the vendor fakes: it finds utterances in real
 * audio by energy, ends one after `endpointingMs` of silence (or on
 * finalize), and names it after the registered phrase whose voiced length is
 * closest — so whatever provider hears an utterance, even a replay after a
 * failover, it returns that utterance's text.
 */
export class FakeAsr {
  private readonly det: EnergyDetector;
  private readonly phrases: Array<{ text: string; ms: number }>;
  private inSpeech = false;
  private start = 0;
  private lastVoiced = 0;
  private lastPartial = 0;

  constructor(
    texts: readonly string[],
    private readonly encoding: SttEncoding,
    private readonly sampleRate: number,
    private readonly endpointingMs = 400,
    private readonly partialEveryMs = 400,
  ) {
    this.det = new EnergyDetector(encoding, sampleRate);
    this.phrases = texts.map((text) => ({ text, ms: voicedMs(speech(text, encoding, sampleRate), encoding, sampleRate) }));
  }

  get positionMs(): number {
    return this.det.positionMs;
  }

  private name(ms: number): string {
    let best = this.phrases[0];
    for (const p of this.phrases) if (best && Math.abs(p.ms - ms) < Math.abs(best.ms - ms)) best = p;
    return best?.text ?? '(unscripted)';
  }

  private final(byFinalize: boolean): AsrEvent {
    const text = this.name(this.lastVoiced - this.start);
    const words = text.split(' ');
    const step = (this.lastVoiced - this.start) / words.length;
    this.inSpeech = false;
    return {
      type: 'final',
      startMs: this.start,
      endMs: this.lastVoiced,
      text,
      words: words.map((w, i) => ({ text: w, startMs: this.start + i * step, endMs: this.start + (i + 1) * step })),
      byFinalize,
    };
  }

  push(audio: Buffer): AsrEvent[] {
    const out: AsrEvent[] = [];
    this.det.feed(audio, (voiced, startMs, endMs) => {
      if (voiced) {
        if (!this.inSpeech) {
          this.inSpeech = true;
          this.start = startMs;
          this.lastPartial = startMs;
          out.push({ type: 'start', atMs: startMs });
        }
        this.lastVoiced = endMs;
      }
      if (!this.inSpeech) return;
      if (!voiced && endMs - this.lastVoiced >= this.endpointingMs) {
        out.push(this.final(false));
        return;
      }
      if (endMs - this.lastPartial >= this.partialEveryMs) {
        this.lastPartial = endMs;
        const guess = this.name(Math.max(this.lastVoiced - this.start, 1));
        const words = guess.split(' ');
        const n = Math.max(1, Math.min(words.length - 1, Math.round((words.length * (this.lastVoiced - this.start)) / 2000)));
        out.push({ type: 'partial', startMs: this.start, endMs: this.lastVoiced, text: words.slice(0, n).join(' ') });
      }
    });
    return out;
  }

  /** Ends the utterance in progress, if any. */
  finalize(): AsrEvent[] {
    return this.inSpeech ? [this.final(true)] : [];
  }
}
