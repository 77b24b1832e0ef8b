import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, FakeSttProvider, isDialerError, singleProviderFactory, type AnyMessage } from '@dialer/core';
import { createTestContext, SimulatedClock, waitFor } from '@dialer/core/testing';
import { createMediaDaemon } from '@dialer/media-gateway';
import { mediaConfig, RtpPeer } from './helpers/rtp.js';

async function gateway(options: { clock?: SimulatedClock; env?: Record<string, string>; nodeId?: string } = {}) {
  const ctx = await createTestContext({ nodeId: options.nodeId ?? 'gw1', ...(options.clock ? { clock: options.clock } : {}) });
  const events: AnyMessage[] = [];
  await ctx.bus.subscribe('media.*', (m) => void events.push(m));
  const stt = new FakeSttProvider('fake', {}, options.clock);
  const daemon = createMediaDaemon(ctx, mediaConfig(options.env), { stt: singleProviderFactory(stt) });
  await daemon.start();
  const req = (type: string, data: Record<string, unknown>) => ctx.bus.request(createMessage(type as 'cmd.media.leg.open', 't1', data as never), { timeoutMs: 1000 });
  const open = (legId: string, extra: Record<string, unknown> = {}) =>
    req('cmd.media.leg.open', { legId, callId: `call-${legId}`, role: 'customer', codec: 'ulaw', gatewayId: daemon.gatewayId, ...extra });
  return { ctx, daemon, events, stt, req, open, port: daemon.rtpAddress()!.port };
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => isDialerError(err) && err.code === code);
}

test('an unknown source never injects audio, even one copying the leg SSRC, before or after registration', async () => {
  const g = await gateway();
  const asterisk = await RtpPeer.open(0xabc);
  const intruder = await RtpPeer.open(0xabc);
  try {
    await g.open('L1');
    // While L1 waits for its source, the intruder sends first.
    for (let i = 0; i < 5; i++) await intruder.next(new Uint8Array(160).fill(0x01), g.port);
    await g.req('cmd.media.leg.update', { legId: 'L1', gatewayId: g.daemon.gatewayId, remoteHost: '127.0.0.1', remotePort: asterisk.port });
    for (let i = 0; i < 10; i++) {
      await asterisk.next(new Uint8Array(160).fill(0x7e), g.port);
      await intruder.next(new Uint8Array(160).fill(0x01), g.port);
    }
    const leg = g.daemon.gateway.legs.get('L1')!;
    await waitFor(() => leg.receiver.stats.packets === 10);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(leg.receiver.stats.packets, 10);
    await g.req('cmd.media.leg.close', { legId: 'L1', gatewayId: g.daemon.gatewayId });
    const rec = g.stt.streams[0]!;
    assert.equal(rec.bytes, 10 * 160);
    const counters = g.daemon.gateway.syncDrops();
    assert.equal(counters.dropped.unknown_source, 15);
  } finally {
    asterisk.close();
    intruder.close();
    await g.daemon.close();
    await g.ctx.close();
  }
});

test('a leg without RTP for MEDIA_RTP_TIMEOUT_MS is closed and reported as rtp_timeout', async () => {
  const clock = new SimulatedClock();
  const g = await gateway({ clock, env: { MEDIA_RTP_TIMEOUT_MS: '3000' } });
  try {
    await g.open('L1');
    await clock.advanceAsync(2500);
    assert.ok(g.daemon.gateway.legs.has('L1'));
    await clock.advanceAsync(1000);
    await waitFor(() => g.events.some((e) => e.type === 'media.leg.closed'));
    const closed = g.events.find((e) => e.type === 'media.leg.closed');
    assert.equal(closed?.type === 'media.leg.closed' && closed.data.reason, 'rtp_timeout');
    assert.equal(g.daemon.gateway.legs.size, 0);
    assert.ok(g.stt.streams[0]!.closed);
  } finally {
    await g.daemon.close();
    await g.ctx.close();
  }
});

test('commands for another gateway are left to it; bad and unknown ids get coded errors', async () => {
  const g = await gateway();
  // A second gateway on the same bus.
  const other = createMediaDaemon(g.ctx, mediaConfig(), { gatewayId: 'media:gw2' });
  await other.start();
  try {
    await g.req('cmd.media.leg.open', { legId: 'X1', callId: 'C', role: 'customer', codec: 'ulaw', gatewayId: 'media:gw2' });
    assert.ok(other.gateway.legs.has('X1'));
    assert.ok(!g.daemon.gateway.legs.has('X1'));
    await rejects(g.req('cmd.media.leg.open', { legId: 'L1', callId: 'C', role: 'customer', codec: 'ulaw', gatewayId: 'media:elsewhere' }), 'DIALER_ERR_BUS_TIMEOUT');
    await rejects(g.req('cmd.media.leg.update', { legId: 'nope', gatewayId: g.daemon.gatewayId, remoteHost: '127.0.0.1', remotePort: 4000 }), 'DIALER_ERR_MEDIA_LEG_UNKNOWN');
    await rejects(g.req('cmd.media.leg.close', { legId: 'nope', gatewayId: g.daemon.gatewayId }), 'DIALER_ERR_MEDIA_LEG_UNKNOWN');
    await rejects(g.open('L2', { codec: 'opus' }), 'DIALER_ERR_MEDIA_CODEC');
    await rejects(g.open('L3', { webrtcSessionId: 'no-such-session' }), 'DIALER_ERR_NOT_FOUND');
    await rejects(g.req('cmd.media.webrtc.offer', { sessionId: 's1', role: 'agent', sdp: 'v=0 garbage', gatewayId: g.daemon.gatewayId }), 'DIALER_ERR_MEDIA_CODEC');
    // A retried open gets the same reply; the id cannot be reused by another call.
    const first = await g.open('L4');
    assert.deepEqual(await g.open('L4'), first);
    await rejects(g.req('cmd.media.leg.open', { legId: 'L4', callId: 'other', role: 'customer', codec: 'ulaw', gatewayId: g.daemon.gatewayId }), 'DIALER_ERR_CONFLICT');
    await rejects(g.req('cmd.media.leg.play', { legId: 'L4', gatewayId: g.daemon.gatewayId, path: '/nonexistent.wav' }), 'DIALER_ERR_INVALID_STATE');
  } finally {
    await other.close();
    await g.daemon.close();
    await g.ctx.close();
  }
});

test('capacity and draining refuse new legs; heartbeats say so', async () => {
  const g = await gateway({ env: { MEDIA_MAX_LEGS: '1', MEDIA_HEARTBEAT_MS: '100' } });
  const beats: AnyMessage[] = [];
  await g.ctx.bus.subscribe('media.gateway.heartbeat', (m) => void beats.push(m));
  try {
    await g.open('L1');
    await rejects(g.open('L2'), 'DIALER_ERR_MEDIA_CAPACITY');
    await g.req('cmd.media.leg.close', { legId: 'L1', gatewayId: g.daemon.gatewayId });
    await g.daemon.drain(AbortSignal.timeout(1000));
    await rejects(g.open('L3'), 'DIALER_ERR_DRAINING');
    await waitFor(() => beats.some((b) => b.type === 'media.gateway.heartbeat' && b.data.draining && b.data.maxLegs === 1));
  } finally {
    await g.daemon.close();
    await g.daemon.close();
    await g.ctx.close();
  }
});

test('metrics and health are served on the gateway endpoint', async () => {
  const ctx = await createTestContext({ nodeId: 'gw3' });
  const d = createMediaDaemon(ctx, mediaConfig({ MEDIA_METRICS_PORT: '39464' }), {});
  const peer = await RtpPeer.open();
  await d.start();
  try {
    const base = `http://127.0.0.1:${d.metricsAddress()!.port}`;
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { ok: boolean; gatewayId: string };
    assert.equal(body.gatewayId, 'media:gw3');
    // One datagram from a source no leg registered.
    await peer.next(new Uint8Array(160), d.rtpAddress()!.port);
    await new Promise((r) => setTimeout(r, 50));
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /media_rtp_dropped_total\{reason="unknown_source",gateway="media:gw3"\} 1/);
    assert.match(text, /media_added_latency_seconds_bucket/);
    assert.match(text, /media_legs\{kind="rtp",gateway="media:gw3"\} 0/);
    assert.match(text, /process_cpu_seconds_total/);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  } finally {
    peer.close();
    await d.close();
    await ctx.close();
  }
});
