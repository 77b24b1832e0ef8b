import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeAsr } from './asr.js';
import { FakeServer } from './server.js';

/** One `/audio/transcriptions` request as the fake saw it. */
export interface BatchRequest {
  authorization: string | undefined;
  model: string;
  language: string | null;
  prompt: string | null;
  responseFormat: string | null;
  granularities: string[];
  fileName: string;
  contentType: string;
  wav: { format: number; channels: number; sampleRate: number; bits: number; dataBytes: number };
}

/** Parses the fields of a canonical 44-byte-header WAV. */
export function parseWav(b: Buffer): BatchRequest['wav'] & { data: Buffer } {
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  return {
    format: b.readUInt16LE(20),
    channels: b.readUInt16LE(22),
    sampleRate: b.readUInt32LE(24),
    bits: b.readUInt16LE(34),
    dataBytes: b.readUInt32LE(40),
    data: b.subarray(44),
  };
}

/**
 * A local OpenAI-compatible `/v1/audio/transcriptions` server (what whisper.cpp
 * and faster-whisper servers also expose): multipart upload of a WAV file with
 * `model`, `language`, `prompt`, `response_format`; answers `{ text }` or
 * `verbose_json` with words. It can be told to fail or to hang.
 */
export class OpenAiBatchFake {
  readonly requests: BatchRequest[] = [];
  readonly server: FakeServer;
  /** Status to answer the next requests with (then back to normal). */
  failures: number[] = [];
  hang = false;

  constructor(
    private readonly texts: readonly string[],
    /** null: a self-hosted server that wants no key. */
    private readonly apiKey: string | null = 'sk-test',
  ) {
    this.server = new FakeServer({ onRequest: (req, res) => void this.handle(req, res) });
  }

  async start(): Promise<string> {
    const port = await this.server.start();
    return `http://127.0.0.1:${port}/v1`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') return void res.writeHead(404).end();
    if (this.apiKey && req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Incorrect API key', type: 'invalid_request_error', code: 'invalid_api_key' } }));
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.hang) return;
    const status = this.failures.shift();
    if (status) return void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'scripted failure', type: 'server_error' } }));
    const form = await new Request('http://fake/v1/audio/transcriptions', { method: 'POST', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) }).formData();
    const file = form.get('file') as File;
    const bytes = Buffer.from(await file.arrayBuffer());
    const wav = parseWav(bytes);
    const r: BatchRequest = {
      authorization: req.headers.authorization,
      model: String(form.get('model')),
      language: form.get('language') as string | null,
      prompt: form.get('prompt') as string | null,
      responseFormat: form.get('response_format') as string | null,
      granularities: form.getAll('timestamp_granularities[]').map(String),
      fileName: file.name,
      contentType: file.type,
      wav: { format: wav.format, channels: wav.channels, sampleRate: wav.sampleRate, bits: wav.bits, dataBytes: wav.dataBytes },
    };
    this.requests.push(r);
    const asr = new FakeAsr(this.texts, 'linear16', wav.sampleRate, 400);
    const events = [...asr.push(wav.data), ...asr.finalize()].filter((e) => e.type === 'final');
    const text = events.map((e) => (e.type === 'final' ? e.text : '')).join(' ');
    const body =
      r.responseFormat === 'verbose_json'
        ? {
            task: 'transcribe',
            language: 'english',
            duration: wav.data.length / 2 / wav.sampleRate,
            text,
            words: events.flatMap((e) => (e.type === 'final' ? e.words.map((w) => ({ word: w.text, start: w.startMs / 1000, end: w.endMs / 1000 })) : [])),
          }
        : { text };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  kill(): Promise<void> {
    return this.server.kill();
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
