import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALAW_TO_LINEAR,
  decodeAlaw,
  decodeS16BE,
  decodeUlaw,
  encodeAlaw,
  encodeS16BE,
  encodeUlaw,
  LINEAR_TO_ULAW,
  ULAW_TO_LINEAR,
} from '@dialer/core';

// Independent references: G.711's continuous companding curves (mu = 255, A = 87.6).
function muLawCurve(x: number): number {
  return (Math.sign(x) * Math.log1p(255 * Math.abs(x))) / Math.log1p(255);
}

test('u-law and A-law decode to the G.711 table values', () => {
  assert.equal(ULAW_TO_LINEAR[0xff], 0);
  assert.equal(ULAW_TO_LINEAR[0x7f], 0);
  assert.equal(ULAW_TO_LINEAR[0x00], -32124);
  assert.equal(ULAW_TO_LINEAR[0x80], 32124);
  assert.equal(ULAW_TO_LINEAR[0xfe], 8);
  assert.equal(ULAW_TO_LINEAR[0x7e], -8);
  assert.equal(ALAW_TO_LINEAR[0xd5], 8);
  assert.equal(ALAW_TO_LINEAR[0x55], -8);
  assert.equal(ALAW_TO_LINEAR[0xaa], 32256);
  assert.equal(ALAW_TO_LINEAR[0x2a], -32256);
});

test('every code survives decode then encode', () => {
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const pcm = new Int16Array(256);
  const back = new Uint8Array(256);
  decodeUlaw(codes, 0, 256, pcm);
  encodeUlaw(pcm, 0, 256, back);
  for (let c = 0; c < 256; c++) assert.equal(back[c], c === 0x7f ? 0xff : c, `ulaw ${c}`);
  decodeAlaw(codes, 0, 256, pcm);
  encodeAlaw(pcm, 0, 256, back);
  assert.deepEqual(back, codes);
});

test('encoding follows the companding curve, within one quantisation step', () => {
  const pcm = new Int16Array(1);
  const u = new Uint8Array(1);
  const out = new Int16Array(1);
  for (let s = -32768; s <= 32767; s += 7) {
    pcm[0] = s;
    encodeUlaw(pcm, 0, 1, u);
    decodeUlaw(u, 0, 1, out);
    const err = Math.abs(out[0]! - Math.max(-32124, Math.min(32124, s)));
    // Quantisation steps grow with the level (8 to 1024 in 16-bit units): about 1/32 of it at most.
    assert.ok(err <= Math.abs(s) / 32 + 8, `ulaw ${s} -> ${out[0]} (err ${err})`);
    // Monotonic with the curve: the sign and the coarse level agree.
    const curve = muLawCurve(s / 32768);
    const got = muLawCurve(out[0]! / 32768);
    assert.ok(Math.abs(curve - got) < 0.02, `ulaw curve at ${s}`);
    encodeAlaw(pcm, 0, 1, u);
    decodeAlaw(u, 0, 1, out);
    const aerr = Math.abs(out[0]! - s);
    assert.ok(aerr <= Math.max(16, Math.abs(s) / 16) + 1, `alaw ${s} -> ${out[0]}`);
  }
});

test('the encode table is indexed by the top 14 bits', () => {
  assert.equal(LINEAR_TO_ULAW.length, 16384);
  assert.equal(LINEAR_TO_ULAW[0], 0xff);
});

test('slin16 is big-endian on the wire', () => {
  const pcm = Int16Array.from([1, -2, 0x1234, -32768, 32767]);
  const bytes = new Uint8Array(10);
  encodeS16BE(pcm, 0, 5, bytes, 0);
  assert.deepEqual([...bytes.subarray(0, 6)], [0x00, 0x01, 0xff, 0xfe, 0x12, 0x34]);
  const back = new Int16Array(5);
  decodeS16BE(bytes, 0, 5, back);
  assert.deepEqual(back, pcm);
});
