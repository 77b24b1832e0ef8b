import WebSocket from 'ws';
import type { RealtimeClientEvent } from 'openai/resources/realtime/realtime';
import { DialerError, audioMs, type SttCapabilities, type SttProvider, type SttStream, type SttStreamOptions } from '@dialer/core';
import { droppedError, sttErrorFromTransport } from '../base/errors.js';
import { BaseSttStream, type StreamDeps } from '../base/stream.js';

/** Settings of the OpenAI realtime transcription adapter. */
export interface OpenAiRealtimeSettings {
  apiKey: string;
  /** API base URL, e.g. `https://api.openai.com/v1`. */
  url: string;
  model: string;
  language: string;
  hints: readonly string[];
  interim: boolean;
  /** `server_vad`: OpenAI cuts turns; `none`: each VAD segment (speech end) or finalize commits. */
  vad: 'server_vad' | 'none';
  endpointingMs: number;
  /** Extra `ws` options (a private CA, an agent). */
  wsOptions?: WebSocket.ClientOptions;
}

export const OPENAI_REALTIME_CAPABILITIES: SttCapabilities = {
  streaming: true,
  interim: true,
  // G.711 at 8 kHz (`audio/pcmu`, `audio/pcma`), or 16-bit PCM at 24 kHz (`audio/pcm`).
  encodings: ['mulaw', 'alaw', 'linear16'],
  sampleRates: [8000, 24000],
  preferred: { encoding: 'mulaw', sampleRate: 8000 },
  diarization: false,
  languages: 'any',
  keywordHints: true,
  continuousAudio: true,
  formats: [
    { encoding: 'mulaw', sampleRate: 8000 },
    { encoding: 'alaw', sampleRate: 8000 },
    { encoding: 'linear16', sampleRate: 24000 },
  ],
};

/** The realtime transcription URL for an API base URL: `wss://.../v1/realtime?intent=transcription`. */
export function realtimeUrl(base: string): string {
  const u = new URL(base.replace(/\/+$/, '') + '/realtime');
  u.protocol = u.protocol === 'http:' ? 'ws:' : u.protocol === 'https:' ? 'wss:' : u.protocol;
  u.searchParams.set('intent', 'transcription');
  return u.toString();
}

/** Server events the adapter reads (a subset of the Realtime API's). */
type ServerEvent =
  | { type: 'session.created' | 'session.updated' }
  | { type: 'input_audio_buffer.speech_started'; audio_start_ms: number; item_id: string }
  | { type: 'input_audio_buffer.speech_stopped'; audio_end_ms: number; item_id: string }
  | { type: 'input_audio_buffer.committed'; item_id: string; previous_item_id?: string | null }
  | { type: 'conversation.item.input_audio_transcription.delta'; item_id: string; delta?: string }
  | { type: 'conversation.item.input_audio_transcription.completed'; item_id: string; transcript: string }
  | { type: 'conversation.item.input_audio_transcription.failed'; item_id: string; error?: { message?: string; code?: string } }
  | { type: 'error'; error: { type?: string; code?: string | null; message?: string } }
  | { type: string };

interface Item {
  startMs?: number;
  endMs?: number;
  text: string;
  final?: string;
  committed: boolean;
}

/** Errors of the `error` event, coded. */
export function openAiRealtimeError(e: { type?: string; code?: string | null; message?: string }): DialerError | undefined {
  const code = e.code ?? '';
  const msg = `openai-realtime: ${e.message ?? e.type ?? 'error'}${code ? ` (${code})` : ''}`;
  // A commit with too little audio is harmless: nothing to transcribe.
  if (code === 'input_audio_buffer_commit_empty') return undefined;
  if (/invalid_api_key|unauthorized|authentication|permission/i.test(code + ' ' + (e.type ?? ''))) return new DialerError('DIALER_ERR_STT_AUTH', msg, { details: { code } });
  if (/rate_limit|quota/i.test(code + ' ' + (e.type ?? ''))) return new DialerError('DIALER_ERR_STT_RATE_LIMITED', msg, { details: { code } });
  if (e.type === 'invalid_request_error') return new DialerError('DIALER_ERR_STT_BAD_REQUEST', msg, { details: { code } });
  return new DialerError('DIALER_ERR_STT_UNAVAILABLE', msg, { details: { code } });
}

class OpenAiRealtimeStream extends BaseSttStream {
  private ws: WebSocket | undefined;
  private readonly items = new Map<string, Item>();
  /** Committed items in audio order; finals are emitted in this order. */
  private readonly order: string[] = [];
  /** Manual commits waiting for their `committed` event: the span each covers. */
  private readonly commits: Array<[number, number]> = [];
  private lastCommitMs: number;
  private bytesSinceCommit = 0;
  private closeRequested = false;
  private drained: (() => void) | undefined;

  constructor(
    private readonly s: OpenAiRealtimeSettings,
    options: SttStreamOptions,
    deps: StreamDeps,
  ) {
    super('openai-realtime', options, deps);
    this.lastCommitMs = options.startOffsetMs ?? 0;
    this.begin();
  }

  private format(): { type: 'audio/pcmu' } | { type: 'audio/pcma' } | { type: 'audio/pcm'; rate: 24000 } {
    const o = this.options;
    if (o.encoding === 'mulaw' && o.sampleRate === 8000) return { type: 'audio/pcmu' };
    if (o.encoding === 'alaw' && o.sampleRate === 8000) return { type: 'audio/pcma' };
    if (o.encoding === 'linear16' && o.sampleRate === 24000) return { type: 'audio/pcm', rate: 24000 };
    throw new DialerError('DIALER_ERR_MEDIA_CODEC', `openai-realtime: ${o.encoding} at ${o.sampleRate} Hz is not accepted (G.711 at 8 kHz or linear16 at 24 kHz)`);
  }

  private send(ev: RealtimeClientEvent): void {
    this.ws!.send(JSON.stringify(ev));
  }

  protected connect(): Promise<void> {
    const format = this.format();
    const o = this.options;
    const hints = o.hints ?? this.s.hints;
    const ws = new WebSocket(realtimeUrl(this.s.url), {
      ...this.s.wsOptions,
      headers: { ...this.s.wsOptions?.headers, Authorization: `Bearer ${this.s.apiKey}` },
      handshakeTimeout: this.deps.connectTimeoutMs,
    });
    this.ws = ws;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      ws.on('unexpected-response', (_req, res) => {
        reject(new Error(`Unexpected server response: ${res.statusCode}`));
        ws.terminate();
      });
      ws.on('error', (err) => {
        if (!ready) reject(err);
        else this.failed(sttErrorFromTransport('openai-realtime', err, 'stream'));
      });
      ws.on('close', (code, reason) => {
        this.drained?.();
        if (!ready) {
          reject(new Error(`closed before the session was ready (${code} ${reason.toString()})`));
          return;
        }
        if (this.closeRequested || this.state !== 'open') return;
        this.failed(droppedError('openai-realtime', code, reason.toString()));
      });
      ws.on('message', (data) => {
        let ev: ServerEvent;
        try {
          ev = JSON.parse(data.toString()) as ServerEvent;
        } catch {
          this.failed(new DialerError('DIALER_ERR_STT_PROTOCOL', 'openai-realtime: a message that is not JSON'));
          return;
        }
        if (!ready) {
          if (ev.type === 'session.created') {
            this.send({
              type: 'session.update',
              session: {
                type: 'transcription',
                audio: {
                  input: {
                    format,
                    transcription: {
                      model: this.s.model,
                      language: (o.language ?? this.s.language).slice(0, 2),
                      ...(hints.length > 0 ? { prompt: hints.join(', ') } : {}),
                    },
                    turn_detection:
                      this.s.vad === 'server_vad' ? { type: 'server_vad', silence_duration_ms: this.s.endpointingMs, prefix_padding_ms: 300, threshold: 0.5 } : null,
                  },
                },
              },
            } as RealtimeClientEvent);
          } else if (ev.type === 'session.updated') {
            ready = true;
            resolve();
          } else if (ev.type === 'error') {
            reject(openAiRealtimeError((ev as { error: { code?: string } }).error) ?? new Error('session rejected'));
          }
          return;
        }
        this.onEvent(ev);
      });
    });
  }

  private item(id: string): Item {
    let it = this.items.get(id);
    if (!it) {
      it = { text: '', committed: false };
      this.items.set(id, it);
    }
    return it;
  }

  private onEvent(ev: ServerEvent): void {
    this.activity();
    switch (ev.type) {
      case 'input_audio_buffer.speech_started': {
        const e = ev as { audio_start_ms: number; item_id: string };
        this.item(e.item_id).startMs = this.originMs + e.audio_start_ms;
        if (this.state === 'open') this.emit('speech_started', { atMs: this.originMs + e.audio_start_ms });
        break;
      }
      case 'input_audio_buffer.speech_stopped': {
        const e = ev as { audio_end_ms: number; item_id: string };
        this.item(e.item_id).endMs = this.originMs + e.audio_end_ms;
        break;
      }
      case 'input_audio_buffer.committed': {
        const e = ev as { item_id: string };
        const it = this.item(e.item_id);
        it.committed = true;
        const span = this.commits.shift();
        if (span) {
          it.startMs ??= span[0];
          it.endMs ??= span[1];
        }
        this.bytesSinceCommit = 0;
        this.lastCommitMs = it.endMs ?? this.positionMs;
        this.order.push(e.item_id);
        break;
      }
      case 'conversation.item.input_audio_transcription.delta': {
        const e = ev as { item_id: string; delta?: string };
        const it = this.item(e.item_id);
        it.text += e.delta ?? '';
        if (this.s.interim && it.text.trim()) {
          this.emitTranscript({
            kind: 'interim',
            segmentId: this.segmentId(e.item_id),
            text: it.text.trim(),
            language: this.options.language ?? this.s.language,
            startMs: it.startMs ?? this.lastCommitMs,
            endMs: it.endMs ?? this.positionMs,
          });
        }
        break;
      }
      case 'conversation.item.input_audio_transcription.completed': {
        const e = ev as { item_id: string; transcript: string };
        const it = this.item(e.item_id);
        it.final = e.transcript ?? '';
        if (!it.committed) {
          it.committed = true;
          this.order.push(e.item_id);
        }
        this.flushFinals();
        break;
      }
      case 'conversation.item.input_audio_transcription.failed': {
        const e = ev as { error?: { message?: string; code?: string } };
        this.failed(new DialerError('DIALER_ERR_STT_PROTOCOL', `openai-realtime: transcription failed: ${e.error?.message ?? 'unknown'}`, { details: { code: e.error?.code } }));
        break;
      }
      case 'error': {
        const err = openAiRealtimeError((ev as { error: { type?: string; code?: string | null; message?: string } }).error);
        if (err) this.failed(err);
        break;
      }
      default:
        break;
    }
  }

  private segmentId(itemId: string): string {
    return `${this.options.legId}:oai:${itemId}`;
  }

  /** Emits completed finals in audio order. */
  private flushFinals(): void {
    while (this.order.length > 0) {
      const id = this.order[0]!;
      const it = this.items.get(id);
      if (!it || it.final === undefined) return;
      this.order.shift();
      this.items.delete(id);
      const text = it.final.trim();
      const endMs = it.endMs ?? this.positionMs;
      if (text) {
        this.emitTranscript({
          kind: 'final',
          segmentId: this.segmentId(id),
          text,
          language: this.options.language ?? this.s.language,
          startMs: it.startMs ?? this.lastCommitMs,
          endMs,
        });
      }
      this.emit('utterance_end', { atMs: endMs });
    }
    if (this.order.length === 0 && this.commits.length === 0) this.drained?.();
  }

  protected sendAudio(audio: Uint8Array): void {
    this.bytesSinceCommit += audio.length;
    this.send({ type: 'input_audio_buffer.append', audio: Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString('base64') });
  }

  /** Commits the buffer when it holds at least 100 ms (the API rejects less). */
  private commit(): boolean {
    if (audioMs(this.bytesSinceCommit, this.options.encoding, this.options.sampleRate) < 100) return false;
    this.commits.push([this.lastCommitMs, this.positionMs]);
    this.lastCommitMs = this.positionMs;
    this.bytesSinceCommit = 0;
    this.send({ type: 'input_audio_buffer.commit' });
    return true;
  }

  protected override onSpeechEnd(): void {
    if (this.s.vad === 'none' && this.state === 'open') this.commit();
  }

  protected sendFinalize(): void {
    this.commit();
  }

  protected sendKeepAlive(): void {
    this.ws!.ping();
  }

  protected async closeConnection(graceful: boolean): Promise<void> {
    this.closeRequested = true;
    const ws = this.ws;
    if (!ws) return;
    if (graceful && ws.readyState === WebSocket.OPEN) {
      this.commit();
      if (this.order.length > 0 || this.commits.length > 0) await new Promise<void>((r) => (this.drained = r));
    }
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
      if (graceful) ws.close(1000);
      else ws.terminate();
    }
  }
}

/** OpenAI realtime transcription sessions (`/v1/realtime?intent=transcription`) over WebSocket. */
export class OpenAiRealtimeProvider implements SttProvider {
  readonly name = 'openai-realtime';
  readonly capabilities = OPENAI_REALTIME_CAPABILITIES;

  constructor(
    private readonly s: OpenAiRealtimeSettings,
    private readonly deps: StreamDeps,
  ) {}

  open(options: SttStreamOptions): SttStream {
    return new OpenAiRealtimeStream(this.s, options, this.deps);
  }

  async close(): Promise<void> {}
}
