import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JitterBuffer, JitterPush, RtpReceiveStats, type JitterOutput } from '@dialer/core';

class Collect implements JitterOutput {
  readonly seqs: number[] = [];
  onPacket(buf: Uint8Array): void {
    this.seqs.push((buf[0]! << 8) | buf[1]!);
  }
}

function pkt(seq: number): Uint8Array {
  return Uint8Array.of(seq >> 8, seq & 0xff);
}

function push(jb: JitterBuffer, seq: number, now = 0): number {
  return jb.push(pkt(seq), 0, 2, seq, seq * 160, false, now);
}

test('in-order packets are released at once; a short reorder is repaired', () => {
  const out = new Collect();
  const jb = new JitterBuffer(out, { depth: 3 });
  assert.equal(push(jb, 10), JitterPush.released);
  assert.equal(push(jb, 11), JitterPush.released);
  assert.equal(push(jb, 13), JitterPush.held);
  assert.deepEqual(out.seqs, [10, 11]);
  assert.equal(push(jb, 12), JitterPush.released);
  assert.deepEqual(out.seqs, [10, 11, 12, 13]);
  assert.equal(jb.skipped, 0);
});

test('duplicates and late packets are reported and never released', () => {
  const out = new Collect();
  const jb = new JitterBuffer(out, { depth: 2 });
  push(jb, 1);
  push(jb, 3);
  assert.equal(push(jb, 3), JitterPush.duplicate);
  push(jb, 4); // window full: 2 is given up
  assert.deepEqual(out.seqs, [1, 3, 4]);
  assert.equal(push(jb, 2), JitterPush.late);
  assert.equal(push(jb, 4), JitterPush.duplicate);
  assert.equal(jb.skipped, 1);
});

test('a gap is given up after maxWaitMs when nothing else arrives', () => {
  const out = new Collect();
  const jb = new JitterBuffer(out, { depth: 5, maxWaitMs: 60 });
  push(jb, 1, 0);
  push(jb, 3, 20);
  jb.flushDue(50);
  assert.deepEqual(out.seqs, [1]);
  jb.flushDue(80);
  assert.deepEqual(out.seqs, [1, 3]);
});

test('sequence numbers wrap at 65535; large jumps ask for a restart', () => {
  const out = new Collect();
  const jb = new JitterBuffer(out);
  for (const s of [65533, 65534, 65535, 0, 2, 1, 3]) push(jb, s);
  assert.deepEqual(out.seqs, [65533, 65534, 65535, 0, 1, 2, 3]);
  assert.equal(push(jb, 30000), JitterPush.restart);
  assert.equal(push(jb, 65000), JitterPush.restart);
});

test('a jump past the window gives up the missing packets and goes on', () => {
  const out = new Collect();
  const jb = new JitterBuffer(out, { depth: 3 });
  push(jb, 1);
  push(jb, 50);
  assert.deepEqual(out.seqs, [1, 50]);
  assert.equal(jb.skipped, 48);
});

test('RFC 3550 statistics: loss, duplicates, late, and jitter', () => {
  // Constant transit: no jitter.
  const s = new RtpReceiveStats(8000);
  for (let i = 0; i < 50; i++) s.onPacket(100 + i, i * 160, 172, 1000 + i * 20);
  assert.equal(s.lost, 0);
  assert.ok(s.jitterMs < 1e-9);
  // Missing 150..159, then a wrap.
  for (let i = 60; i < 70; i++) s.onPacket(100 + i, i * 160, 172, 1000 + i * 20);
  assert.equal(s.lost, 10);
  // Transit alternating 0 / 10 ms: J converges toward 10 ms.
  const j = new RtpReceiveStats(8000);
  for (let i = 0; i < 500; i++) j.onPacket((65500 + i) & 0xffff, i * 160, 172, i * 20 + (i % 2 ? 10 : 0));
  assert.ok(Math.abs(j.jitterMs - 10) < 0.5, `jitter ${j.jitterMs}`);
  assert.equal(j.lost, 0);
  j.onDuplicate(172);
  j.onLate(172);
  assert.equal(j.duplicate, 1);
  assert.equal(j.late, 1);
});
