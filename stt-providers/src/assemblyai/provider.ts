import { AssemblyAI, type StreamingTranscriber, type TurnEvent } from 'assemblyai';
import { DialerError, type SttCapabilities, type SttProvider, type SttStream, type SttStreamOptions } from '@dialer/core';
import { droppedError, sttErrorFromTransport } from '../base/errors.js';
import { BaseSttStream, type StreamDeps } from '../base/stream.js';
import { normaliseTurn } from './normalise.js';

/** Settings of the AssemblyAI adapter. */
export interface AssemblyAiSettings {
  apiKey: string;
  /** Universal-Streaming v3 WebSocket URL (`wss:` only). */
  url: string;
  speechModel: string;
  language: string;
  hints: readonly string[];
  endpointingMs: number;
  formatTurns: boolean;
  /** Audio per message: 50 to 1000 ms. */
  chunkMs: number;
}

export const ASSEMBLYAI_CAPABILITIES: SttCapabilities = {
  streaming: true,
  interim: true,
  encodings: ['mulaw', 'linear16'],
  sampleRates: [8000, 16000, 22050, 24000, 44100, 48000],
  preferred: { encoding: 'mulaw', sampleRate: 8000 },
  diarization: false,
  languages: 'any',
  keywordHints: true,
  continuousAudio: true,
  // u-law only at 8 kHz; 16-bit PCM at any of the rates.
  formats: [{ encoding: 'mulaw', sampleRate: 8000 }, ...[8000, 16000, 22050, 24000, 44100, 48000].map((sampleRate) => ({ encoding: 'linear16' as const, sampleRate }))],
};

/** AssemblyAI close and error codes (their streaming API), as coded errors. */
export function assemblyAiError(code: number | undefined, reason: string): DialerError {
  const msg = `assemblyai: ${reason || 'connection closed'}${code !== undefined ? ` (${code})` : ''}`;
  const details = { closeCode: code };
  switch (code) {
    case 4001:
    case 4002:
    case 4003:
      return new DialerError('DIALER_ERR_STT_AUTH', msg, { details });
    case 1008:
      return /auth|key|token|credential/i.test(reason)
        ? new DialerError('DIALER_ERR_STT_AUTH', msg, { details })
        : new DialerError('DIALER_ERR_STT_BAD_REQUEST', msg, { details });
    case 4029:
    case 3009:
    case 4102:
      return new DialerError('DIALER_ERR_STT_RATE_LIMITED', msg, { details });
    case 4000:
    case 3006:
    case 3007:
    case 4101:
      return new DialerError('DIALER_ERR_STT_BAD_REQUEST', msg, { details });
    default:
      return new DialerError('DIALER_ERR_STT_UNAVAILABLE', msg, { details: { ...details, dropped: true } });
  }
}

/** Collects audio into messages of `chunkMs` (AssemblyAI rejects messages under 50 ms or over 1000 ms). */
class Chunker {
  private buf: Uint8Array;
  private len = 0;
  private readonly minBytes: number;
  constructor(
    private readonly chunkBytes: number,
    bytesPerMs: number,
    private readonly silence: number,
  ) {
    this.buf = new Uint8Array(chunkBytes);
    this.minBytes = Math.ceil(50 * bytesPerMs);
  }
  push(audio: Uint8Array, send: (chunk: Uint8Array) => void): void {
    let at = 0;
    while (at < audio.length) {
      const n = Math.min(this.chunkBytes - this.len, audio.length - at);
      this.buf.set(audio.subarray(at, at + n), this.len);
      this.len += n;
      at += n;
      if (this.len === this.chunkBytes) {
        // A fresh buffer per message: the socket may still hold the last one.
        send(this.buf);
        this.buf = new Uint8Array(this.chunkBytes);
        this.len = 0;
      }
    }
  }
  /** Sends what is held, padded with silence to the 50 ms minimum. */
  flush(send: (chunk: Uint8Array) => void): void {
    if (this.len === 0) return;
    const n = Math.max(this.len, this.minBytes);
    const out = new Uint8Array(n).fill(this.silence);
    out.set(this.buf.subarray(0, this.len));
    this.len = 0;
    send(out);
  }
}

class AssemblyAiStream extends BaseSttStream {
  private transcriber: StreamingTranscriber | undefined;
  private readonly chunker: Chunker;
  private session = 0;
  private closeRequested = false;

  constructor(
    private readonly client: AssemblyAI,
    private readonly s: AssemblyAiSettings,
    options: SttStreamOptions,
    deps: StreamDeps,
  ) {
    super('assemblyai', options, deps);
    const bytesPerMs = (options.sampleRate * (options.encoding === 'linear16' ? 2 : 1)) / 1000;
    // u-law silence is 0xFF; 16-bit PCM silence is 0.
    this.chunker = new Chunker(Math.round(s.chunkMs * bytesPerMs) & ~1, bytesPerMs, options.encoding === 'mulaw' ? 0xff : 0);
    this.begin();
  }

  protected async connect(): Promise<void> {
    const o = this.options;
    if (o.encoding === 'alaw') throw new DialerError('DIALER_ERR_MEDIA_CODEC', 'assemblyai: A-law is not accepted; send u-law or linear16');
    const hints = o.hints ?? this.s.hints;
    const t = this.client.streaming.transcriber({
      websocketBaseUrl: this.s.url,
      sampleRate: o.sampleRate,
      encoding: o.encoding === 'mulaw' ? 'pcm_mulaw' : 'pcm_s16le',
      speechModel: this.s.speechModel as never,
      formatTurns: this.s.formatTurns,
      minTurnSilence: this.s.endpointingMs,
      ...(hints.length > 0 ? { keytermsPrompt: [...hints] } : {}),
      // The English model ignores languages; the multilingual one is steered by them.
      ...(this.s.speechModel.includes('multilingual') ? { languageCodes: [(o.language ?? this.s.language).slice(0, 2)] } : {}),
      connectTimeout: this.deps.connectTimeoutMs,
      // The failover layer owns retries (it replays the audio since the last final).
      maxConnectionRetries: 0,
    });
    this.transcriber = t;
    this.session++;
    t.on('turn', (turn) => this.onTurn(turn));
    (t.on as unknown as (e: string, l: (m: { timestamp: number }) => void) => void)('speechStarted', (m) => {
      this.activity();
      if (this.state === 'open') this.emit('speech_started', { atMs: this.originMs + m.timestamp });
    });
    t.on('heartbeat', () => this.activity());
    t.on('error', (err: Error & { code?: number }) => {
      this.failed(err.code !== undefined ? assemblyAiError(err.code, err.message) : sttErrorFromTransport('assemblyai', err, 'stream'));
    });
    t.on('close', (code, reason) => {
      if (this.closeRequested || this.state !== 'open') return;
      this.failed(code === 1000 || code === 1006 ? droppedError('assemblyai', code, reason) : assemblyAiError(code, reason));
    });
    try {
      await t.connect();
    } catch (err) {
      const e = err as Error & { code?: number };
      throw e.code !== undefined ? assemblyAiError(e.code, e.message) : sttErrorFromTransport('assemblyai', e, 'connect');
    }
  }

  private onTurn(turn: TurnEvent): void {
    this.activity();
    const n = normaliseTurn(turn, this.originMs, this.s.formatTurns);
    if (!n) return;
    this.emitTranscript({
      kind: n.final ? 'final' : 'interim',
      segmentId: `${this.options.legId}:aai:${this.originMs}:${this.session}:${turn.turn_order}`,
      text: n.text,
      words: n.words,
      ...(n.confidence === undefined ? {} : { confidence: n.confidence }),
      language: n.language ?? this.options.language ?? this.s.language,
      startMs: n.startMs,
      endMs: n.endMs,
    });
    if (n.final) this.emit('utterance_end', { atMs: n.endMs });
  }

  protected sendAudio(audio: Uint8Array): void {
    this.chunker.push(audio, (chunk) => this.transcriber!.sendAudio(chunk.buffer as ArrayBuffer));
  }

  protected sendFinalize(): void {
    this.chunker.flush((chunk) => this.transcriber!.sendAudio(chunk.buffer as ArrayBuffer));
    this.transcriber!.forceEndpoint();
  }

  protected sendKeepAlive(): void {
    this.transcriber!.keepAlive();
  }

  protected async closeConnection(graceful: boolean): Promise<void> {
    this.closeRequested = true;
    const t = this.transcriber;
    if (!t) return;
    if (graceful) {
      try {
        this.chunker.flush((chunk) => t.sendAudio(chunk.buffer as ArrayBuffer));
      } catch {
        // The socket may be gone already; close anyway.
      }
    }
    // Terminate, then wait for Termination: the last turns arrive before it.
    await t.close(graceful, this.deps.closeTimeoutMs);
  }
}

/** AssemblyAI Universal-Streaming (v3) through the `assemblyai` SDK. */
export class AssemblyAiProvider implements SttProvider {
  readonly name = 'assemblyai';
  readonly capabilities = ASSEMBLYAI_CAPABILITIES;
  private readonly client: AssemblyAI;

  constructor(
    private readonly s: AssemblyAiSettings,
    private readonly deps: StreamDeps,
  ) {
    this.client = new AssemblyAI({ apiKey: s.apiKey });
  }

  open(options: SttStreamOptions): SttStream {
    return new AssemblyAiStream(this.client, this.s, options, this.deps);
  }

  async close(): Promise<void> {}
}
