import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { SttEncoding } from '@dialer/core';
import { FakeAsr, type AsrEvent } from './asr.js';
import { FakeServer } from './server.js';

/** What one AssemblyAI session received. */
export interface AssemblyAiSession {
  query: URLSearchParams;
  authorization: string | undefined;
  /** Duration of each audio message, ms. */
  chunkMs: number[];
  bytes: number;
  control: string[];
  sent: Array<Record<string, unknown>>;
}

const capitalise = (t: string): string => `${t.charAt(0).toUpperCase()}${t.slice(1)}.`;

/**
 * A local AssemblyAI Universal-Streaming v3 server (`wss:` only, with a
 * self-signed certificate): `Authorization: <key>`, the query options,
 * binary audio of 50-1000 ms per message (anything else closes with 3007, as
 * the service does), `ForceEndpoint`, `KeepAlive`, `Terminate`; it answers
 * `Begin`, `Turn` (partial, end of turn, formatted) and `Termination`.
 */
export class AssemblyAiFake {
  readonly sessions: AssemblyAiSession[] = [];
  readonly server: FakeServer;
  stalled = false;
  private prevTls: string | undefined;

  constructor(
    private readonly texts: readonly string[],
    private readonly apiKey = 'aai-test-key',
  ) {
    this.server = new FakeServer({
      tls: true,
      upgrade: (req) => {
        const url = new URL(req.url ?? '/', 'https://x');
        if (url.pathname !== '/v3/ws') return { accept: false, status: 404 };
        if (req.headers.authorization !== this.apiKey) return { accept: false, status: 401 };
        return { accept: true };
      },
      onSocket: (ws, req) => this.session(ws, req),
    });
  }

  /**
   * Starts listening. The SDK connects with `ws` and no way to pass a CA, so
   * this test process accepts the self-signed certificate while the fake runs.
   */
  async start(): Promise<string> {
    this.prevTls = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    const port = await this.server.start();
    return `wss://127.0.0.1:${port}/v3/ws`;
  }

  private session(ws: WebSocket, req: IncomingMessage): void {
    const query = new URL(req.url ?? '/', 'https://x').searchParams;
    const s: AssemblyAiSession = { query, authorization: req.headers.authorization, chunkMs: [], bytes: 0, control: [], sent: [] };
    this.sessions.push(s);
    const encoding: SttEncoding = query.get('encoding') === 'pcm_mulaw' ? 'mulaw' : 'linear16';
    const rate = Number(query.get('sample_rate'));
    const bytesPerMs = ((encoding === 'linear16' ? 2 : 1) * rate) / 1000;
    const asr = new FakeAsr(this.texts, encoding, rate, Number(query.get('min_turn_silence') ?? 400) + 100);
    const formatTurns = query.get('format_turns') === 'true';
    let turn = 0;
    const send = (m: Record<string, unknown>): void => {
      if (this.stalled || ws.readyState !== ws.OPEN) return;
      s.sent.push(m);
      ws.send(JSON.stringify(m));
    };
    const words = (ws_: Array<{ text: string; startMs: number; endMs: number }>, final: boolean) =>
      ws_.map((w) => ({ start: Math.round(w.startMs), end: Math.round(w.endMs), confidence: 0.93, text: w.text, word_is_final: final }));
    const handle = (e: AsrEvent): void => {
      if (e.type === 'start') send({ type: 'SpeechStarted', timestamp: e.atMs });
      if (e.type === 'partial') {
        const ws_ = e.text.split(' ').map((t, i, all) => ({ text: t, startMs: e.startMs + (i * (e.endMs - e.startMs)) / all.length, endMs: e.startMs + ((i + 1) * (e.endMs - e.startMs)) / all.length }));
        send({ type: 'Turn', turn_order: turn, turn_is_formatted: false, end_of_turn: false, transcript: '', end_of_turn_confidence: 0.1, words: words(ws_, false) });
      }
      if (e.type === 'final') {
        send({ type: 'Turn', turn_order: turn, turn_is_formatted: false, end_of_turn: true, transcript: e.text, end_of_turn_confidence: 0.9, words: words(e.words, true) });
        if (formatTurns) {
          send({ type: 'Turn', turn_order: turn, turn_is_formatted: true, end_of_turn: true, transcript: capitalise(e.text), end_of_turn_confidence: 0.9, words: words(e.words, true) });
        }
        turn++;
      }
    };
    send({ type: 'Begin', id: `session-${this.sessions.length}`, expires_at: Math.floor(Date.now() / 1000) + 3600 });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const buf = data as Buffer;
        const ms = buf.length / bytesPerMs;
        s.chunkMs.push(ms);
        s.bytes += buf.length;
        if (ms < 50 || ms > 1000) {
          ws.close(3007, 'Input duration violation: audio must be between 50 ms and 1000 ms');
          return;
        }
        for (const e of asr.push(buf)) handle(e);
        return;
      }
      const msg = JSON.parse(data.toString()) as { type: string };
      s.control.push(msg.type);
      if (msg.type === 'ForceEndpoint') for (const e of asr.finalize()) handle(e);
      if (msg.type === 'Terminate') {
        for (const e of asr.finalize()) handle(e);
        send({ type: 'Termination', audio_duration_seconds: s.bytes / bytesPerMs / 1000, session_duration_seconds: 1 });
        ws.close(1000);
      }
    });
  }

  private restoreTls(): void {
    if (this.prevTls === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = this.prevTls;
  }

  async kill(): Promise<void> {
    await this.server.kill();
  }

  async close(): Promise<void> {
    await this.server.close();
    this.restoreTls();
  }
}
