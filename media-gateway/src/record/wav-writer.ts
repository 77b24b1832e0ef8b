// A WAV file written as the call goes: wavefile makes the 44-byte header,
// PCM blocks are appended in order, and the RIFF and data sizes are patched
// in at the end. Memory stays bounded however long the call lasts, and
// nothing on the audio path waits for the disk.
import { open, type FileHandle } from 'node:fs/promises';
import { WaveFile } from './wavefile.js';

/** Bytes of the canonical PCM WAV header. */
export const WAV_HEADER_BYTES = 44;

/** Appends 16-bit PCM to a WAV file; `close()` finalises the header. */
export class WavWriter {
  private queue: Promise<void>;
  private fh: FileHandle | undefined;
  private dataBytes = 0;
  private failure: Error | undefined;

  /** Starts creating (truncating) `path`; writes queue behind the header. */
  constructor(
    readonly path: string,
    readonly channels: number,
    readonly sampleRate: number,
  ) {
    const wav = new WaveFile();
    wav.fromScratch(channels, sampleRate, '16', channels === 1 ? [] : Array.from({ length: channels }, () => []));
    const header = wav.toBuffer();
    this.queue = (async () => {
      try {
        this.fh = await open(path, 'w');
        await this.fh.write(header, 0, header.length, 0);
      } catch (err) {
        this.failure = err as Error;
      }
    })();
  }

  /** Resolves once the file exists with its header, or rejects with the error. */
  async ready(): Promise<void> {
    await this.queue;
    if (this.failure) throw this.failure;
  }

  /** The first error, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Queues interleaved samples (the writer keeps `block`; do not reuse it). */
  append(block: Int16Array): void {
    if (block.length === 0 || this.failure) return;
    const buf = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    const position = WAV_HEADER_BYTES + this.dataBytes;
    this.dataBytes += buf.length;
    this.queue = this.queue.then(async () => {
      if (this.failure || !this.fh) return;
      try {
        await this.fh.write(buf, 0, buf.length, position);
      } catch (err) {
        this.failure = err as Error;
      }
    });
  }

  /** Writes what is queued, patches the sizes and closes; returns the file size. */
  async close(): Promise<number> {
    await this.queue;
    try {
      if (!this.failure && this.fh) {
        const sizes = Buffer.alloc(4);
        sizes.writeUInt32LE(36 + this.dataBytes, 0);
        await this.fh.write(sizes, 0, 4, 4);
        sizes.writeUInt32LE(this.dataBytes, 0);
        await this.fh.write(sizes, 0, 4, 40);
      }
    } catch (err) {
      this.failure ??= err as Error;
    } finally {
      await this.fh?.close().catch(() => undefined);
      this.fh = undefined;
    }
    if (this.failure) throw this.failure;
    return WAV_HEADER_BYTES + this.dataBytes;
  }
}
