import { audioMs, type SttEncoding } from '@dialer/core';

interface Chunk {
  startMs: number;
  bytes: Uint8Array;
}

/**
 * Audio kept by leg offset: copies of what was written, sliced back out by
 * offset at sample precision. Used for failover replay and batch segments.
 */
export class AudioLog {
  private chunks: Chunk[] = [];
  private bytes = 0;
  private readonly bytesPerSample: number;
  private end: number;

  constructor(
    readonly encoding: SttEncoding,
    readonly sampleRate: number,
    startMs = 0,
  ) {
    this.bytesPerSample = encoding === 'linear16' ? 2 : 1;
    this.end = startMs;
  }

  /** Leg offset of the oldest audio held (or the end, when empty). */
  get startMs(): number {
    return this.chunks[0]?.startMs ?? this.end;
  }

  /** Leg offset just after the newest audio. */
  get endMs(): number {
    return this.end;
  }

  get durationMs(): number {
    return this.end - this.startMs;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** Appends a copy of `audio` (callers reuse their buffers). */
  append(audio: Uint8Array): void {
    if (audio.length === 0) return;
    this.chunks.push({ startMs: this.end, bytes: audio.slice() });
    this.bytes += audio.length;
    this.end += audioMs(audio.length, this.encoding, this.sampleRate);
  }

  private byteOffset(chunk: Chunk, atMs: number): number {
    const samples = Math.round(((atMs - chunk.startMs) * this.sampleRate) / 1000);
    return Math.max(0, Math.min(chunk.bytes.length, samples * this.bytesPerSample));
  }

  /** Forgets audio before `atMs`; returns how many ms were dropped. */
  dropBefore(atMs: number): number {
    const before = this.startMs;
    while (this.chunks.length > 0) {
      const c = this.chunks[0]!;
      const cEnd = c.startMs + audioMs(c.bytes.length, this.encoding, this.sampleRate);
      if (cEnd <= atMs) {
        this.chunks.shift();
        this.bytes -= c.bytes.length;
        continue;
      }
      if (c.startMs < atMs) {
        const cut = this.byteOffset(c, atMs);
        this.bytes -= cut;
        this.chunks[0] = { startMs: c.startMs + audioMs(cut, this.encoding, this.sampleRate), bytes: c.bytes.subarray(cut) };
      }
      break;
    }
    if (this.chunks.length === 0 && atMs > this.end) this.end = atMs;
    return Math.max(0, Math.min(atMs, this.end) - before);
  }

  /** Chunks covering `[fromMs, toMs)`, as views (no copies), with their leg offsets. */
  *chunksBetween(fromMs: number, toMs = Infinity): Generator<{ startMs: number; bytes: Uint8Array }> {
    for (const c of this.chunks) {
      const cEnd = c.startMs + audioMs(c.bytes.length, this.encoding, this.sampleRate);
      if (cEnd <= fromMs) continue;
      if (c.startMs >= toMs) break;
      const a = c.startMs < fromMs ? this.byteOffset(c, fromMs) : 0;
      const b = cEnd > toMs ? this.byteOffset(c, toMs) : c.bytes.length;
      if (b > a) yield { startMs: c.startMs + audioMs(a, this.encoding, this.sampleRate), bytes: c.bytes.subarray(a, b) };
    }
  }

  /** One contiguous copy of `[fromMs, toMs)`. */
  slice(fromMs: number, toMs = Infinity): Uint8Array {
    const parts = [...this.chunksBetween(fromMs, toMs)];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.bytes.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p.bytes, at);
      at += p.bytes.length;
    }
    return out;
  }

  clear(atMs = this.end): void {
    this.chunks = [];
    this.bytes = 0;
    this.end = atMs;
  }
}
