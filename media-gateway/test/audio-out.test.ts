import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage, createRtpHeader, decodeUlaw, parseRtp, type AnyMessage } from '@dialer/core';
import { createTestContext, SimulatedClock, waitFor } from '@dialer/core/testing';
import { createMediaDaemon } from '@dialer/media-gateway';
import { WaveFile } from '../src/record/wavefile.js';
import { mediaConfig, RtpPeer } from './helpers/rtp.js';
import { rms, speech, speechWav, toUlaw } from './helpers/audio.js';

test('a WAV file plays to Asterisk as RTP paced at 20 ms, with one SSRC and consecutive sequence numbers and timestamps', async () => {
  const clock = new SimulatedClock();
  const ctx = await createTestContext({ clock });
  const d = createMediaDaemon(ctx, mediaConfig(), {});
  await d.start();
  const asterisk = await RtpPeer.open();
  try {
    const gw = d.gatewayId;
    const req = (type: string, data: Record<string, unknown>) => ctx.bus.request(createMessage(type as 'cmd.media.leg.open', 't1', data as never), { timeoutMs: 1000 });
    await req('cmd.media.leg.open', { legId: 'L1', callId: 'C1', role: 'customer', codec: 'ulaw', gatewayId: gw });
    await req('cmd.media.leg.update', { legId: 'L1', gatewayId: gw, remoteHost: '127.0.0.1', remotePort: asterisk.port });
    const { durationMs } = (await req('cmd.media.leg.play', { legId: 'L1', gatewayId: gw, path: speechWav('please hold while we connect you') })) as { durationMs: number };
    assert.ok(durationMs > 1000);

    // The first frame goes at once, then exactly one per 20 ms of (simulated) time.
    const counts: number[] = [];
    for (let step = 0; step < 50; step++) {
      await clock.advanceAsync(20);
      await waitFor(() => asterisk.received.length >= step + 2, 2000);
      counts.push(asterisk.received.length);
    }
    assert.deepEqual(counts, Array.from({ length: 50 }, (_, i) => i + 2));
    await clock.advanceAsync(durationMs + 200);
    const expected = Math.ceil(durationMs / 20);
    await waitFor(() => asterisk.received.length >= expected, 3000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(asterisk.received.length, expected);

    const h = createRtpHeader();
    const pcm = new Int16Array(expected * 160);
    let first: { seq: number; ts: number; ssrc: number } | undefined;
    asterisk.received.forEach((b, i) => {
      assert.equal(parseRtp(b, h), 0);
      first ??= { seq: h.sequence, ts: h.timestamp, ssrc: h.ssrc };
      assert.equal(h.payloadType, 0);
      assert.equal(h.ssrc, first.ssrc);
      assert.equal(h.sequence, (first.seq + i) & 0xffff);
      assert.equal(h.timestamp, (first.ts + i * 160) >>> 0);
      assert.equal(h.marker, i === 0);
      assert.equal(h.payloadLength, 160);
      decodeUlaw(b, h.payloadOffset, 160, pcm, i * 160);
    });
    assert.ok(rms(pcm) > 500, `played audio level ${rms(pcm)}`);
  } finally {
    asterisk.close();
    await d.close();
    await ctx.close();
  }
});

test('a call records to one stereo WAV, customer left and agent right, with a PCI pause written as silence', async () => {
  const ctx = await createTestContext();
  const now = Date.now();
  await ctx.store.db.insertInto('tenants').values({ id: 't1', name: 'T', slug: 't1', created_at: now, updated_at: now }).execute();
  const dir = mkdtempSync(join(tmpdir(), 'rec-'));
  const events: AnyMessage[] = [];
  await ctx.bus.subscribe('recording.*', (m) => void events.push(m));
  const d = createMediaDaemon(ctx, mediaConfig({ MEDIA_RECORDING_DIR: dir }), {});
  await d.start();
  const customer = await RtpPeer.open(1);
  const agent = await RtpPeer.open(2);
  try {
    const gw = d.gatewayId;
    const port = d.rtpAddress()!.port;
    const req = (type: string, data: Record<string, unknown>) => ctx.bus.request(createMessage(type as 'cmd.media.leg.open', 't1', data as never), { timeoutMs: 1000 });
    await req('cmd.media.leg.open', { legId: 'Lc', callId: 'C1', role: 'customer', codec: 'ulaw', gatewayId: gw, record: true });
    await req('cmd.media.leg.open', { legId: 'La', callId: 'C1', role: 'agent', codec: 'ulaw', gatewayId: gw, record: true });
    await req('cmd.media.leg.update', { legId: 'Lc', gatewayId: gw, remoteHost: '127.0.0.1', remotePort: customer.port });
    await req('cmd.media.leg.update', { legId: 'La', gatewayId: gw, remoteHost: '127.0.0.1', remotePort: agent.port });
    await waitFor(() => events.some((e) => e.type === 'recording.started'));

    // 1 s: the customer speaks, the agent is silent; 1 s paused (both speak); 1 s: the agent speaks.
    const talk = toUlaw(speech('my card number is four one one one', 8000).subarray(0, 8000 * 3));
    const quiet = new Uint8Array(160).fill(0xff);
    const send = async (frame: number) => {
      const slice = talk.subarray(frame * 160, frame * 160 + 160);
      await customer.next(frame < 50 || (frame >= 50 && frame < 100) ? slice : quiet, port);
      await agent.next(frame >= 50 ? slice : quiet, port);
      if (frame % 10 === 0) await new Promise((r) => setTimeout(r, 2));
    };
    for (let f = 0; f < 50; f++) await send(f);
    await waitFor(() => d.gateway.legs.get('Lc')!.receiver.stats.packets === 50 && d.gateway.legs.get('La')!.receiver.stats.packets === 50);
    await req('cmd.media.leg.update', { legId: 'Lc', gatewayId: gw, recordingPaused: true });
    for (let f = 50; f < 100; f++) await send(f);
    await waitFor(() => d.gateway.legs.get('Lc')!.receiver.stats.packets === 100 && d.gateway.legs.get('La')!.receiver.stats.packets === 100);
    await req('cmd.media.leg.update', { legId: 'Lc', gatewayId: gw, recordingPaused: false });
    for (let f = 100; f < 150; f++) await send(f);
    await waitFor(() => d.gateway.legs.get('La')!.receiver.stats.packets === 150);
    await req('cmd.media.leg.close', { legId: 'Lc', gatewayId: gw });
    await req('cmd.media.leg.close', { legId: 'La', gatewayId: gw });
    await waitFor(() => events.some((e) => e.type === 'recording.saved'));

    const saved = events.find((e) => e.type === 'recording.saved')!;
    assert.ok(saved.type === 'recording.saved');
    assert.deepEqual(events.map((e) => e.type), ['recording.started', 'recording.paused', 'recording.resumed', 'recording.saved']);
    const wav = new WaveFile(readFileSync(saved.data.path!));
    const fmt = wav.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
    assert.equal(fmt.numChannels, 2);
    assert.equal(fmt.sampleRate, 8000);
    assert.equal(fmt.bitsPerSample, 16);
    const [left, right] = wav.getSamples(false, Int16Array as unknown as Function) as unknown as Int16Array[];
    assert.equal(left!.length, 150 * 160);
    assert.equal(saved.data.durationMs, 3000);
    const sec = (ch: Int16Array, s: number) => rms(ch, s * 8000, (s + 1) * 8000);
    assert.ok(sec(left!, 0) > 300 && sec(right!, 0) < 50, 'first second: customer only');
    assert.ok(sec(left!, 1) === 0 && sec(right!, 1) === 0, 'paused second: silence');
    assert.ok(sec(left!, 2) < 50 && sec(right!, 2) > 300, 'last second: agent only');
    const row = await ctx.store.tenant('t1').selectFrom('recordings').selectAll().where('id', '=', saved.data.recordingId).executeTakeFirstOrThrow();
    assert.equal(row.status, 'saved');
    assert.equal(row.channels, 2);
    assert.equal(row.duration_ms, 3000);
    assert.equal(row.size_bytes, 44 + 150 * 160 * 4);
  } finally {
    customer.close();
    agent.close();
    await d.close();
    await ctx.close();
  }
});

test('mono layout: an slin16 leg records to its own 16 kHz WAV', async () => {
  const ctx = await createTestContext();
  const dir = mkdtempSync(join(tmpdir(), 'rec-'));
  const events: AnyMessage[] = [];
  await ctx.bus.subscribe('recording.*', (m) => void events.push(m));
  const d = createMediaDaemon(ctx, mediaConfig({ MEDIA_RECORDING_DIR: dir, MEDIA_RECORDING_LAYOUT: 'mono', MEDIA_RECORDING_SAMPLE_RATE: '16000' }), {});
  await d.start();
  const asterisk = await RtpPeer.open(9);
  try {
    const gw = d.gatewayId;
    const req = (type: string, data: Record<string, unknown>) => ctx.bus.request(createMessage(type as 'cmd.media.leg.open', 't1', data as never), { timeoutMs: 1000 });
    await req('cmd.media.leg.open', { legId: 'L1', callId: 'C9', role: 'agent', codec: 'slin16', gatewayId: gw, record: true });
    await req('cmd.media.leg.update', { legId: 'L1', gatewayId: gw, remoteHost: '127.0.0.1', remotePort: asterisk.port });
    const pcm = speech('wideband audio sounds better', 16000).subarray(0, 16000 * 2);
    const payload = new Uint8Array(640);
    for (let f = 0; f < 100; f++) {
      for (let i = 0; i < 320; i++) {
        const s = pcm[f * 320 + i]!;
        payload[2 * i] = (s >> 8) & 0xff;
        payload[2 * i + 1] = s & 0xff;
      }
      await asterisk.send(asterisk.packet(payload, { pt: 118, seq: f, ts: f * 320 }), d.rtpAddress()!.port);
    }
    await waitFor(() => d.gateway.legs.get('L1')!.receiver.stats.packets === 100);
    await req('cmd.media.leg.close', { legId: 'L1', gatewayId: gw });
    await waitFor(() => events.some((e) => e.type === 'recording.saved'));
    const saved = events.find((e) => e.type === 'recording.saved')!;
    assert.ok(saved.type === 'recording.saved' && saved.data.channels === 1);
    const wav = new WaveFile(readFileSync(saved.data.path!));
    const fmt = wav.fmt as { numChannels: number; sampleRate: number };
    assert.equal(fmt.numChannels, 1);
    assert.equal(fmt.sampleRate, 16000);
    const samples = wav.getSamples(false, Int16Array as unknown as Function) as unknown as Int16Array;
    assert.equal(samples.length, 32000);
    // Byte order right: the recording is the speech sent, sample for sample.
    assert.deepEqual(samples.subarray(0, 32000), pcm);
  } finally {
    asterisk.close();
    await d.close();
    await ctx.close();
  }
});

test('a recording that cannot be written is reported as recording.failed and the call goes on', async () => {
  const ctx = await createTestContext();
  const events: AnyMessage[] = [];
  await ctx.bus.subscribe('*', (m) => void events.push(m));
  // A regular file where the directory should be.
  const blocker = join(mkdtempSync(join(tmpdir(), 'rec-')), 'file');
  writeFileSync(blocker, 'x');
  const d = createMediaDaemon(ctx, mediaConfig({ MEDIA_RECORDING_DIR: join(blocker, 'sub') }), {});
  await d.start();
  try {
    const req = (type: string, data: Record<string, unknown>) => ctx.bus.request(createMessage(type as 'cmd.media.leg.open', 't1', data as never), { timeoutMs: 1000 });
    await req('cmd.media.leg.open', { legId: 'L1', callId: 'C1', role: 'customer', codec: 'ulaw', gatewayId: d.gatewayId, record: true });
    await waitFor(() => events.some((e) => e.type === 'recording.failed'));
    const failed = events.find((e) => e.type === 'recording.failed')!;
    assert.ok(failed.type === 'recording.failed' && failed.data.error?.code === 'DIALER_ERR_RECORDING' && failed.data.callId === 'C1');
    assert.ok(!events.some((e) => e.type === 'recording.started'));
    // The leg itself is fine.
    assert.ok(d.gateway.legs.has('L1'));
    await req('cmd.media.leg.close', { legId: 'L1', gatewayId: d.gatewayId });
    assert.ok(!events.some((e) => e.type === 'recording.saved'));
  } finally {
    await d.close();
    await ctx.close();
  }
});
