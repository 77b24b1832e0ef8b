import { ALAW_TO_LINEAR, ULAW_TO_LINEAR, type SttEncoding } from '@dialer/core';

/** Decodes G.711 or little-endian 16-bit PCM to samples. */
export function toPcm16(audio: Uint8Array, encoding: SttEncoding): Int16Array {
  if (encoding === 'linear16') {
    const out = new Int16Array(audio.length >> 1);
    const view = new DataView(audio.buffer, audio.byteOffset, audio.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
    return out;
  }
  const table = encoding === 'mulaw' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
  const out = new Int16Array(audio.length);
  for (let i = 0; i < audio.length; i++) out[i] = table[audio[i]!]!;
  return out;
}

/**
 * Linear-interpolation resampling of one whole segment (off the audio path:
 * batch segments are converted once, just before they are posted).
 */
export function resample(samples: Int16Array, from: number, to: number): Int16Array {
  if (from === to || samples.length === 0) return samples;
  const n = Math.max(1, Math.round((samples.length * to) / from));
  const out = new Int16Array(n);
  const step = from / to;
  for (let i = 0; i < n; i++) {
    const x = i * step;
    const j = Math.floor(x);
    const a = samples[Math.min(j, samples.length - 1)]!;
    const b = samples[Math.min(j + 1, samples.length - 1)]!;
    out[i] = Math.round(a + (b - a) * (x - j));
  }
  return out;
}

/** A mono 16-bit PCM WAV file. */
export function wavFile(samples: Int16Array, sampleRate: number): Uint8Array {
  const dataBytes = samples.length * 2;
  const buf = new ArrayBuffer(44 + dataBytes);
  const v = new DataView(buf);
  const ascii = (at: number, s: string): void => {
    for (let i = 0; i < s.length; i++) v.setUint8(at + i, s.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) v.setInt16(44 + i * 2, samples[i]!, true);
  return new Uint8Array(buf);
}
