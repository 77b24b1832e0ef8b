// Opus through libopus (@discordjs/opus, built from source). Mono, 48 kHz,
// 20 ms frames toward browsers; any Opus frame size is decoded.
import { createRequire } from 'node:module';
import { decodeS16LE } from '@dialer/core';
import type { AudioDecoder, AudioEncoder } from './codecs.js';

interface NativeOpus {
  encode(buf: Buffer): Buffer;
  decode(buf: Buffer): Buffer;
  setBitrate(bitrate: number): void;
}
type NativeOpusCtor = new (rate: number, channels: number) => NativeOpus;

let ctor: NativeOpusCtor | undefined;
function nativeOpus(): NativeOpusCtor {
  if (!ctor) {
    const require = createRequire(import.meta.url);
    ctor = (require('@discordjs/opus') as { OpusEncoder: NativeOpusCtor }).OpusEncoder;
  }
  return ctor;
}

/** Opus encoder and decoder of one stream (mono, 48 kHz). */
export class OpusCodec implements AudioDecoder, AudioEncoder {
  readonly codec = 'opus' as const;
  readonly sampleRate = 48000;
  readonly payloadType = 111;
  /** 120 ms, the longest Opus packet. */
  readonly maxSamples = 5760;
  private native: NativeOpus | undefined;

  constructor(bitrate = 32_000) {
    const Native = nativeOpus();
    this.native = new Native(48000, 1);
    this.native.setBitrate(bitrate);
  }

  decode(buf: Uint8Array, offset: number, length: number, out: Int16Array): number {
    if (!this.native || length === 0) return 0;
    let pcm: Buffer;
    try {
      pcm = this.native.decode(Buffer.from(buf.buffer, buf.byteOffset + offset, length));
    } catch {
      return 0;
    }
    const n = Math.min(pcm.length >> 1, out.length);
    decodeS16LE(pcm, 0, n, out);
    return n;
  }

  encode(pcm: Int16Array, n: number, out: Uint8Array): number {
    if (!this.native) return 0;
    const encoded = this.native.encode(Buffer.from(pcm.buffer, pcm.byteOffset, n * 2));
    out.set(encoded);
    return encoded.length;
  }

  close(): void {
    this.native = undefined;
  }
}
