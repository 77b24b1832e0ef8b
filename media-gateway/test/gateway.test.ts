import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, FakeSttProvider, singleProviderFactory, type AnyMessage } from '@dialer/core';
import { createTestContext, waitFor } from '@dialer/core/testing';
import { createMediaDaemon } from '@dialer/media-gateway';
import { mediaConfig, RtpPeer } from './helpers/rtp.js';
import { speech, toUlaw } from './helpers/audio.js';

async function setup(env: Record<string, string> = {}, stt = new FakeSttProvider('fake', { utterances: ['hello there', 'second turn'] })) {
  const ctx = await createTestContext({ nodeId: 'gw1' });
  const events: AnyMessage[] = [];
  await ctx.bus.subscribe('*', (m) => {
    if (!m.type.startsWith('cmd.') && m.type !== 'media.gateway.heartbeat') events.push(m);
  });
  const daemon = createMediaDaemon(ctx, mediaConfig(env), { stt: singleProviderFactory(stt), dataDir: '/tmp' });
  await daemon.start();
  const port = daemon.rtpAddress()!.port;
  const request = (type: string, data: Record<string, unknown>) =>
    ctx.bus.request(createMessage(type as 'cmd.media.leg.open', 't1', data as never), { timeoutMs: 2000 });
  return { ctx, daemon, port, events, stt, request };
}

test('an ExternalMedia leg: open, RTP before the update is kept, u-law passes through to STT, VAD marks turns, close reports stats', async () => {
  const { ctx, daemon, port, events, stt, request } = await setup();
  const peer = await RtpPeer.open();
  try {
    // Arrange: two utterances with silence around and between them.
    const a = speech('hello, this is the first turn of the call', 8000, 500);
    const b = speech('and here is another sentence', 8000, 800);
    const audio = toUlaw(Int16Array.from([...a, ...b]));

    // Act: open, then send the first packets before telling the gateway where they come from.
    const reply = (await request('cmd.media.leg.open', { legId: 'L1', callId: 'C1', role: 'customer', codec: 'ulaw', gatewayId: daemon.gatewayId })) as { rtpHost: string; rtpPort: number };
    assert.equal(reply.rtpPort, port);
    for (let i = 0; i < 10; i++) await peer.next(audio.subarray(i * 160, (i + 1) * 160), port);
    await request('cmd.media.leg.update', { legId: 'L1', gatewayId: daemon.gatewayId, remoteHost: '127.0.0.1', remotePort: peer.port });
    const sent = Math.floor(audio.length / 160);
    for (let i = 10; i < sent; i++) {
      await peer.next(audio.subarray(i * 160, (i + 1) * 160), port);
      if (i % 25 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => daemon.gateway.legs.get('L1')!.receiver.stats.packets >= sent);
    const closeReply = (await request('cmd.media.leg.close', { legId: 'L1', gatewayId: daemon.gatewayId })) as { stats: { packets: number; lost: number } };

    // Assert
    const rec = stt.streams[0]!;
    assert.equal(rec.options.encoding, 'mulaw');
    assert.equal(rec.options.sampleRate, 8000);
    assert.equal(closeReply.stats.packets, sent);
    assert.equal(closeReply.stats.lost, 0);
    // Every byte went to STT untouched (the provider takes u-law): continuous audio.
    assert.equal(rec.bytes, (sent) * 160);
    assert.ok(rec.writes >= (sent) / 5 && rec.writes <= (sent) / 5 + 3, `writes ${rec.writes}`);
    assert.ok(rec.speechStarts.length >= 2, `speech starts ${rec.speechStarts}`);
    assert.equal(rec.speechStarts.length, rec.speechEnds.length);
    assert.ok(rec.speechStarts[0]! >= 300 && rec.speechStarts[0]! <= 900, `first start ${rec.speechStarts[0]}`);
    assert.ok(rec.closed);
    await waitFor(() => events.some((e) => e.type === 'media.leg.closed'));
    const types = events.map((e) => e.type);
    assert.ok(types.includes('media.leg.opened'));
    assert.ok(types.includes('transcript.final'));
    assert.ok(types.includes('stt.usage'));
    assert.ok(types.includes('media.leg.speech'));
    const closed = events.find((e) => e.type === 'media.leg.closed');
    assert.equal(closed?.type === 'media.leg.closed' && closed.data.reason, 'closed');
    const final = events.find((e) => e.type === 'transcript.final');
    assert.ok(final?.type === 'transcript.final' && final.data.speaker === 'customer' && final.data.legId === 'L1' && final.tenantId === 't1');
  } finally {
    peer.close();
    await daemon.close();
    await ctx.close();
  }
});
