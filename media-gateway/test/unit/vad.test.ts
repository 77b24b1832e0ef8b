import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnergyVad, type VadEngine } from '@dialer/core';
import { createWebRtcVadEngine } from '@dialer/media-gateway';
import { speech } from '../helpers/audio.js';

function decisions(engine: VadEngine, pcm: Int16Array, rate: number, aggressiveness: 0 | 1 | 2 | 3): boolean[] {
  const vad = engine.create({ sampleRate: rate, aggressiveness });
  const n = vad.frameSamples;
  const out: boolean[] = [];
  for (let i = 0; i + n <= pcm.length; i += n) out.push(vad.isSpeech(pcm.subarray(i, i + n)));
  vad.close();
  return out;
}

function noise(samples: number, amplitude: number, seed = 1): Int16Array {
  let s = seed;
  return Int16Array.from({ length: samples }, () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return Math.round(((s / 0x7fffffff) * 2 - 1) * amplitude);
  });
}

test('the WebRTC VAD hears speech and not silence, at 8 and 16 kHz', () => {
  const engine = createWebRtcVadEngine();
  for (const rate of [8000, 16000]) {
    const pcm = speech('the quick brown fox jumps over the lazy dog', rate, 1000);
    const d = decisions(engine, pcm, rate, 2);
    const lead = d.slice(0, 40);
    const middle = d.slice(60, d.length - 60);
    assert.ok(lead.filter(Boolean).length <= 2, `${rate}: voiced in leading silence ${lead.filter(Boolean).length}`);
    assert.ok(middle.filter(Boolean).length / middle.length > 0.5, `${rate}: voiced share of speech ${middle.filter(Boolean).length}/${middle.length}`);
  }
});

test('higher aggressiveness calls less of a noisy line speech', () => {
  const engine = createWebRtcVadEngine();
  const pcm = noise(8000 * 4, 2000);
  const relaxed = decisions(engine, pcm, 8000, 0).filter(Boolean).length;
  const strict = decisions(engine, pcm, 8000, 3).filter(Boolean).length;
  assert.ok(strict < relaxed, `mode 3 ${strict} vs mode 0 ${relaxed}`);
});

test('reset and close are safe; a closed VAD answers silence', () => {
  const engine = createWebRtcVadEngine();
  const vad = engine.create({ sampleRate: 8000, aggressiveness: 1 });
  const pcm = speech('hello', 8000);
  vad.reset();
  vad.isSpeech(pcm.subarray(0, 160));
  vad.close();
  vad.close();
  assert.equal(vad.isSpeech(pcm.subarray(0, 160)), false);
  assert.throws(() => engine.create({ sampleRate: 44100, aggressiveness: 1 }), RangeError);
});

test('the energy VAD (same port) separates speech from silence', () => {
  const pcm = speech('one two three four five', 8000, 800);
  const vad = new EnergyVad({ sampleRate: 8000, aggressiveness: 2 });
  const d: boolean[] = [];
  for (let i = 0; i + 160 <= pcm.length; i += 160) d.push(vad.isSpeech(pcm.subarray(i, i + 160)));
  assert.equal(d.slice(0, 30).filter(Boolean).length, 0);
  assert.ok(d.filter(Boolean).length > 20);
});
