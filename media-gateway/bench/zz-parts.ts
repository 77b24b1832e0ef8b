import { createRtpHeader, parseRtp, SpeechSegmenter, TypedEmitter, type SttStream, type SttStreamEvents } from '@dialer/core';
import { RtpReceiver } from '../dist/rtp/receiver.js';
import { createDecoder } from '../dist/codec/codecs.js';
import { LegPipeline } from '../dist/pipeline/leg-pipeline.js';
import { SttFeed } from '../dist/pipeline/stt-feed.js';
import { RtpDemux } from '../dist/rtp/demux.js';
const N = Number(process.argv[2] ?? 1000); const P = Number(process.argv[3] ?? 300);
const pk: Buffer[][] = [];
function mk(i: number, k: number): Buffer { const b = Buffer.allocUnsafeSlow(172); b[0] = 0x80; b[1] = 0; const seq = (1000 + k) & 0xffff; b[2] = seq >> 8; b[3] = seq & 0xff; b.writeUInt32BE(((k + 1) * 160) >>> 0, 4); b.writeUInt32BE(0x10000000 + i, 8); for (let j = 12; j < 172; j++) b[j] = (j * 7 + k) & 0x7f; return b; }
const h = createRtpHeader();
function time(name: string, f: (i: number, k: number, b: Buffer) => void): void {
  // build packets lazily per period to avoid holding all
  let total = 0; let ns = 0;
  for (let k = 0; k < P; k++) {
    const bufs = Array.from({ length: N }, (_, i) => mk(i, k));
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) f(i, k, bufs[i]!);
    ns += Number(process.hrtime.bigint() - t0); total += N;
  }
  console.log(name.padEnd(28), (ns / total / 1000).toFixed(3), 'us/pkt');
}
time('parse', (i, k, b) => { parseRtp(b, h, b.length); });
const nullSink = { frame() {} };
const recs = Array.from({ length: N }, () => new RtpReceiver({ codec: 'ulaw', decoder: createDecoder('ulaw'), jitterDepth: 3, jitterMaxWaitMs: 60 }, nullSink));
time('parse+receive(null sink)', (i, k, b) => { parseRtp(b, h, b.length); recs[i]!.receive(b, h, k * 20); });
class S extends TypedEmitter<SttStreamEvents> implements SttStream { readonly state = 'open' as const; readonly bufferedBytes = 0; bytes = 0; provider = 's'; write(a: Uint8Array) { this.bytes += a.length; } speechStart() {} speechEnd() {} finalize() {} async close() {} }
const noopVad = { sampleRate: 8000, frameSamples: 160, isSpeech: () => false, reset() {}, close() {} };
const pipes = Array.from({ length: N }, () => { const p = new LegPipeline({ rate: 8000, frameMs: 20, vad: noopVad, segmenter: new SpeechSegmenter({}), recordRate: 16000 }, { onSpeech() {} });
  const feed = new SttFeed(new S(), { frameBytes: 160, framesPerChunk: 5, frameMs: 20, preRollFrames: 18, continuous: true, maxBacklogBytes: 1e9 }, { onChunk() {}, onDropStart() {}, onDropEnd() {} });
  p.attachStt(feed, { encoding: 'mulaw', sampleRate: 8000, continuousAudio: true } as never, 'mulaw'); return p; });
const recs2 = Array.from({ length: N }, (_, i) => new RtpReceiver({ codec: 'ulaw', decoder: createDecoder('ulaw'), jitterDepth: 3, jitterMaxWaitMs: 60 }, pipes[i]!));
time('parse+receive+pipeline', (i, k, b) => { parseRtp(b, h, b.length); recs2[i]!.receive(b, h, k * 20); });
const dm = new RtpDemux({ earlyPacketMs: 0 }); const tg = { n: 0, onDatagram() { this.n++; } };
for (let i = 0; i < N; i++) dm.register({ onDatagram() {} }, '127.0.0.1', 20000 + i);
const addr = '127.0.0.1';
time('demux', (i, k, b) => { dm.route(b, addr.slice(0), 20000 + i, 0); });
time('perf.now', () => { performance.now(); });
time('Date.now', () => { Date.now(); });
import { JitterBuffer, RtpReceiveStats, decodeUlaw } from '@dialer/core';
const jb = Array.from({ length: N }, () => new JitterBuffer({ onPacket() {} }, { depth: 3, maxWaitMs: 60 }));
time('parse+jitter(null)', (i, k, b) => { parseRtp(b, h, b.length); jb[i]!.push(b, h.payloadOffset, h.payloadLength, h.sequence, h.timestamp, h.marker, k * 20); });
const st = Array.from({ length: N }, () => new RtpReceiveStats(8000));
time('parse+stats', (i, k, b) => { parseRtp(b, h, b.length); st[i]!.onPacket(h.sequence, h.timestamp, b.length, k * 20); });
const outs = Array.from({ length: N }, () => new Int16Array(1500));
time('decode', (i, k, b) => { decodeUlaw(b, 12, 160, outs[i]!); });
const outs2 = Array.from({ length: N }, () => new Int16Array(160));
time('decode small', (i, k, b) => { decodeUlaw(b, 12, 160, outs2[i]!); });
const dec = createDecoder('ulaw');
time('decoder.decode', (i, k, b) => { dec.decode(b, 12, 160, outs[i]!); });
