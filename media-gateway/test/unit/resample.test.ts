import { test } from 'node:test';
import assert from 'node:assert/strict';
import { designLowPass, Resampler } from '@dialer/core';
import { goertzel } from '../helpers/audio.js';

function tone(freq: number, rate: number, samples: number, amplitude = 16000): Int16Array {
  return Int16Array.from({ length: samples }, (_, t) => Math.round(amplitude * Math.sin((2 * Math.PI * freq * t) / rate)));
}

/** Resamples in 20 ms frames, as the gateway does. */
function run(r: { process(i: Int16Array, o: Int16Array, n?: number): number }, input: Int16Array, inRate: number, outCap: number): Int16Array {
  const out = new Int16Array(outCap);
  const frame = inRate / 50;
  let o = 0;
  const tmp = new Int16Array(outCap);
  for (let i = 0; i + frame <= input.length; i += frame) {
    const n = r.process(input.subarray(i, i + frame), tmp, frame);
    out.set(tmp.subarray(0, n), o);
    o += n;
  }
  return out.subarray(0, o);
}

/** Image rejection of a 3 kHz tone upsampled 8 -> 16 kHz: power at 3 kHz over power at its 5 kHz image. */
function imageRejectionDb(out: Int16Array): number {
  const n = 8192;
  const from = out.length - n;
  return 20 * Math.log10(goertzel(out, from, n, 3000, 16000) / goertzel(out, from, n, 5000, 16000));
}

/** The baseline the issue rules out: linear interpolation. */
class LinearUpsampler {
  private last = 0;
  process(input: Int16Array, output: Int16Array, n = input.length): number {
    for (let i = 0; i < n; i++) {
      output[2 * i] = Math.round((this.last + input[i]!) / 2);
      output[2 * i + 1] = input[i]!;
      this.last = input[i]!;
    }
    return 2 * n;
  }
}

test('8 -> 16 kHz rejects the image of a 3 kHz tone by at least 80 dB', () => {
  const input = tone(3000, 8000, 16000);
  const out = run(new Resampler(8000, 16000), input, 8000, 40000);
  const db = imageRejectionDb(out);
  assert.ok(db >= 80, `image rejection ${db.toFixed(1)} dB`);
});

test('linear interpolation does not meet the bar (the measure can fail)', () => {
  const input = tone(3000, 8000, 16000);
  const out = run(new LinearUpsampler(), input, 8000, 40000);
  assert.ok(imageRejectionDb(out) < 40);
});

test('the passband is flat and frames join without discontinuities', () => {
  const input = tone(1000, 8000, 8000, 10000);
  const framed = run(new Resampler(8000, 16000), input, 8000, 20000);
  const whole = new Int16Array(20000);
  const r = new Resampler(8000, 16000, { maxInputSamples: 8000 });
  const n = r.process(input, whole, 8000);
  // Block size does not change the output: the state carries across frames.
  assert.equal(framed.length, n);
  assert.deepEqual(framed, whole.subarray(0, n));
  const gainDb = 20 * Math.log10(goertzel(framed, 4000, 8192, 1000, 16000) / goertzel(input, 0, 4096, 1000, 8000) / 2);
  assert.ok(Math.abs(gainDb) < 0.5, `passband gain ${gainDb.toFixed(2)} dB`);
});

test('every rate pair yields exactly the expected samples per 20 ms frame', () => {
  const rates = [8000, 16000, 24000, 48000];
  for (const a of rates) {
    for (const b of rates) {
      if (a === b) continue;
      const r = new Resampler(a, b);
      const inFrame = new Int16Array(a / 50);
      const out = new Int16Array(r.maxOutput(inFrame.length));
      for (let f = 0; f < 10; f++) assert.equal(r.process(inFrame, out), b / 50, `${a} -> ${b}`);
    }
  }
  assert.throws(() => new Resampler(8000, 44100), RangeError);
});

test('downsampling 48 -> 16 kHz removes what 16 kHz cannot carry', () => {
  const input = tone(11000, 48000, 48000);
  const out = run(new Resampler(48000, 16000), input, 48000, 20000);
  // 11 kHz would alias to 5 kHz: it must be gone.
  const alias = goertzel(out, 4000, 8192, 5000, 16000);
  const ref = goertzel(run(new Resampler(48000, 16000), tone(3000, 48000, 48000), 48000, 20000), 4000, 8192, 3000, 16000);
  assert.ok(20 * Math.log10(ref / alias) > 70);
});

test('8 -> 16 kHz equals a direct convolution of the zero-stuffed input with the 47-tap prototype', () => {
  const input = Int16Array.from({ length: 1600 }, (_, i) => Math.round(12000 * Math.sin(i * 0.37) * Math.cos(i * 0.011)));
  const r = new Resampler(8000, 16000);
  assert.equal(r.taps, 24);
  const out = run(r, input, 8000, 4000);
  const h = designLowPass(47, 0.25, 90);
  for (let j = 0; j < out.length; j++) {
    let acc = 0;
    for (let m = 0; m < h.length; m++) {
      const q = j - m;
      if (q >= 0 && q % 2 === 0) acc += 2 * h[m]! * input[q / 2]!;
    }
    assert.ok(Math.abs(out[j]! - Math.max(-32768, Math.min(32767, Math.round(acc)))) <= 1, `sample ${j}: ${out[j]} vs ${acc}`);
  }
});
