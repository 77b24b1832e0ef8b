import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { SttEncoding } from '@dialer/core';
import { FakeAsr, type AsrEvent } from './asr.js';
import { FakeServer } from './server.js';

/** What one Deepgram session received. */
export interface DeepgramSession {
  query: URLSearchParams;
  authorization: string | undefined;
  frames: number[];
  bytes: number;
  control: string[];
  sent: Array<Record<string, unknown>>;
  closedByClient: boolean;
}

/**
 * A local Deepgram live server (`/v1/listen`) speaking the documented wire
 * protocol: query-string options, `Authorization: Token <key>`, binary audio,
 * `KeepAlive` / `Finalize` / `CloseStream` control messages, and `Results`
 * (interim, `is_final`, `speech_final`, `from_finalize`), `SpeechStarted`,
 * `UtteranceEnd` and `Metadata` answers. It recognises real speech with
 * {@link FakeAsr}.
 */
export class DeepgramFake {
  readonly sessions: DeepgramSession[] = [];
  readonly server: FakeServer;
  /** Stop answering (the connection stays open). */
  stalled = false;
  /** Close code to send after this many bytes of audio (a vendor-side failure). */
  closeAfterBytes: { bytes: number; code: number; reason: string } | undefined;

  constructor(
    private readonly texts: readonly string[],
    private readonly apiKey = 'dg-test-key',
  ) {
    this.server = new FakeServer({
      upgrade: (req) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname !== '/v1/listen') return { accept: false, status: 404 };
        if (req.headers.authorization !== `Token ${this.apiKey}`) return { accept: false, status: 401 };
        if (!url.searchParams.get('model')) return { accept: false, status: 400 };
        return { accept: true };
      },
      onSocket: (ws, req) => this.session(ws, req),
    });
  }

  async start(): Promise<string> {
    const port = await this.server.start();
    return `ws://127.0.0.1:${port}`;
  }

  private session(ws: WebSocket, req: IncomingMessage): void {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const s: DeepgramSession = { query, authorization: req.headers.authorization, frames: [], bytes: 0, control: [], sent: [], closedByClient: false };
    this.sessions.push(s);
    const encoding = query.get('encoding') as SttEncoding;
    const rate = Number(query.get('sample_rate'));
    const asr = new FakeAsr(this.texts, encoding, rate, Number(query.get('endpointing') ?? 300) + 100);
    const interim = query.get('interim_results') === 'true';
    const vadEvents = query.get('vad_events') === 'true';
    let cursor = 0;
    const send = (m: Record<string, unknown>): void => {
      if (this.stalled || ws.readyState !== ws.OPEN) return;
      s.sent.push(m);
      ws.send(JSON.stringify(m));
    };
    const results = (startMs: number, endMs: number, text: string, words: Array<{ text: string; startMs: number; endMs: number }>, isFinal: boolean, extra: Record<string, unknown> = {}): void => {
      send({
        type: 'Results',
        channel_index: [0, 1],
        start: startMs / 1000,
        duration: (endMs - startMs) / 1000,
        is_final: isFinal,
        speech_final: isFinal && extra['from_finalize'] !== true,
        ...extra,
        channel: {
          alternatives: [
            {
              transcript: text,
              confidence: text ? 0.97 : 0,
              words: words.map((w) => ({ word: w.text.toLowerCase(), punctuated_word: w.text, start: w.startMs / 1000, end: w.endMs / 1000, confidence: 0.95 })),
            },
          ],
        },
        metadata: { request_id: 'req-1', model_info: { name: 'fake', version: '1', arch: 'fake' }, model_uuid: 'fake' },
      });
    };
    const handle = (e: AsrEvent, byFinalize = false): void => {
      if (e.type === 'start' && vadEvents) send({ type: 'SpeechStarted', channel: [0], timestamp: e.atMs / 1000 });
      if (e.type === 'partial' && interim) results(cursor, e.endMs, e.text, [], false);
      if (e.type === 'final') {
        // Finals cover contiguous ranges of the stream, like Deepgram's.
        results(cursor, e.endMs, e.text, e.words, true, byFinalize ? { from_finalize: true } : {});
        cursor = e.endMs;
        if (!byFinalize) send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: e.endMs / 1000 });
      }
    };
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const buf = data as Buffer;
        s.frames.push(buf.length);
        s.bytes += buf.length;
        for (const e of asr.push(buf)) handle(e);
        const c = this.closeAfterBytes;
        if (c && s.bytes >= c.bytes) ws.close(c.code, c.reason);
        return;
      }
      const msg = JSON.parse(data.toString()) as { type: string };
      s.control.push(msg.type);
      if (msg.type === 'Finalize') {
        const f = asr.finalize();
        if (f.length === 0) results(cursor, asr.positionMs, '', [], true, { from_finalize: true });
        for (const e of f) handle(e, true);
      } else if (msg.type === 'CloseStream') {
        for (const e of asr.finalize()) handle(e, true);
        send({ type: 'Metadata', transaction_key: 'deprecated', request_id: 'req-1', sha256: '', created: new Date().toISOString(), duration: asr.positionMs / 1000, channels: 1 });
        ws.close(1000);
      }
    });
    ws.on('close', () => {
      s.closedByClient = true;
    });
  }

  kill(): Promise<void> {
    return this.server.kill();
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
