import { Resampler, encodeS16LE } from '@dialer/core';
const N = 1000;
const rs = Array.from({ length: N }, () => new Resampler(8000, 16000, { maxInputSamples: 160 }));
const outs = Array.from({ length: N }, () => new Int16Array(321));
const bytes = Array.from({ length: N }, () => new Uint8Array(640));
const inp = new Int16Array(160); for (let i = 0; i < 160; i++) inp[i] = Math.round(8000 * Math.sin(i / 3));
for (let rep = 0; rep < 4; rep++) {
  let c0 = process.cpuUsage();
  for (let k = 0; k < 200; k++) for (let i = 0; i < N; i++) rs[i].process(inp, outs[i], 160);
  let c = process.cpuUsage(c0); const a = (c.user + c.system) / (200 * N);
  c0 = process.cpuUsage();
  for (let k = 0; k < 200; k++) for (let i = 0; i < N; i++) encodeS16LE(outs[i], 0, 320, bytes[i], 0);
  c = process.cpuUsage(c0); console.log('resample us/frame', a.toFixed(3), 'encode', ((c.user + c.system) / (200 * N)).toFixed(3));
}
