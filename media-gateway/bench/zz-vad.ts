import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebRtcVadEngine } from '../src/vad/webrtc-vad.js';
const dir = mkdtempSync(join(tmpdir(), 'mb-'));
const wav = join(dir, 's.wav'); const raw = join(dir, 's.raw');
;
;
const b = readFileSync('/tmp/mb/s.raw'); const pcm = new Int16Array(b.length >> 1);
for (let i = 0; i < pcm.length; i++) pcm[i] = b.readInt16LE(i * 2);
const frames = Math.floor(pcm.length / 160);
const eng = createWebRtcVadEngine();
const vads = Array.from({ length: 100 }, () => eng.create({ sampleRate: 8000, aggressiveness: 3, frameMs: 20 }));
const f = Array.from({ length: frames }, (_, i) => pcm.slice(i * 160, i * 160 + 160));
let s = 0;
for (let rep = 0; rep < 3; rep++) {
  const t0 = performance.now(); let n = 0;
  for (let k = 0; k < 200; k++) for (let v = 0; v < vads.length; v++) { if (vads[v]!.isSpeech(f[(k + v) % frames]!)) s++; n++; }
  console.log('us/frame', ((performance.now() - t0) * 1000 / n).toFixed(3));
}
console.log(s);
