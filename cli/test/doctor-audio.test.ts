import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyse, dbfs, smoothness, WIRE_FORMATS, type TapPacket } from '../src/doctor/audio.js';

/** 20 ms RTP packets of a 440 Hz + 1200 Hz signal at `rate`, encoded as slin (BE unless `le`). */
function packets(o: { rate: number; le?: boolean; pt?: number; n?: number; amplitude?: number; samplesPerPacket?: number; tsStep?: number }): TapPacket[] {
  const out: TapPacket[] = [];
  const spp = o.samplesPerPacket ?? o.rate / 50;
  let t = 0;
  for (let i = 0; i < (o.n ?? 50); i++) {
    const payload = Buffer.alloc(spp * 2);
    for (let j = 0; j < spp; j++, t++) {
      const v = Math.round((o.amplitude ?? 8000) * (Math.sin((2 * Math.PI * 440 * t) / o.rate) + 0.5 * Math.sin((2 * Math.PI * 1200 * t) / o.rate)));
      if (o.le) payload.writeInt16LE(v, j * 2);
      else payload.writeInt16BE(v, j * 2);
    }
    out.push({ pt: o.pt ?? 118, seq: i, ts: (i * (o.tsStep ?? spp)) >>> 0, ssrc: 1, at: i * 20, from: '127.0.0.1:4000', payload });
  }
  return out;
}

test('smoothness separates real audio from byte-swapped audio by a wide margin', () => {
  const be = analyse(packets({ rate: 16000 }), WIRE_FORMATS['slin16']!);
  assert.ok(be.smoothBE! > 0.9, `BE ${be.smoothBE}`);
  assert.ok(be.smoothLE! < 0.3, `LE ${be.smoothLE}`);
  const le = analyse(packets({ rate: 16000, le: true }), WIRE_FORMATS['slin16']!);
  assert.ok(le.smoothLE! > 0.9 && le.smoothBE! < 0.3);
  // The level is reported for the real byte order, not the noise of the wrong one.
  assert.ok(Math.abs(le.peakDbfs - be.peakDbfs) < 0.5, `${le.peakDbfs} vs ${be.peakDbfs}`);
});

test('the arrival rate shows 8 kHz audio sent as slin16, and the timestamp step is reported', () => {
  const f = analyse(packets({ rate: 8000, samplesPerPacket: 160, tsStep: 320 }), WIRE_FORMATS['slin16']!);
  assert.equal(f.arrivalRateHz, 8000);
  assert.equal(f.tsStep, 320);
  assert.equal(f.payloadBytes, 320);
});

test('levels: digital silence is -120 dBFS, a full-scale square wave 0 dBFS', () => {
  assert.equal(dbfs(new Int16Array(160)), -120);
  const square = new Int16Array(160).map((_, i) => (i % 2 === 0 ? 32767 : -32768));
  assert.ok(Math.abs(dbfs(square)) < 0.01);
  assert.equal(smoothness(new Int16Array(10)), 0);
});

test('payload types and sources are counted', () => {
  const ps = packets({ rate: 16000, n: 10 });
  ps[3] = { ...ps[3]!, pt: 0, from: '10.0.0.9:5000' };
  const f = analyse(ps, WIRE_FORMATS['slin16']!);
  assert.equal(f.payloadTypes.get(118), 9);
  assert.equal(f.payloadTypes.get(0), 1);
  assert.deepEqual([...f.sources].sort(), ['10.0.0.9:5000', '127.0.0.1:4000']);
});
