import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { SttEncoding } from '@dialer/core';

const dir = join(tmpdir(), 'dialer-stt-audio');

/**
 * Real speech from espeak-ng, converted with sox to headerless audio in the
 * given encoding and rate (u-law/A-law 8-bit, or signed 16-bit little-endian).
 * Cached per text and format for the test run.
 */
export function speech(text: string, encoding: SttEncoding, sampleRate: number): Buffer {
  mkdirSync(dir, { recursive: true });
  const key = createHash('sha1').update(`${text}|${encoding}|${sampleRate}`).digest('hex').slice(0, 16);
  const wav = join(dir, `${key}.wav`);
  const raw = join(dir, `${key}.raw`);
  if (!existsSync(raw)) {
    execFileSync('espeak-ng', ['-s', '160', '-w', wav, text]);
    const enc = encoding === 'linear16' ? ['-e', 'signed-integer', '-b', '16', '-L'] : ['-e', encoding === 'mulaw' ? 'mu-law' : 'a-law', '-b', '8'];
    execFileSync('sox', [wav, '-r', String(sampleRate), '-c', '1', ...enc, '-t', 'raw', raw]);
  }
  return readFileSync(raw);
}

/** Silence in the encoding. */
export function silence(ms: number, encoding: SttEncoding, sampleRate: number): Buffer {
  const samples = Math.round((ms * sampleRate) / 1000);
  if (encoding === 'linear16') return Buffer.alloc(samples * 2);
  return Buffer.alloc(samples, encoding === 'mulaw' ? 0xff : 0xd5);
}

export function bytesPerMs(encoding: SttEncoding, sampleRate: number): number {
  return ((encoding === 'linear16' ? 2 : 1) * sampleRate) / 1000;
}

/** A conversation turn: speech followed by silence, with the VAD marks a gateway would give. */
export interface Script {
  audio: Buffer;
  /** `[startMs, endMs]` of each utterance. */
  spans: Array<[number, number]>;
  texts: string[];
}

/** Utterances separated by `gapMs` of silence, led by 300 ms of silence. */
export function conversation(texts: string[], encoding: SttEncoding, sampleRate: number, gapMs = 1200): Script {
  const parts: Buffer[] = [silence(300, encoding, sampleRate)];
  const spans: Array<[number, number]> = [];
  const bpm = bytesPerMs(encoding, sampleRate);
  let at = 300;
  for (const t of texts) {
    const s = speech(t, encoding, sampleRate);
    const ms = s.length / bpm;
    spans.push([at, at + ms]);
    parts.push(s, silence(gapMs, encoding, sampleRate));
    at += ms + gapMs;
  }
  return { audio: Buffer.concat(parts), spans, texts };
}

/** Splits audio into gateway-sized chunks (default 100 ms). */
export function chunks(audio: Buffer, encoding: SttEncoding, sampleRate: number, ms = 100): Buffer[] {
  const size = Math.round(ms * bytesPerMs(encoding, sampleRate));
  const out: Buffer[] = [];
  for (let i = 0; i < audio.length; i += size) out.push(audio.subarray(i, i + size));
  return out;
}
