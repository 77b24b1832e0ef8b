import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { SttEncoding } from '@dialer/core';
import { FakeAsr, type AsrEvent } from './asr.js';
import { FakeServer } from './server.js';

/** What one realtime session received. */
export interface RealtimeSession {
  url: URL;
  authorization: string | undefined;
  session: Record<string, unknown> | undefined;
  appends: number;
  bytes: number;
  commits: number;
  events: string[];
  sent: Array<Record<string, unknown>>;
}

/**
 * A local OpenAI Realtime transcription server (`/v1/realtime?intent=transcription`):
 * `session.created`, a `session.update` of type `transcription` answered by
 * `session.updated`, base64 `input_audio_buffer.append`, server VAD
 * (`speech_started` / `speech_stopped` / `committed`) or manual
 * `input_audio_buffer.commit`, then `...input_audio_transcription.delta` and
 * `.completed` per item; `error` for what it does not accept.
 */
export class OpenAiRealtimeFake {
  readonly sessions: RealtimeSession[] = [];
  readonly server: FakeServer;
  stalled = false;

  constructor(
    private readonly texts: readonly string[],
    private readonly apiKey = 'sk-test',
  ) {
    this.server = new FakeServer({
      upgrade: (req) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname !== '/v1/realtime') return { accept: false, status: 404 };
        if (req.headers.authorization !== `Bearer ${this.apiKey}`) return { accept: false, status: 401 };
        if (url.searchParams.get('intent') !== 'transcription' || url.searchParams.has('model')) return { accept: false, status: 400 };
        return { accept: true };
      },
      onSocket: (ws, req) => this.session(ws, req),
    });
  }

  async start(): Promise<string> {
    const port = await this.server.start();
    return `http://127.0.0.1:${port}/v1`;
  }

  private session(ws: WebSocket, req: IncomingMessage): void {
    const s: RealtimeSession = { url: new URL(req.url ?? '/', 'http://x'), authorization: req.headers.authorization, session: undefined, appends: 0, bytes: 0, commits: 0, events: [], sent: [] };
    this.sessions.push(s);
    let asr: FakeAsr | undefined;
    let vad = false;
    let item = 0;
    let speechItem: string | undefined;
    let bufferedMs = 0;
    let bytesPerMs = 8;
    let pending: Array<{ text: string; startMs: number; endMs: number }> = [];
    let prev: string | null = null;
    const send = (m: Record<string, unknown>): void => {
      if (this.stalled || ws.readyState !== ws.OPEN) return;
      s.sent.push(m);
      ws.send(JSON.stringify({ event_id: `evt_${s.sent.length}`, ...m }));
    };
    const transcribe = (itemId: string, text: string): void => {
      const words = text.split(' ');
      const half = Math.ceil(words.length / 2);
      send({ type: 'conversation.item.input_audio_transcription.delta', item_id: itemId, content_index: 0, delta: words.slice(0, half).join(' ') + ' ' });
      send({ type: 'conversation.item.input_audio_transcription.delta', item_id: itemId, content_index: 0, delta: words.slice(half).join(' ') });
      send({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0, transcript: text, usage: { type: 'duration', seconds: 1 } });
    };
    const commitItem = (itemId: string): void => {
      send({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: prev });
      prev = itemId;
    };
    const handle = (e: AsrEvent): void => {
      if (!vad) {
        if (e.type === 'final') pending.push(e);
        return;
      }
      if (e.type === 'start') {
        speechItem = `item_${++item}`;
        send({ type: 'input_audio_buffer.speech_started', audio_start_ms: e.atMs, item_id: speechItem });
      }
      if (e.type === 'final' && speechItem) {
        const id = speechItem;
        speechItem = undefined;
        send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: Math.round(e.endMs), item_id: id });
        commitItem(id);
        transcribe(id, e.text);
        bufferedMs = 0;
      }
    };
    send({ type: 'session.created', session: { type: 'transcription', id: `sess_${this.sessions.length}` } });
    ws.on('message', (data) => {
      const ev = JSON.parse(data.toString()) as { type: string; audio?: string; session?: Record<string, unknown> };
      s.events.push(ev.type);
      switch (ev.type) {
        case 'session.update': {
          const sess = ev.session as { type?: string; audio?: { input?: { format?: { type?: string; rate?: number }; turn_detection?: { type?: string } | null } } };
          const fmt = sess.audio?.input?.format;
          let encoding: SttEncoding | undefined;
          let rate = 8000;
          if (fmt?.type === 'audio/pcmu') encoding = 'mulaw';
          else if (fmt?.type === 'audio/pcma') encoding = 'alaw';
          else if (fmt?.type === 'audio/pcm' && fmt.rate === 24000) {
            encoding = 'linear16';
            rate = 24000;
          }
          if (sess.type !== 'transcription' || !encoding) {
            send({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'unsupported session' } });
            return;
          }
          s.session = sess as Record<string, unknown>;
          vad = sess.audio?.input?.turn_detection?.type === 'server_vad';
          bytesPerMs = ((encoding === 'linear16' ? 2 : 1) * rate) / 1000;
          asr = new FakeAsr(this.texts, encoding, rate, 500);
          send({ type: 'session.updated', session: sess });
          return;
        }
        case 'input_audio_buffer.append': {
          const buf = Buffer.from(ev.audio ?? '', 'base64');
          s.appends++;
          s.bytes += buf.length;
          bufferedMs += buf.length / bytesPerMs;
          for (const e of asr?.push(buf) ?? []) handle(e);
          return;
        }
        case 'input_audio_buffer.commit': {
          s.commits++;
          if (bufferedMs < 100) {
            send({ type: 'error', error: { type: 'invalid_request_error', code: 'input_audio_buffer_commit_empty', message: 'buffer too small' } });
            return;
          }
          bufferedMs = 0;
          if (vad && speechItem) {
            const id = speechItem;
            speechItem = undefined;
            const f = asr?.finalize() ?? [];
            commitItem(id);
            transcribe(id, f.map((e) => (e.type === 'final' ? e.text : '')).join(' ').trim());
            return;
          }
          for (const e of asr?.finalize() ?? []) if (e.type === 'final') pending.push(e);
          const id = `item_${++item}`;
          commitItem(id);
          transcribe(id, pending.map((p) => p.text).join(' '));
          pending = [];
          return;
        }
        default:
          send({ type: 'error', error: { type: 'invalid_request_error', code: 'unknown_event', message: `unknown event ${ev.type}` } });
      }
    });
  }

  kill(): Promise<void> {
    return this.server.kill();
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
