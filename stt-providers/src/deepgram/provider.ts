import { DeepgramClient } from '@deepgram/sdk';
import { newSegmentId, type SttCapabilities, type SttProvider, type SttStream, type SttStreamOptions } from '@dialer/core';
import { droppedError, sttErrorFromTransport } from '../base/errors.js';
import { BaseSttStream, type StreamDeps } from '../base/stream.js';
import { normaliseDeepgram, type DeepgramMessage } from './normalise.js';

/** Settings of the Deepgram adapter. */
export interface DeepgramSettings {
  apiKey: string;
  /** Base URL; live streaming is `/v1/listen` under it. */
  url: string;
  model: string;
  language: string;
  hints: readonly string[];
  interim: boolean;
  endpointingMs: number;
  utteranceEndMs: number;
  smartFormat: boolean;
}

export const DEEPGRAM_CAPABILITIES: SttCapabilities = {
  streaming: true,
  interim: true,
  encodings: ['mulaw', 'alaw', 'linear16'],
  sampleRates: [8000, 16000, 24000, 32000, 44100, 48000],
  preferred: { encoding: 'mulaw', sampleRate: 8000 },
  diarization: true,
  languages: 'any',
  keywordHints: true,
  continuousAudio: true,
};

type ListenSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;

/** Codes Deepgram closes with that mean "do not retry this request as is". */
const FINAL_CLOSE = new Set([1008]);

class DeepgramStream extends BaseSttStream {
  private socket: ListenSocket | undefined;
  private segmentId: string | undefined;
  private closeRequested = false;
  private closedResolve: (() => void) | undefined;
  private readonly closed = new Promise<void>((r) => (this.closedResolve = r));
  private lastError: Error | undefined;

  constructor(
    private readonly client: DeepgramClient,
    private readonly s: DeepgramSettings,
    options: SttStreamOptions,
    deps: StreamDeps,
  ) {
    super('deepgram', options, deps);
    this.begin();
  }

  protected async connect(): Promise<void> {
    const o = this.options;
    const hints = o.hints ?? this.s.hints;
    const nova3 = this.s.model.startsWith('nova-3');
    const socket = await this.client.listen.v1.connect({
      model: this.s.model,
      encoding: o.encoding,
      sample_rate: o.sampleRate,
      channels: 1,
      language: o.language ?? this.s.language,
      interim_results: this.s.interim ? 'true' : 'false',
      endpointing: this.s.endpointingMs,
      utterance_end_ms: this.s.utteranceEndMs,
      vad_events: 'true',
      smart_format: this.s.smartFormat ? 'true' : 'false',
      punctuate: 'true',
      ...(hints.length > 0 ? (nova3 ? { keyterm: [...hints] } : { keywords: [...hints] }) : {}),
      // The failover layer owns reconnects (it replays the audio since the last final).
      reconnectAttempts: 0,
      shouldReconnect: () => false,
      connectionTimeoutInSeconds: Math.max(1, Math.ceil(this.deps.connectTimeoutMs / 1000)),
    });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      let open = false;
      socket.on('open', () => {
        open = true;
        resolve();
      });
      socket.on('message', (m) => this.onMessage(m as unknown as DeepgramMessage));
      socket.on('error', (err) => {
        // ws reports a refused handshake or a reset as an error, then (or before) a close.
        this.lastError = err;
        if (!open) reject(err);
        else this.failed(sttErrorFromTransport('deepgram', err, 'stream'));
      });
      socket.on('close', (ev) => {
        this.closedResolve?.();
        // The error (if any) arrives in the same tick as the close: decide after it.
        queueMicrotask(() => {
          if (!open) {
            reject(this.lastError ?? new Error(`closed before open (${ev.code} ${ev.reason ?? ''})`));
            return;
          }
          if (this.closeRequested || this.state !== 'open') return;
          if (this.lastError) {
            this.failed(sttErrorFromTransport('deepgram', this.lastError, 'stream'));
            return;
          }
          const err = droppedError('deepgram', ev.code, ev.reason ?? '');
          this.failed(FINAL_CLOSE.has(ev.code) ? Object.assign(err, { retryable: false }) : err);
        });
      });
      socket.connect();
    });
  }

  private onMessage(m: DeepgramMessage): void {
    this.activity();
    const out = normaliseDeepgram(m, this.originMs);
    if (out.kind === 'speech_started') {
      if (this.state === 'open') this.emit('speech_started', { atMs: out.atMs });
    } else if (out.kind === 'utterance_end') {
      if (this.state === 'open' || this.state === 'closing') this.emit('utterance_end', { atMs: out.atMs });
    } else if (out.kind === 'result') {
      if (!out.text) {
        // Silence: an empty final closes nothing, an empty interim opens nothing.
        if (out.final) this.segmentId = undefined;
        return;
      }
      this.segmentId ??= newSegmentId(this.options.legId);
      this.emitTranscript({
        kind: out.final ? 'final' : 'interim',
        segmentId: this.segmentId,
        text: out.text,
        words: out.words,
        confidence: out.confidence,
        ...(out.language ? { language: out.language } : { language: this.options.language ?? this.s.language }),
        startMs: out.startMs,
        endMs: out.endMs,
      });
      if (out.final) {
        this.segmentId = undefined;
        if (out.speechFinal) this.emit('utterance_end', { atMs: out.endMs });
      }
    }
  }

  protected sendAudio(audio: Uint8Array): void {
    // ws may keep a reference while the socket is busy; the gateway reuses its buffers.
    this.socket!.sendMedia(audio.slice());
  }

  protected sendFinalize(): void {
    this.socket!.sendFinalize({ type: 'Finalize' });
  }

  protected sendKeepAlive(): void {
    this.socket!.sendKeepAlive({ type: 'KeepAlive' });
  }

  protected async closeConnection(graceful: boolean): Promise<void> {
    const socket = this.socket;
    this.closeRequested = true;
    if (!socket) return;
    if (graceful && socket.readyState === 1) {
      // CloseStream: Deepgram sends the last results and Metadata, then closes.
      socket.sendCloseStream({ type: 'CloseStream' });
      await this.closed;
      return;
    }
    socket.close();
  }
}

/** Deepgram live streaming (`/v1/listen`) through `@deepgram/sdk`. */
export class DeepgramProvider implements SttProvider {
  readonly name = 'deepgram';
  readonly capabilities = DEEPGRAM_CAPABILITIES;
  private readonly client: DeepgramClient;

  constructor(
    private readonly s: DeepgramSettings,
    private readonly deps: StreamDeps,
  ) {
    this.client = new DeepgramClient({ apiKey: s.apiKey, baseUrl: s.url.replace(/\/+$/, '') });
  }

  open(options: SttStreamOptions): SttStream {
    return new DeepgramStream(this.client, this.s, options, this.deps);
  }

  async close(): Promise<void> {}
}
