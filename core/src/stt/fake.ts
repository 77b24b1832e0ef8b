import { DialerError, type ErrorCode } from '../errors/index.js';
import { TypedEmitter } from '../events.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { newId } from '../ids.js';
import type { Word } from '../messages/index.js';
import {
  audioMs,
  type SttCapabilities,
  type SttProvider,
  type SttStream,
  type SttStreamEvents,
  type SttStreamOptions,
  type SttStreamState,
} from './port.js';

/** One scripted utterance. */
export interface FakeUtterance {
  text: string;
  /** Overrides the script's `delayMs` for this result. */
  delayMs?: number;
  confidence?: number;
}

/** How a {@link FakeSttProvider} behaves. */
export interface FakeSttScript {
  /** Texts of successive utterances (cycled, shared by the provider's streams); one per speech segment or finalize. */
  utterances?: readonly (string | FakeUtterance)[];
  /** Emit an interim (the first half of the words) before each final. */
  interim?: boolean;
  /** Delay before each result, on the injected clock. */
  delayMs?: number;
  /** Delay before the stream opens (default 0: on the next timer tick). */
  openDelayMs?: number;
  /** Fail when opened, with this code. */
  failOnOpen?: ErrorCode;
  /** Never open and never answer (a connection that hangs). */
  stallOnOpen?: boolean;
  /** After this much audio, emit an error with `errorCode` and fail. */
  errorAfterAudioMs?: number;
  errorCode?: ErrorCode;
  /** Extra `details` of scripted errors, e.g. `{ dropped: true }` for a lost connection. */
  errorDetails?: unknown;
  /** After this much audio, stop answering (a stall); the stream stays open. */
  stallAfterAudioMs?: number;
}

/** What a fake stream received and emitted, for assertions. */
export interface FakeSttRecord {
  options: SttStreamOptions;
  writes: number;
  bytes: number;
  audioMs: number;
  speechStarts: number[];
  speechEnds: number[];
  finalizes: number;
  closed: boolean;
  finals: string[];
  /** Leg offsets `[startMs, endMs]` of each final, in order. */
  finalSpans: Array<[number, number]>;
  /** The error it failed with, if any. */
  error?: DialerError;
}

const FAKE_CAPS: SttCapabilities = {
  streaming: true,
  interim: true,
  encodings: ['mulaw', 'alaw', 'linear16'],
  sampleRates: [8000, 16000, 24000, 48000],
  preferred: { encoding: 'mulaw', sampleRate: 8000 },
  diarization: false,
  languages: 'any',
  keywordHints: true,
  continuousAudio: true,
};

/** Words spread evenly over `[startMs, endMs]`. */
function fakeWords(text: string, startMs: number, endMs: number, confidence: number): Word[] {
  const parts = text.split(/\s+/).filter(Boolean);
  const step = parts.length > 0 ? (endMs - startMs) / parts.length : 0;
  return parts.map((word, i) => ({ word, startMs: startMs + i * step, endMs: startMs + (i + 1) * step, confidence }));
}

class FakeStream extends TypedEmitter<SttStreamEvents> implements SttStream {
  state: SttStreamState = 'connecting';
  bufferedBytes = 0;
  private speechAt: number | undefined;
  private lastFinalEnd: number;
  private utterance = 0;
  private timers = new Set<TimerHandle>();
  stalledByProvider = false;

  constructor(
    readonly provider: string,
    private readonly script: FakeSttScript,
    private readonly clock: Clock,
    readonly record: FakeSttRecord,
    private readonly nextUtterance: () => FakeUtterance,
    outage: () => { code: ErrorCode; details?: unknown } | undefined,
  ) {
    super();
    this.lastFinalEnd = record.options.startOffsetMs ?? 0;
    if (script.stallOnOpen) return;
    this.later(script.openDelayMs ?? 0, () => {
      if (this.state !== 'connecting') return;
      const down = outage();
      const code = down?.code ?? script.failOnOpen;
      if (code) {
        // A connection that never opened is refused, not dropped.
        this.fail(new DialerError(code, `${provider}: scripted failure on open`, down ? { details: { refused: true } } : {}));
        return;
      }
      this.state = 'open';
      this.emit('open');
    });
  }

  private get position(): number {
    return (this.record.options.startOffsetMs ?? 0) + this.record.audioMs;
  }

  private get stalled(): boolean {
    return this.stalledByProvider || (this.script.stallAfterAudioMs !== undefined && this.record.audioMs >= this.script.stallAfterAudioMs);
  }

  private later(ms: number, fn: () => void): void {
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Fails the stream now (a vendor outage or a dropped connection). */
  fail(err: DialerError): void {
    if (this.state === 'closed' || this.state === 'failed' || this.state === 'closing') return;
    this.state = 'failed';
    this.record.error = err;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    this.emit('error', err);
  }

  write(audio: Uint8Array): void {
    if (this.state === 'closed' || this.state === 'failed' || this.state === 'closing') return;
    const o = this.record.options;
    this.record.writes++;
    this.record.bytes += audio.length;
    this.record.audioMs += audioMs(audio.length, o.encoding, o.sampleRate);
    if (this.script.errorAfterAudioMs !== undefined && this.record.audioMs >= this.script.errorAfterAudioMs) {
      const code = this.script.errorCode ?? 'DIALER_ERR_STT_UNAVAILABLE';
      const details = this.script.errorDetails;
      this.fail(new DialerError(code, `${this.provider}: scripted failure after ${this.script.errorAfterAudioMs} ms of audio`, details === undefined ? {} : { details }));
    }
  }

  speechStart(atMs: number): void {
    this.record.speechStarts.push(atMs);
    this.speechAt = atMs;
    if (!this.stalled && this.state === 'open') {
      this.emit('speech_started', { atMs });
      this.emit('activity');
    }
  }

  speechEnd(atMs: number): void {
    this.record.speechEnds.push(atMs);
    this.result(this.speechAt ?? this.lastFinalEnd, atMs);
    this.speechAt = undefined;
  }

  finalize(): void {
    this.record.finalizes++;
    if (this.position > this.lastFinalEnd) this.result(this.speechAt ?? this.lastFinalEnd, this.position);
    else if (!this.stalled && this.state === 'open') this.later(this.script.delayMs ?? 0, () => this.state === 'open' && this.emit('activity'));
  }

  private result(startMs: number, endMs: number): void {
    if (this.state !== 'open' && this.state !== 'connecting') return;
    if (this.stalled) return;
    const u = this.nextUtterance();
    const text = u.text;
    const segmentId = `${this.record.options.legId}:${this.provider}:${this.record.options.startOffsetMs ?? 0}:${this.utterance++}`;
    this.lastFinalEnd = endMs;
    const delay = u.delayMs ?? this.script.delayMs ?? 0;
    const confidence = u.confidence ?? 0.9;
    const base = { segmentId, startMs, endMs, provider: this.provider, ...(this.record.options.language ? { language: this.record.options.language } : {}) };
    if (this.script.interim) {
      const all = text.split(' ');
      const half = all.slice(0, Math.max(1, Math.ceil(all.length / 2))).join(' ');
      this.later(Math.floor(delay / 2), () => {
        if (this.state !== 'open' || this.stalled) return;
        this.emit('transcript', { ...base, kind: 'interim', text: half, latencyMs: Math.floor(delay / 2) });
        this.emit('activity');
      });
    }
    this.later(delay, () => {
      if ((this.state !== 'open' && this.state !== 'closing') || this.stalledByProvider) return;
      this.record.finals.push(text);
      this.record.finalSpans.push([startMs, endMs]);
      this.emit('transcript', { ...base, kind: 'final', text, words: fakeWords(text, startMs, endMs, confidence), confidence, latencyMs: delay });
      this.emit('utterance_end', { atMs: endMs });
      this.emit('activity');
    });
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const flush = this.state === 'open' && !this.stalled && this.position > this.lastFinalEnd;
    this.state = 'closing';
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    if (flush) {
      // Like a real provider: a final for the trailing audio, then close.
      const text = this.nextUtterance().text;
      const startMs = this.speechAt ?? this.lastFinalEnd;
      const endMs = this.position;
      this.lastFinalEnd = endMs;
      this.record.finals.push(text);
      this.record.finalSpans.push([startMs, endMs]);
      this.emit('transcript', {
        kind: 'final',
        segmentId: `${this.record.options.legId}:${this.provider}:${this.record.options.startOffsetMs ?? 0}:${this.utterance++}`,
        text,
        words: fakeWords(text, startMs, endMs, 0.9),
        startMs,
        endMs,
        provider: this.provider,
        confidence: 0.9,
      });
    }
    this.state = 'closed';
    this.record.closed = true;
    this.emit('usage', { provider: this.provider, audioMs: Math.round(this.record.audioMs) });
    this.emit('close');
  }
}

/**
 * A scriptable provider for tests of the gateway, the failover chain and the
 * console: texts, delays, errors and stalls, on an injected clock. Besides the
 * script, {@link FakeSttProvider.outage} and {@link FakeSttProvider.stall}
 * change its behaviour while streams are open, as a vendor outage would.
 */
export class FakeSttProvider implements SttProvider {
  readonly capabilities: SttCapabilities;
  /** One record per stream opened, in order. */
  readonly streams: FakeSttRecord[] = [];
  private textIndex = 0;
  private readonly live = new Set<FakeStream>();
  private down: { code: ErrorCode; details?: unknown } | undefined;

  constructor(
    readonly name = 'fake',
    private readonly script: FakeSttScript = {},
    private readonly clock: Clock = systemClock,
    capabilities: Partial<SttCapabilities> = {},
  ) {
    this.capabilities = { ...FAKE_CAPS, ...capabilities };
  }

  open(options: SttStreamOptions): SttStream {
    const record: FakeSttRecord = {
      options,
      writes: 0,
      bytes: 0,
      audioMs: 0,
      speechStarts: [],
      speechEnds: [],
      finalizes: 0,
      closed: false,
      finals: [],
      finalSpans: [],
    };
    this.streams.push(record);
    const texts = this.script.utterances ?? ['hello this is a test'];
    const next = (): FakeUtterance => {
      const u = texts[this.textIndex++ % texts.length]!;
      return typeof u === 'string' ? { text: u } : u;
    };
    const stream = new FakeStream(this.name, this.script, this.clock, record, next, () => this.down);
    this.live.add(stream);
    stream.on('close', () => {
      this.live.delete(stream);
    });
    return stream;
  }

  /**
   * Starts an outage: every open stream fails with `code` (by default a
   * retryable DIALER_ERR_STT_UNAVAILABLE marked as a dropped connection) and
   * new streams fail on open, until {@link FakeSttProvider.endOutage}.
   */
  outage(code: ErrorCode = 'DIALER_ERR_STT_UNAVAILABLE', details: unknown = { dropped: true }): void {
    this.down = { code, details };
    for (const s of [...this.live]) {
      this.live.delete(s);
      s.fail(new DialerError(code, `${this.name}: outage`, { details }));
    }
  }

  /** Ends an outage: new streams open again. */
  endOutage(): void {
    this.down = undefined;
  }

  /** Open streams stop answering (true) or answer again (false); the connections stay open. */
  stall(on = true): void {
    for (const s of this.live) s.stalledByProvider = on;
  }

  async close(): Promise<void> {}
}

/** Ids for segments of real providers that lack their own. */
export function newSegmentId(legId: string): string {
  return `${legId}:${newId()}`;
}
