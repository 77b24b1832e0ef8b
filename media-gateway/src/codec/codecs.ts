// Decoders and encoders between RTP payloads and 16-bit PCM. G.711 and slin16
// are pure table/byte work; Opus goes through libopus (codec/opus.ts).
import {
  ALAW_SILENCE,
  ALAW_TO_LINEAR,
  ULAW_TO_LINEAR,
  DialerError,
  decodeAlaw,
  decodeS16BE,
  decodeUlaw,
  encodeAlaw,
  encodeS16BE,
  encodeUlaw,
  ULAW_SILENCE,
  type Codec,
} from '@dialer/core';
import { OpusCodec } from './opus.js';

/** RTP payload types: static for G.711, Asterisk's dynamic 118 for slin16, the usual 111 for Opus. */
export const PAYLOAD_TYPES: Readonly<Record<Codec, number>> = { ulaw: 0, alaw: 8, slin16: 118, opus: 111 };

/** Sample rate of each codec's PCM, and its RTP clock rate (the same for all four). */
export const CODEC_RATES: Readonly<Record<Codec, number>> = { ulaw: 8000, alaw: 8000, slin16: 16000, opus: 48000 };

/** Turns RTP payloads into PCM. */
export interface AudioDecoder {
  readonly codec: Codec;
  readonly sampleRate: number;
  /** Largest number of samples one payload can decode to. */
  readonly maxSamples: number;
  /** For a stateless one-byte-per-sample codec (G.711): the byte -> sample table, so callers can decode in place. */
  readonly table?: Int16Array;
  /** Decodes a payload into `out`; returns the samples written (0 for an undecodable payload). */
  decode(buf: Uint8Array, offset: number, length: number, out: Int16Array): number;
  close(): void;
}

/** Turns PCM frames into RTP payloads. */
export interface AudioEncoder {
  readonly codec: Codec;
  readonly sampleRate: number;
  readonly payloadType: number;
  /** Encodes `n` samples into `out`; returns the payload bytes. */
  encode(pcm: Int16Array, n: number, out: Uint8Array): number;
  close(): void;
}

class G711Decoder implements AudioDecoder {
  readonly sampleRate = 8000;
  readonly maxSamples = 1500;
  readonly table: Int16Array;
  constructor(readonly codec: 'ulaw' | 'alaw') {
    this.table = codec === 'ulaw' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
  }
  decode(buf: Uint8Array, offset: number, length: number, out: Int16Array): number {
    const n = Math.min(length, out.length);
    if (this.codec === 'ulaw') decodeUlaw(buf, offset, n, out);
    else decodeAlaw(buf, offset, n, out);
    return n;
  }
  close(): void {}
}

class G711Encoder implements AudioEncoder {
  readonly sampleRate = 8000;
  readonly payloadType: number;
  constructor(readonly codec: 'ulaw' | 'alaw') {
    this.payloadType = PAYLOAD_TYPES[codec];
  }
  encode(pcm: Int16Array, n: number, out: Uint8Array): number {
    if (this.codec === 'ulaw') encodeUlaw(pcm, 0, n, out);
    else encodeAlaw(pcm, 0, n, out);
    return n;
  }
  close(): void {}
}

class Slin16Decoder implements AudioDecoder {
  readonly codec = 'slin16' as const;
  readonly sampleRate = 16000;
  readonly maxSamples = 750;
  decode(buf: Uint8Array, offset: number, length: number, out: Int16Array): number {
    const n = Math.min(length >> 1, out.length);
    decodeS16BE(buf, offset, n, out);
    return n;
  }
  close(): void {}
}

class Slin16Encoder implements AudioEncoder {
  readonly codec = 'slin16' as const;
  readonly sampleRate = 16000;
  readonly payloadType = PAYLOAD_TYPES.slin16;
  encode(pcm: Int16Array, n: number, out: Uint8Array): number {
    encodeS16BE(pcm, 0, n, out, 0);
    return n * 2;
  }
  close(): void {}
}

/** A decoder for `codec`. */
export function createDecoder(codec: Codec): AudioDecoder {
  switch (codec) {
    case 'ulaw':
    case 'alaw':
      return new G711Decoder(codec);
    case 'slin16':
      return new Slin16Decoder();
    case 'opus':
      return new OpusCodec();
    default:
      throw new DialerError('DIALER_ERR_MEDIA_CODEC', `unsupported codec ${String(codec)}`);
  }
}

/** An encoder for `codec`. */
export function createEncoder(codec: Codec): AudioEncoder {
  switch (codec) {
    case 'ulaw':
    case 'alaw':
      return new G711Encoder(codec);
    case 'slin16':
      return new Slin16Encoder();
    case 'opus':
      return new OpusCodec();
    default:
      throw new DialerError('DIALER_ERR_MEDIA_CODEC', `unsupported codec ${String(codec)}`);
  }
}

/** Bytes of one payload byte of silence for G.711 (for gap filling in passthrough). */
export function silenceByte(codec: Codec): number {
  return codec === 'alaw' ? ALAW_SILENCE : ULAW_SILENCE;
}
