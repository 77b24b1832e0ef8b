import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createMediaDaemon } from '@dialer/media-gateway';
import type { AnyMessage } from '@dialer/core';
import { createTestContext, waitFor } from '@dialer/core/testing';
import { mediaConfig } from './helpers/rtp.js';

test('the gateway binds its RTP socket, announces itself, and closes idempotently', async () => {
  const ctx = await createTestContext({ nodeId: 'gw1' });
  const beats: AnyMessage[] = [];
  await ctx.bus.subscribe('media.gateway.heartbeat', (m) => {
    beats.push(m);
  });
  const d = createMediaDaemon(ctx, mediaConfig({ MEDIA_HEARTBEAT_MS: '100' }));
  await d.start();
  const addr = d.rtpAddress();
  assert.ok(addr && addr.port > 0);
  await waitFor(() => beats.length >= 2);
  const first = beats[0]!;
  assert.equal(first.type === 'media.gateway.heartbeat' && first.data.gatewayId, 'media:gw1');
  // A stray packet is harmless.
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.send(Buffer.from([1, 2, 3]), addr.port, '127.0.0.1', () => r()));
  s.close();
  await d.drain(AbortSignal.timeout(1000));
  await waitFor(() => beats.some((b) => b.type === 'media.gateway.heartbeat' && b.data.draining));
  await d.close();
  await d.close();
  // The port is free again.
  const again = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    again.once('error', reject);
    again.bind(addr.port, '127.0.0.1', () => resolve());
  });
  again.close();
  await ctx.close();
});

test('a restarted gateway comes back clean: nothing half-open, legs from before are unknown', async () => {
  const ctx = await createTestContext({ nodeId: 'gw1' });
  const first = createMediaDaemon(ctx, mediaConfig());
  await first.start();
  const port = first.rtpAddress()!.port;
  first.gateway.openLeg({ legId: 'L1', callId: 'C1', role: 'customer', codec: 'ulaw', gatewayId: first.gatewayId }, 't1');
  await first.close();
  // Same port, new process state.
  const second = createMediaDaemon(ctx, mediaConfig({ MEDIA_RTP_PORT: String(port) }));
  await second.start();
  try {
    assert.equal(second.rtpAddress()!.port, port);
    assert.equal(second.gateway.legs.size, 0);
    assert.throws(() => second.gateway.updateLeg({ legId: 'L1', gatewayId: second.gatewayId, remoteHost: '127.0.0.1', remotePort: 5000 }), /no such leg/);
  } finally {
    await second.close();
    await ctx.close();
  }
});
