import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveDetector, meterLevel, smoothLevel } from '../src/lib/audio-level.js';

const sine = (amp: number, n = 480) => Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * 440 * i) / 48000));

test('silence reads 0, full scale reads near 1, and louder reads higher', () => {
  assert.equal(meterLevel(new Float32Array(480)), 0);
  assert.ok(meterLevel(sine(1)) > 0.9);
  const quiet = meterLevel(sine(0.01));
  const loud = meterLevel(sine(0.3));
  assert.ok(quiet > 0 && quiet < loud, `${quiet} < ${loud}`);
  assert.equal(meterLevel([]), 0);
});

test('the meter rises at once and falls slowly', () => {
  assert.equal(smoothLevel(0.2, 0.8), 0.8);
  assert.ok(Math.abs(smoothLevel(0.8, 0) - 0.68) < 1e-9);
});

test('the mic counts as live after several loud readings, not one click', () => {
  const d = new LiveDetector(0.15, 3);
  assert.equal(d.push(0.9), false);
  assert.equal(d.push(0.01), false);
  d.push(0.5);
  d.push(0.5);
  assert.equal(d.push(0.5), true);
});
