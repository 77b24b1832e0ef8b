import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRtpHeader, parseRtp, writeRtp, type Codec } from '@dialer/core';
import { Receive, RtpReceiver, type FrameSink } from '../../src/rtp/receiver.js';
import { createDecoder } from '../../src/codec/codecs.js';

class Frames implements FrameSink {
  readonly pcm: number[] = [];
  readonly raw: number[] = [];
  frames = 0;
  frame(pcm: Int16Array, raw: Uint8Array | undefined): void {
    this.frames++;
    this.pcm.push(...pcm);
    if (raw) this.raw.push(...raw);
  }
}

function receiver(codec: Codec = 'ulaw') {
  const sink = new Frames();
  const r = new RtpReceiver({ codec, decoder: createDecoder(codec), jitterDepth: 3, jitterMaxWaitMs: 60 }, sink);
  const h = createRtpHeader();
  const send = (o: { seq: number; ts: number; ssrc?: number; pt?: number; payload: Uint8Array }, at = 0): number => {
    const buf = new Uint8Array(12 + o.payload.length);
    writeRtp(buf, { payloadType: o.pt ?? 0, sequence: o.seq, timestamp: o.ts, ssrc: o.ssrc ?? 1 }, o.payload);
    parseRtp(buf, h);
    return r.receive(buf, h, at);
  };
  return { r, sink, send };
}

test('any packet size is re-framed into 20 ms frames, bytes untouched', () => {
  const { sink, send } = receiver();
  // Sizes seen from Asterisk: 160, 138, 16 bytes.
  const sizes = [16, 138, 160, 160, 6, 160, 160];
  let ts = 160;
  let seq = 1;
  let value = 0;
  for (const n of sizes) {
    const payload = Uint8Array.from({ length: n }, () => value++ & 0x7f);
    send({ seq: seq++, ts, payload });
    ts += n;
  }
  assert.equal(sink.frames, Math.floor(800 / 160));
  assert.deepEqual(sink.raw, Array.from({ length: 800 }, (_, i) => i & 0x7f));
});

test('a lost packet becomes 20 ms of silence, so timing downstream stays right', () => {
  const { r, sink, send } = receiver();
  const loud = new Uint8Array(160).fill(0x10);
  send({ seq: 1, ts: 160, payload: loud });
  // seq 2 is lost; 3, 4, 5 arrive: the window fills and 2 is concealed.
  for (const s of [3, 4, 5]) send({ seq: s, ts: s * 160, payload: loud });
  assert.equal(sink.frames, 5);
  assert.ok(sink.raw.slice(160, 320).every((b) => b === 0xff));
  assert.ok(sink.pcm.slice(160, 320).every((s) => s === 0));
  assert.equal(r.stats.concealedMs, 20);
  assert.equal(r.stats.lost, 1);
});

test('a burst given up after the reorder wait is filled with silence across a timestamp wrap; the late packets are dropped, not played twice', () => {
  const { r, sink, send } = receiver();
  const loud = new Uint8Array(160).fill(0x10);
  const ts0 = 0xffffffff - 160 * 2 + 1;
  const ts = (seq: number) => (ts0 + (seq - 1) * 160) >>> 0;
  send({ seq: 1, ts: ts(1), payload: loud }, 0);
  // 2, 3 and 4 are lost; 5 waits in the window until the wait runs out.
  send({ seq: 5, ts: ts(5), payload: loud }, 20);
  assert.equal(sink.frames, 1);
  r.tick(100);
  assert.equal(sink.frames, 5);
  assert.ok(sink.raw.slice(160, 640).every((b) => b === 0xff));
  assert.ok(sink.raw.slice(640, 800).every((b) => b === 0x10));
  assert.equal(r.stats.concealedMs, 60);
  assert.equal(r.stats.lost, 3);
  // They show up after all: counted late, never emitted.
  assert.equal(send({ seq: 3, ts: ts(3), payload: loud }, 120), Receive.late);
  send({ seq: 6, ts: ts(6), payload: loud }, 120);
  assert.equal(sink.frames, 6);
  assert.equal(r.stats.late, 1);
});

test('a timestamp jump without lost packets (silence suppression) is filled too; a jump past the fill limit is not', () => {
  const sink = new Frames();
  const r = new RtpReceiver({ codec: 'ulaw', decoder: createDecoder('ulaw'), jitterDepth: 3, jitterMaxWaitMs: 60, maxFillMs: 1000 }, sink);
  const h = createRtpHeader();
  const send = (seq: number, ts: number) => {
    const buf = new Uint8Array(12 + 160);
    writeRtp(buf, { payloadType: 0, sequence: seq, timestamp: ts, ssrc: 1 }, new Uint8Array(160).fill(0x10));
    parseRtp(buf, h);
    return r.receive(buf, h, 0);
  };
  send(1, 160);
  // 400 ms of DTX: the next packet's timestamp is 20 frames on.
  send(2, 160 + 160 * 21);
  assert.equal(sink.frames, 22);
  assert.equal(r.stats.concealedMs, 400);
  assert.equal(r.stats.lost, 0);
  // 5 s later: beyond maxFillMs, not filled (a restart, not a gap to conceal).
  send(3, 160 + 160 * 22 + 8000 * 5);
  assert.equal(sink.frames, 23);
  assert.equal(r.stats.concealedMs, 400);
});

test('a new SSRC takes over only after two packets in sequence (a sender restart)', () => {
  const { r, sink, send } = receiver();
  const p = new Uint8Array(160).fill(0x20);
  send({ seq: 100, ts: 1000, payload: p, ssrc: 7 });
  assert.equal(send({ seq: 5, ts: 99999, payload: p, ssrc: 8 }), Receive.ssrc);
  // The old source keeps going: the candidate resets.
  assert.equal(send({ seq: 101, ts: 1160, payload: p, ssrc: 7 }), Receive.ok);
  assert.equal(send({ seq: 6, ts: 100159, payload: p, ssrc: 8 }), Receive.ssrc);
  assert.equal(send({ seq: 7, ts: 100319, payload: p, ssrc: 8 }), Receive.ok);
  assert.equal(r.ssrc, 8);
  assert.equal(send({ seq: 8, ts: 100479, payload: p, ssrc: 8 }), Receive.ok);
  assert.equal(sink.frames, 4);
});

test('a sequence jump on the same SSRC restarts the numbering without counting thousands lost', () => {
  const { r, send } = receiver();
  const p = new Uint8Array(160);
  for (let i = 0; i < 5; i++) send({ seq: 1000 + i, ts: i * 160, payload: p });
  for (let i = 0; i < 5; i++) send({ seq: 40000 + i, ts: 5_000_000 + i * 160, payload: p });
  assert.equal(r.stats.lost, 0);
  assert.equal(r.stats.packets, 10);
});

test('wrong payload types are refused; slin16 learns its dynamic type', () => {
  const u = receiver('ulaw');
  assert.equal(u.send({ seq: 1, ts: 0, pt: 8, payload: new Uint8Array(160) }), Receive.payloadType);
  const s = receiver('slin16');
  const be = new Uint8Array(640);
  be[0] = 0x12;
  be[1] = 0x34;
  assert.equal(s.send({ seq: 1, ts: 0, pt: 118, payload: be }), Receive.ok);
  assert.equal(s.send({ seq: 2, ts: 320, pt: 0, payload: be }), Receive.payloadType);
  assert.equal(s.sink.frames, 1);
  assert.equal(s.sink.pcm[0], 0x1234);
});
