// Test audio: real speech from espeak-ng, converted by sox, cached per run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeUlaw } from '@dialer/core';

const dir = mkdtempSync(join(tmpdir(), 'dialer-media-audio-'));
const cache = new Map<string, Int16Array>();

/** `text` spoken by espeak-ng as mono 16-bit PCM at `rate`, padded with `padMs` of silence each side. */
export function speech(text: string, rate = 8000, padMs = 0): Int16Array {
  const key = `${text}|${rate}|${padMs}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const name = `s${cache.size}`;
  const wav = join(dir, `${name}.wav`);
  const raw = join(dir, `${name}-${rate}.raw`);
  if (!existsSync(raw)) {
    execFileSync('espeak-ng', ['-w', wav, '-s', '150', text]);
    const pad = padMs > 0 ? ['pad', `${padMs / 1000}`, `${padMs / 1000}`] : [];
    execFileSync('sox', [wav, '-r', String(rate), '-c', '1', '-e', 'signed-integer', '-b', '16', '-t', 'raw', raw, ...pad]);
  }
  const b = readFileSync(raw);
  const pcm = new Int16Array(b.length >> 1);
  for (let i = 0; i < pcm.length; i++) pcm[i] = b.readInt16LE(i * 2);
  cache.set(key, pcm);
  return pcm;
}

/** A WAV file of `text` at 22.05 kHz (espeak-ng's own rate), for playback tests. */
export function speechWav(text: string): string {
  const wav = join(dir, `w${cache.size}-${Date.now()}.wav`);
  execFileSync('espeak-ng', ['-w', wav, '-s', '150', text]);
  return wav;
}

/** u-law bytes of `pcm`. */
export function toUlaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  encodeUlaw(pcm, 0, pcm.length, out, 0);
  return out;
}

/** Root-mean-square level of `pcm[from..to)`. */
export function rms(pcm: Int16Array, from = 0, to = pcm.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += pcm[i]! * pcm[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
}

/** Goertzel magnitude of frequency `f` in `x[from..from+n)` (Hann window). */
export function goertzel(x: ArrayLike<number>, from: number, n: number, f: number, fs: number): number {
  const w = (2 * Math.PI * f) / fs;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const win = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const s0 = x[from + i]! * win + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2));
}
