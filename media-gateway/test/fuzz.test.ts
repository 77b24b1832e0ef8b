import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createMessage, FakeSttProvider, singleProviderFactory, writeRtp } from '@dialer/core';
import { createTestContext, waitFor } from '@dialer/core/testing';
import { createMediaDaemon } from '@dialer/media-gateway';
import { mediaConfig, RtpPeer } from './helpers/rtp.js';
import { speech, toUlaw } from './helpers/audio.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

test('1,000,000 random and mutated packets: the gateway survives, memory stays flat, and a legitimate leg keeps flowing', async () => {
  const ctx = await createTestContext();
  const stt = new FakeSttProvider();
  const d = createMediaDaemon(ctx, mediaConfig({ MEDIA_RTP_TIMEOUT_MS: '600000' }), { stt: singleProviderFactory(stt) });
  await d.start();
  const legit = await RtpPeer.open(0x5150);
  try {
    const gw = d.gateway;
    const port = d.rtpAddress()!.port;
    const req = (type: string, data: Record<string, unknown>) => ctx.bus.request(createMessage(type as 'cmd.media.leg.open', 't1', data as never), { timeoutMs: 1000 });
    // L1: its source sends garbage too. L2: the legitimate leg, over the real socket. L3: waits for its source forever.
    for (const legId of ['L1', 'L2', 'L3']) await req('cmd.media.leg.open', { legId, callId: 'C', role: 'customer', codec: 'ulaw', gatewayId: d.gatewayId });
    await req('cmd.media.leg.update', { legId: 'L1', gatewayId: d.gatewayId, remoteHost: '10.9.9.9', remotePort: 20000 });
    await req('cmd.media.leg.update', { legId: 'L2', gatewayId: d.gatewayId, remoteHost: '127.0.0.1', remotePort: legit.port });

    const voice = toUlaw(speech('this line must keep working while the gateway is under attack', 8000));
    const rand = rng(1234);
    const template = Buffer.alloc(172);
    writeRtp(template, { payloadType: 0, sequence: 1, timestamp: 160, ssrc: 0x77 }, voice.subarray(0, 160));
    const addresses = ['10.9.9.9', '10.1.1.1', '127.0.0.1', '::ffff:10.2.2.2'];
    let legitSent = 0;

    const fuzz = (i: number): void => {
      const kind = rand();
      let buf: Buffer;
      let address: string;
      let srcPort: number;
      if (kind < 0.4) {
        // Random bytes, random length, random source.
        buf = randomFillSync(Buffer.allocUnsafe(Math.floor(rand() * 1600)));
        // Half of them look like RTP version 2 at first glance.
        if (buf.length > 0 && rand() < 0.5) buf[0] = (buf[0]! & 0x3f) | 0x80;
        address = addresses[Math.floor(rand() * addresses.length)]!;
        srcPort = 20000 + Math.floor(rand() * 1000);
      } else {
        // A valid packet, mutated: bit flips, truncation, wild CSRC/extension/padding bits, sequence and SSRC jumps.
        buf = Buffer.from(template);
        buf.writeUInt16BE((i * 7) & 0xffff, 2);
        buf.writeUInt32BE((i * 160) >>> 0, 4);
        const m = Math.floor(rand() * 6);
        if (m === 0) buf[Math.floor(rand() * 12)] ^= 1 << Math.floor(rand() * 8);
        else if (m === 1) buf = buf.subarray(0, Math.floor(rand() * 172));
        else if (m === 2) buf[0] = 0x80 | 0x30 | Math.floor(rand() * 16);
        else if (m === 3) buf[buf.length - 1] = Math.floor(rand() * 256) | 0x80;
        else if (m === 4) buf.writeUInt32BE((rand() * 0xffffffff) >>> 0, 8);
        else buf[1] = Math.floor(rand() * 256);
        // A third from L1's own source (past the demux, into the parser and the pipeline), the rest from strangers.
        const own = rand() < 0.33;
        address = own ? '10.9.9.9' : addresses[Math.floor(rand() * addresses.length)]!;
        srcPort = own ? 20000 : 21000 + Math.floor(rand() * 3000);
      }
      gw.onDatagram(buf, address, srcPort);
    };

    // Warm up, then measure memory across the rest.
    const legitStep = async (): Promise<void> => {
      const f = legitSent % Math.floor(voice.length / 160);
      await legit.next(voice.subarray(f * 160, f * 160 + 160), port);
      legitSent++;
    };
    const total = 1_000_000;
    const warmup = 100_000;
    let before = 0;
    for (let i = 0; i < total; i++) {
      fuzz(i);
      if (i % 2000 === 0) {
        await legitStep();
        await new Promise((r) => setImmediate(r));
      }
      if (i === warmup) {
        gc();
        before = process.memoryUsage().heapUsed;
      }
    }
    // Also over the real socket: garbage from an unregistered port.
    const stranger = await RtpPeer.open(0x5150);
    for (let i = 0; i < 2000; i++) await stranger.send(Buffer.from(Array.from({ length: 1 + (i % 300) }, () => Math.floor(rand() * 256))), port);
    stranger.close();
    gc();
    const after = process.memoryUsage().heapUsed;

    // The legitimate leg got every one of its packets, in order, none lost.
    const l2 = gw.legs.get('L2')!;
    await waitFor(() => l2.receiver.stats.packets === legitSent, 5000);
    assert.equal(l2.receiver.stats.lost, 0);
    assert.equal(l2.receiver.stats.duplicate + l2.receiver.stats.late, 0);
    assert.equal(gw.legs.size, 3);
    // Bounded state: held early packets are capped, memory did not grow with the packet count.
    assert.ok(gw.demux.earlySources <= 256);
    const growthMb = (after - before) / 1024 / 1024;
    assert.ok(growthMb < 16, `heap grew ${growthMb.toFixed(1)} MB`);
    const counters = gw.syncDrops();
    const dropped = Object.values(counters.dropped).reduce((a, b) => a + b, 0);
    assert.ok(dropped > 500_000, `dropped ${dropped}`);
    // Everything still works: the legitimate leg closes cleanly with its audio transcribed.
    await req('cmd.media.leg.close', { legId: 'L2', gatewayId: d.gatewayId });
    const rec = stt.streams[1]!;
    assert.equal(rec.bytes, Math.floor((legitSent * 160) / 800) * 800 + ((legitSent * 160) % 800));
  } finally {
    legit.close();
    await d.close();
    await ctx.close();
  }
});
