import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packets } from 'rtp.js';
import { createRtpHeader, parseRtp, RtpParse, rtpByteLength, seqDelta, tsDelta, writeRtp } from '@dialer/core';

/** A deterministic pseudo-random generator, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function dataView(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

test('the parser agrees with rtp.js on packets with CSRCs, header extensions and padding', () => {
  const rand = rng(42);
  const h = createRtpHeader();
  for (let i = 0; i < 2000; i++) {
    // Arrange: a random packet serialised by our writer.
    const cc = Math.floor(rand() * 16);
    const csrcs = Array.from({ length: cc }, () => Math.floor(rand() * 0xffffffff));
    const extWords = rand() < 0.5 ? Math.floor(rand() * 4) : -1;
    const extension = extWords >= 0 ? Uint8Array.from({ length: extWords * 4 }, () => Math.floor(rand() * 256)) : undefined;
    const padding = rand() < 0.3 ? 1 + Math.floor(rand() * 20) : 0;
    const payload = Uint8Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
    const w = {
      marker: rand() < 0.5,
      payloadType: Math.floor(rand() * 128),
      sequence: Math.floor(rand() * 65536),
      timestamp: Math.floor(rand() * 0xffffffff),
      ssrc: Math.floor(rand() * 0xffffffff),
      csrcs,
      ...(extension ? { extension, extensionProfile: 0x1000 + Math.floor(rand() * 0xe000) } : {}),
      padding,
    };
    const buf = new Uint8Array(rtpByteLength(w, payload.length));
    assert.equal(writeRtp(buf, w, payload), buf.length);

    // Act
    const r = parseRtp(buf, h);
    const ref = new packets.RtpPacket(dataView(buf));

    // Assert: same fields as the reference implementation.
    assert.equal(r, RtpParse.ok);
    assert.equal(h.payloadType, ref.getPayloadType());
    assert.equal(h.sequence, ref.getSequenceNumber());
    assert.equal(h.timestamp, ref.getTimestamp());
    assert.equal(h.ssrc, ref.getSsrc());
    assert.equal(h.marker, ref.getMarker());
    assert.deepEqual(Array.from(h.csrcs.subarray(0, h.csrcCount)), ref.getCsrcs());
    assert.equal(h.paddingLength, ref.getPadding());
    const refPayload = ref.getPayload();
    assert.equal(h.payloadLength, refPayload.byteLength);
    assert.deepEqual(buf.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), new Uint8Array(refPayload.buffer, refPayload.byteOffset, refPayload.byteLength));
    assert.deepEqual(buf.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), payload);
    if (extension) {
      assert.equal(h.extension, true);
      assert.equal(h.extensionProfile, w.extensionProfile);
      assert.deepEqual(buf.subarray(h.extensionOffset, h.extensionOffset + h.extensionLength), extension);
    }
  }
});

test('packets serialised by rtp.js parse to the same fields', () => {
  const rand = rng(7);
  const h = createRtpHeader();
  for (let i = 0; i < 500; i++) {
    const p = new packets.RtpPacket();
    p.setPayloadType(Math.floor(rand() * 128));
    p.setSequenceNumber(Math.floor(rand() * 65536));
    p.setTimestamp(Math.floor(rand() * 0xffffffff));
    p.setSsrc(Math.floor(rand() * 0xffffffff));
    p.setMarker(rand() < 0.5);
    p.setCsrcs(Array.from({ length: Math.floor(rand() * 5) }, () => Math.floor(rand() * 0xffffffff)));
    if (rand() < 0.5) p.setExtension(1 + Math.floor(rand() * 14), new DataView(Uint8Array.from([1, 2, 3]).buffer));
    const payload = Uint8Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
    p.setPayload(new DataView(payload.buffer));
    if (rand() < 0.5) p.padTo4Bytes();
    const view = p.getView();
    const buf = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

    assert.equal(parseRtp(buf, h), RtpParse.ok);
    assert.equal(h.sequence, p.getSequenceNumber());
    assert.equal(h.timestamp, p.getTimestamp());
    assert.equal(h.ssrc, p.getSsrc());
    assert.deepEqual(Array.from(h.csrcs.subarray(0, h.csrcCount)), p.getCsrcs());
    assert.deepEqual(buf.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), payload);
  }
});

test('malformed packets are rejected with a reason, never thrown', () => {
  const h = createRtpHeader();
  const good = new Uint8Array(rtpByteLength({ payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3 }, 160));
  writeRtp(good, { payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3 }, new Uint8Array(160));
  assert.equal(parseRtp(good, h), RtpParse.ok);
  assert.equal(parseRtp(good.subarray(0, 11), h), RtpParse.runt);
  assert.equal(parseRtp(new Uint8Array(1600).fill(0x80, 0, 1), h), RtpParse.oversized);
  const v1 = good.slice();
  v1[0] = 0x40;
  assert.equal(parseRtp(v1, h), RtpParse.version);
  const csrc = good.slice(0, 20);
  csrc[0] = 0x80 | 15;
  assert.equal(parseRtp(csrc, h), RtpParse.csrcOverrun);
  const ext = good.slice(0, 20);
  ext[0] = 0x90;
  ext[14] = 0xff;
  ext[15] = 0xff;
  assert.equal(parseRtp(ext, h), RtpParse.extensionOverrun);
  const pad = good.slice();
  pad[0] = 0xa0;
  pad[pad.length - 1] = 0;
  assert.equal(parseRtp(pad, h), RtpParse.badPadding);
  pad[pad.length - 1] = 250;
  assert.equal(parseRtp(pad, h), RtpParse.badPadding);
});

test('sequence and timestamp distances wrap', () => {
  assert.equal(seqDelta(65535, 0), 1);
  assert.equal(seqDelta(0, 65535), -1);
  assert.equal(seqDelta(100, 90), -10);
  assert.equal(tsDelta(0xffffff00, 0x60), 0x160);
  assert.equal(tsDelta(0x60, 0xffffff00), -0x160);
});
