import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeUlaw, decodeUlaw } from '@dialer/core';
const dir = mkdtempSync(join(tmpdir(), 'mb-'));
const wav = join(dir, 's.wav'); const raw = join(dir, 's.raw');
execFileSync('espeak-ng', ['-w', wav, '-s', '150', 'Thank you for calling. This call may be recorded for quality purposes. How can I help you today? I would like to check the status of my order, please.']);
execFileSync('sox', [wav, '-r', '8000', '-c', '1', '-e', 'signed-integer', '-b', '16', '-t', 'raw', raw, 'pad', '0.3', '0.3']);
const b = readFileSync(raw); const pcm = new Int16Array(b.length >> 1);
for (let i = 0; i < pcm.length; i++) pcm[i] = b.readInt16LE(i * 2);
const u = new Uint8Array(pcm.length); encodeUlaw(pcm, 0, pcm.length, u, 0);
const d = new Int16Array(u.length); decodeUlaw(u, 0, u.length, d);
let silent = 0; const frames = Math.floor(d.length / 160);
for (let f = 0; f < frames; f++) { let loud = false; for (let i = 0; i < 160; i++) { const s = d[f * 160 + i]!; if (s > 16 || s < -16) { loud = true; break; } } if (!loud) silent++; }
console.log({ frames, silent, frac: silent / frames });
