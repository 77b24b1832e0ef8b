// In-process microbenchmark: N legs through Gateway.onDatagram, synthetic 20 ms pacing, tick every 10 ms.
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { energyVadEngine, encodeUlaw, loadConfig, singleProviderFactory, TypedEmitter, SimulatedClock, type SttProvider, type SttStream, type SttStreamEvents } from '@dialer/core';
import { createTestContext } from '@dialer/core/testing';
import { createMediaDaemon, mediaSection } from '@dialer/media-gateway';

const mode = process.argv[2] ?? 'passthrough';
const N = Number(process.argv[3] ?? 1000);
const SECONDS = Number(process.argv[4] ?? 10);
function speechUlaw(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'mb-'));
  const wav = join(dir, 's.wav'); const raw = join(dir, 's.raw');
  execFileSync('espeak-ng', ['-w', wav, '-s', '150', 'Thank you for calling. This call may be recorded for quality purposes. How can I help you today? I would like to check the status of my order, please.']);
  execFileSync('sox', [wav, '-r', '8000', '-c', '1', '-e', 'signed-integer', '-b', '16', '-t', 'raw', raw, 'pad', '0.3', '0.3']);
  const b = readFileSync(raw); const pcm = new Int16Array(b.length >> 1);
  for (let i = 0; i < pcm.length; i++) pcm[i] = b.readInt16LE(i * 2);
  const u = new Uint8Array(pcm.length); encodeUlaw(pcm, 0, pcm.length, u, 0); return u;
}
class SinkStream extends TypedEmitter<SttStreamEvents> implements SttStream {
  readonly state = 'open' as const; readonly bufferedBytes = 0; bytes = 0;
  constructor(readonly provider: string) { super(); }
  write(a: Uint8Array): void { this.bytes += a.length; }
  speechStart(): void {} speechEnd(): void {} finalize(): void {} async close(): Promise<void> {}
}
function sinkProvider(encoding: 'mulaw' | 'linear16', sampleRate: number): SttProvider {
  return { name: 'sink', capabilities: { streaming: true, interim: false, encodings: [encoding], sampleRates: [sampleRate], preferred: { encoding, sampleRate }, diarization: false, languages: 'any', keywordHints: false, continuousAudio: true }, open: () => new SinkStream('sink'), close: async () => undefined };
}
const audio = speechUlaw();
const frames = Math.floor(audio.length / 160);
const clock = new SimulatedClock();
const ctx = await createTestContext({ nodeId: 'mb', clock });
const config = loadConfig([mediaSection], { env: { MEDIA_RTP_PORT: '0', MEDIA_METRICS_PORT: '0', MEDIA_STATS_INTERVAL_MS: '0' }, argv: [] }).media;
const provider = mode === 'passthrough' ? sinkProvider('mulaw', 8000) : sinkProvider('linear16', 16000);
let lat = 0;
const vadKind = process.env.VADK ?? 'webrtc';
const noop = { name: 'noop', create: (o: { sampleRate: number }) => ({ sampleRate: o.sampleRate, frameSamples: o.sampleRate / 50, isSpeech: () => false, reset() {}, close() {} }) };
const daemon = createMediaDaemon(ctx, config, { ...(vadKind === 'noop' ? { vad: noop } : vadKind === 'energy' ? { vad: energyVadEngine } : {}), ...(process.env.NOSTT ? {} : { stt: singleProviderFactory(provider) }), sink: { emit: () => undefined }, onAddedLatency: () => { lat++; } });
const gw = daemon.gateway;
for (let i = 0; i < N; i++) {
  gw.openLeg({ legId: `L${i}`, callId: `C${i}`, role: 'customer', codec: 'ulaw', gatewayId: gw.gatewayId }, 'bench');
  gw.updateLeg({ legId: `L${i}`, gatewayId: gw.gatewayId, remoteHost: '127.0.0.1', remotePort: 20000 + i });
}
const addrs = ['127.0.0.1'];
const ONLYBUILD = !!process.env.ONLYBUILD;
const NOTICK = !!process.env.NOTICK;
function run(periods: number, startK: number): number {
  let pk = 0;
  for (let k = startK; k < startK + periods; k++) {
    for (let i = 0; i < N; i++) {
      const b = Buffer.allocUnsafeSlow(172);
      b[0] = 0x80; b[1] = 0;
      const seq = (1000 + k) & 0xffff; b[2] = seq >> 8; b[3] = seq & 0xff;
      b.writeUInt32BE(((k + 1) * 160) >>> 0, 4); b.writeUInt32BE((0x10000000 + i) >>> 0, 8);
      const f = ((i * 37) % frames + k) % frames;
      b.set(audio.subarray(f * 160, f * 160 + 160), 12);
      if (!ONLYBUILD) gw.onDatagram(b, addrs[0]!.slice(0), 20000 + i);
      pk++;
    }
    clock.advance(10); if (!NOTICK) gw.tick(); clock.advance(10); if (!NOTICK) gw.tick();
  }
  return pk;
}
run(100, 0);
const periods = SECONDS * 50;
const c0 = process.cpuUsage(); const t0 = performance.now();
const pk = run(periods, 100);
const cpu = process.cpuUsage(c0); const wall = performance.now() - t0;
console.log(JSON.stringify({ mode, N, packets: pk, usPerPacketCpu: +((cpu.user + cpu.system) / pk).toFixed(3), usPerPacketWall: +((wall * 1000) / pk).toFixed(3), chunks: lat, accepted: gw.counters.packets }));
process.exit(0);
