import { Resampler } from '@dialer/core';
for (const N of [1, 10, 100, 1000]) {
  const rs = Array.from({ length: N }, () => new Resampler(8000, 16000, { maxInputSamples: 160 }));
  const outs = Array.from({ length: N }, () => new Int16Array(321));
  const inp = new Int16Array(160); for (let i = 0; i < 160; i++) inp[i] = Math.round(8000 * Math.sin(i / 3));
  let best = 1e9;
  for (let rep = 0; rep < 5; rep++) {
    const reps = 200000 / N;
    const c0 = process.cpuUsage();
    for (let k = 0; k < reps; k++) for (let i = 0; i < N; i++) rs[i]!.process(inp, outs[i]!, 160);
    const c = process.cpuUsage(c0); best = Math.min(best, (c.user + c.system) / (reps * N));
  }
  console.log(N, 'resample us/frame', best.toFixed(3));
}
