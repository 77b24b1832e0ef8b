import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai';
import { toFile } from 'openai/uploads';
import { DialerError, type SttCapabilities, type SttProvider, type SttStream, type SttStreamOptions, type Word } from '@dialer/core';
import { AudioLog } from '../base/audio-log.js';
import { sttErrorFromStatus, sttErrorFromTransport } from '../base/errors.js';
import { BaseSttStream, type StreamDeps } from '../base/stream.js';
import { resample, toPcm16, wavFile } from './wav.js';

/** Settings of the batch adapter (OpenAI or any OpenAI-compatible server). */
export interface OpenAiBatchSettings {
  /** May be a placeholder for a self-hosted server that needs none. */
  apiKey: string;
  /** Base URL; segments go to `<url>/audio/transcriptions`. */
  url: string;
  model: string;
  language: string;
  hints: readonly string[];
  sampleRate: 8000 | 16000 | 24000;
  wordTimestamps: boolean;
  maxSegmentMs: number;
  /** A request with no answer by then has stalled. */
  requestTimeoutMs: number;
}

export const OPENAI_BATCH_CAPABILITIES: SttCapabilities = {
  streaming: false,
  interim: false,
  encodings: ['mulaw', 'alaw', 'linear16'],
  sampleRates: [8000, 16000, 24000, 48000],
  preferred: { encoding: 'linear16', sampleRate: 16000 },
  diarization: false,
  languages: 'any',
  keywordHints: true,
  continuousAudio: false,
};

/** Audio before a speech start kept as pre-roll while no speech is going on. */
const PRE_ROLL_MS = 300;

interface Segment {
  startMs: number;
  endMs: number;
  audio: Uint8Array;
}

/**
 * VAD-gated segments posted one at a time (so finals stay in order) to
 * `/audio/transcriptions`. Without VAD marks, everything written is one
 * segment per finalize, cut at `maxSegmentMs`.
 */
class OpenAiBatchStream extends BaseSttStream {
  private readonly audio: AudioLog;
  private inSpeech = false;
  private gated = false;
  private segStartMs: number;
  private readonly queue: Segment[] = [];
  private posting = false;
  private postedBytes = 0;
  private idle: (() => void) | undefined;
  private readonly abort = new AbortController();
  private seq = 0;

  constructor(
    private readonly client: OpenAI,
    private readonly s: OpenAiBatchSettings,
    options: SttStreamOptions,
    deps: StreamDeps,
  ) {
    super('openai-batch', options, deps);
    this.audio = new AudioLog(options.encoding, options.sampleRate, options.startOffsetMs ?? 0);
    this.segStartMs = options.startOffsetMs ?? 0;
    this.begin();
  }

  protected async connect(): Promise<void> {
    // Nothing to open: each segment is one request.
  }

  protected sendAudio(audio: Uint8Array): void {
    this.audio.append(audio);
    if (this.gated && !this.inSpeech) {
      // Only the pre-roll is kept between segments.
      this.audio.dropBefore(this.audio.endMs - PRE_ROLL_MS);
      return;
    }
    if (this.audio.endMs - this.segStartMs >= this.s.maxSegmentMs) this.cut(this.audio.endMs);
  }

  protected override onSpeechStart(atMs: number): void {
    this.gated = true;
    this.inSpeech = true;
    this.segStartMs = Math.max(this.audio.startMs, Math.min(atMs, this.audio.endMs));
    this.audio.dropBefore(this.segStartMs);
  }

  protected override onSpeechEnd(atMs: number): void {
    this.gated = true;
    if (!this.inSpeech) return;
    this.inSpeech = false;
    this.cut(Math.min(atMs, this.audio.endMs));
  }

  protected sendFinalize(): void {
    if (!this.gated || this.inSpeech) this.cut(this.audio.endMs);
  }

  protected sendKeepAlive(): void {}

  /** Queues `[segStart, atMs)` as a segment. */
  private cut(atMs: number): void {
    const from = this.segStartMs;
    if (atMs - from < 100) return;
    const audio = this.audio.slice(from, atMs);
    this.audio.dropBefore(atMs);
    this.segStartMs = atMs;
    this.queue.push({ startMs: from, endMs: atMs, audio });
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.posting) return;
    this.posting = true;
    try {
      while (this.queue.length > 0 && (this.state === 'open' || this.state === 'closing')) {
        const seg = this.queue[0]!;
        await this.post(seg);
        this.queue.shift();
      }
    } catch (err) {
      this.failed(err as DialerError);
    } finally {
      this.posting = false;
      if (this.queue.length === 0) this.idle?.();
    }
  }

  private async post(seg: Segment): Promise<void> {
    const o = this.options;
    const samples = resample(toPcm16(seg.audio, o.encoding), o.sampleRate, this.s.sampleRate);
    const file = await toFile(wavFile(samples, this.s.sampleRate), 'segment.wav', { type: 'audio/wav' });
    const hints = o.hints ?? this.s.hints;
    let res: { text: string; language?: string; words?: Array<{ word: string; start: number; end: number }> };
    try {
      res = (await this.client.audio.transcriptions.create(
        {
          file,
          model: this.s.model,
          language: (o.language ?? this.s.language).slice(0, 2),
          ...(hints.length > 0 ? { prompt: hints.join(', ') } : {}),
          ...(this.s.wordTimestamps ? { response_format: 'verbose_json' as const, timestamp_granularities: ['word' as const] } : { response_format: 'json' as const }),
        },
        { signal: this.abort.signal, timeout: this.s.requestTimeoutMs, maxRetries: 0 },
      )) as typeof res;
    } catch (err) {
      if (err instanceof APIConnectionTimeoutError) {
        throw new DialerError('DIALER_ERR_STT_STALL', `openai-batch: no answer within ${this.s.requestTimeoutMs} ms`, { cause: err });
      }
      if (err instanceof APIError && typeof err.status === 'number') throw sttErrorFromStatus('openai-batch', err.status, 'transcription refused');
      throw sttErrorFromTransport('openai-batch', (err as { cause?: unknown }).cause ?? err, 'stream');
    }
    this.postedBytes += seg.audio.length;
    this.activity();
    const text = (res.text ?? '').trim();
    if (!text) return;
    const words: Word[] | undefined = res.words?.map((w) => ({ word: w.word, startMs: seg.startMs + w.start * 1000, endMs: seg.startMs + w.end * 1000 }));
    this.emitTranscript({
      kind: 'final',
      segmentId: `${o.legId}:batch:${seg.startMs}:${this.seq++}`,
      text,
      ...(words ? { words } : {}),
      language: res.language ?? o.language ?? this.s.language,
      startMs: seg.startMs,
      endMs: seg.endMs,
    });
    this.emit('utterance_end', { atMs: seg.endMs });
  }

  protected override usageBytes(): number {
    return this.postedBytes;
  }

  protected async closeConnection(graceful: boolean): Promise<void> {
    if (graceful) {
      if (this.inSpeech || (!this.gated && this.audio.durationMs > 0)) this.cut(this.audio.endMs);
      if (this.queue.length > 0 || this.posting) await new Promise<void>((r) => (this.idle = r));
      return;
    }
    this.queue.length = 0;
    this.abort.abort();
  }
}

/** Batch transcription (`/audio/transcriptions`) of VAD-gated segments, through the `openai` SDK. */
export class OpenAiBatchProvider implements SttProvider {
  readonly name = 'openai-batch';
  readonly capabilities = OPENAI_BATCH_CAPABILITIES;
  private readonly client: OpenAI;

  constructor(
    private readonly s: OpenAiBatchSettings,
    private readonly deps: StreamDeps,
  ) {
    this.client = new OpenAI({ apiKey: s.apiKey, baseURL: s.url.replace(/\/+$/, ''), maxRetries: 0, timeout: s.requestTimeoutMs });
  }

  open(options: SttStreamOptions): SttStream {
    return new OpenAiBatchStream(this.client, this.s, options, this.deps);
  }

  async close(): Promise<void> {}
}
