import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, FakeSttProvider, singleProviderFactory, type AnyMessage, type MessageData, type SttProvider, type SttStream, type SttStreamFactory } from '@dialer/core';
import { createTestContext, waitFor } from '@dialer/core/testing';
import { createMediaDaemon } from '@dialer/media-gateway';
import { mediaConfig, RtpPeer } from './helpers/rtp.js';
import { speech, toUlaw } from './helpers/audio.js';
import { chainFactory } from './helpers/chain-stream.js';

async function run(provider: SttProvider | SttStreamFactory, legs: string[], text = 'good morning, I would like to speak to somebody about my bill', env: Record<string, string> = {}) {
  const ctx = await createTestContext();
  const events: AnyMessage[] = [];
  await ctx.bus.subscribe('*', (m) => void events.push(m));
  const d = createMediaDaemon(ctx, mediaConfig(env), { stt: 'inputFormat' in provider ? provider : singleProviderFactory(provider) });
  await d.start();
  const port = d.rtpAddress()!.port;
  const peers = await Promise.all(legs.map((_, i) => RtpPeer.open(100 + i)));
  const req = (type: string, data: Record<string, unknown>) => ctx.bus.request(createMessage(type as 'cmd.media.leg.open', 't1', data as never), { timeoutMs: 1000 });
  try {
    for (const [i, legId] of legs.entries()) {
      await req('cmd.media.leg.open', { legId, callId: 'C1', role: 'customer', codec: 'ulaw', gatewayId: d.gatewayId });
      await req('cmd.media.leg.update', { legId, gatewayId: d.gatewayId, remoteHost: '127.0.0.1', remotePort: peers[i]!.port });
    }
    const audio = toUlaw(speech(text, 8000, 600));
    const frames = Math.floor(audio.length / 160);
    for (let f = 0; f < frames; f++) {
      for (const p of peers) await p.next(audio.subarray(f * 160, f * 160 + 160), port);
      if (f % 20 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(() => legs.every((id) => d.gateway.legs.get(id)!.receiver.stats.packets === frames));
    const stats = [];
    for (const legId of legs) stats.push(await req('cmd.media.leg.close', { legId, gatewayId: d.gatewayId }));
    return { frames, events, stats: stats as { stats: { sttDroppedMs: number } }[] };
  } finally {
    for (const p of peers) p.close();
    await d.close();
    await ctx.close();
  }
}

test('a provider that wants 16 kHz linear16 gets the leg resampled; one that wants only speech gets only segments', async () => {
  const wide = new FakeSttProvider('wide', {}, undefined, { encodings: ['linear16'], sampleRates: [16000], preferred: { encoding: 'linear16', sampleRate: 16000 } });
  const r1 = await run(wide, ['L1']);
  const s1 = wide.streams[0]!;
  assert.equal(s1.options.encoding, 'linear16');
  assert.equal(s1.options.sampleRate, 16000);
  assert.equal(s1.bytes, r1.frames * 640);

  const batch = new FakeSttProvider('batch', {}, undefined, { continuousAudio: false, streaming: false });
  const r2 = await run(batch, ['L2']);
  const s2 = batch.streams[0]!;
  assert.ok(s2.speechStarts.length >= 1);
  assert.ok(s2.bytes > 0 && s2.bytes < r2.frames * 160 * 0.95, `gated bytes ${s2.bytes} of ${r2.frames * 160}`);
  // The 600 ms of leading silence is not sent, except the pre-roll.
  assert.ok(s2.speechStarts[0]! >= 400);
});

test('a backlogged provider loses only its own leg\'s audio; the other leg is untouched', async () => {
  // Streams of leg L1 report a growing backlog; L2's are healthy.
  const base = new FakeSttProvider('fake');
  const provider: SttProvider = {
    name: 'mixed',
    capabilities: base.capabilities,
    open(options) {
      const s = base.open(options);
      if (options.legId !== 'L1') return s;
      return new Proxy(s, { get: (t, k) => (k === 'bufferedBytes' ? 1e9 : Reflect.get(t, k, t) as unknown) }) as SttStream;
    },
    close: () => base.close(),
  };
  const r = await run(provider, ['L1', 'L2'], 'one two three four five six seven', { MEDIA_STT_MAX_BACKLOG_MS: '200' });
  const [l1, l2] = [base.streams.find((s) => s.options.legId === 'L1')!, base.streams.find((s) => s.options.legId === 'L2')!];
  assert.equal(l1.bytes, 0);
  assert.equal(l2.bytes, r.frames * 160);
  assert.ok(r.stats[0]!.stats.sttDroppedMs >= r.frames * 20 - 100);
  assert.equal(r.stats[1]!.stats.sttDroppedMs, 0);
});

test('a softphone leg moves from call to call: one stream per call, offsets start over, nothing between calls', async () => {
  const ctx = await createTestContext();
  const stt = new FakeSttProvider('fake');
  const d = createMediaDaemon(ctx, mediaConfig(), { stt: singleProviderFactory(stt) });
  await d.start();
  const asterisk = await RtpPeer.open(77);
  const req = (type: string, data: Record<string, unknown>) => ctx.bus.request(createMessage(type as 'cmd.media.leg.open', 't1', data as never), { timeoutMs: 1000 });
  const gw = d.gatewayId;
  const port = d.rtpAddress()!.port;
  const talk = toUlaw(speech('hello, how can I help you', 8000, 400));
  const play = async () => {
    for (let f = 0; f * 160 + 160 <= talk.length; f++) {
      await asterisk.next(talk.subarray(f * 160, f * 160 + 160), port);
      if (f % 20 === 0) await new Promise((r) => setTimeout(r, 2));
    }
  };
  try {
    // Opened at login, between calls.
    await req('cmd.media.leg.open', { legId: 'P1', callId: '', role: 'agent', codec: 'ulaw', gatewayId: gw, agentId: 'a1' });
    await req('cmd.media.leg.update', { legId: 'P1', gatewayId: gw, remoteHost: '127.0.0.1', remotePort: asterisk.port });
    await play();
    assert.equal(stt.streams.length, 0);
    const r1 = (await req('cmd.media.leg.update', { legId: 'P1', gatewayId: gw, callId: 'C1', campaignId: 'k1', stt: { providers: ['fake'] } })) as { transcribing: boolean };
    assert.equal(r1.transcribing, true);
    await play();
    await req('cmd.media.leg.update', { legId: 'P1', gatewayId: gw, callId: 'C2' });
    await play();
    await req('cmd.media.leg.update', { legId: 'P1', gatewayId: gw, callId: '' });
    await play();
    const leg = d.gateway.legs.get('P1')!;
    await waitFor(() => leg.receiver.stats.packets >= 4 * Math.floor(talk.length / 160));
    assert.equal(stt.streams.length, 2);
    const [c1, c2] = stt.streams as [typeof stt.streams[0], typeof stt.streams[0]];
    assert.equal(c1.options.callId, 'C1');
    assert.equal(c1.options.campaignId, 'k1');
    assert.equal(c2.options.callId, 'C2');
    assert.ok(c1.closed && c2.closed);
    // Each call's offsets start at its own beginning.
    assert.ok(c1.speechStarts[0]! < 1000 && c2.speechStarts[0]! < 1000, `${c1.speechStarts} / ${c2.speechStarts}`);
    assert.ok(Math.abs(c1.audioMs - c2.audioMs) < 100);
  } finally {
    asterisk.close();
    await d.close();
    await ctx.close();
  }
});

test('a leg whose provider fails over reports it: media.stt.state carries next, error and gapMs, once each', async () => {
  const alpha = new FakeSttProvider('alpha', { errorAfterAudioMs: 1000 });
  const beta = new FakeSttProvider('beta');
  // The failover replays only the last 300 ms; the older audio is a gap.
  const r = await run(chainFactory([alpha, beta], 300), ['L1']);
  await waitFor(() => r.events.some((m) => m.type === 'media.stt.state' && m.data.state === 'closed'));
  const states = r.events.filter((m) => m.type === 'media.stt.state').map((m) => m.data as MessageData<'media.stt.state'>);
  assert.deepEqual(
    states.map((s) => [s.state, s.provider, s.next]),
    [
      ['connected', 'alpha', undefined],
      ['failover', 'alpha', 'beta'],
      ['connected', 'beta', undefined],
      ['closed', 'beta', undefined],
    ],
  );
  const failover = states[1]!;
  assert.equal(failover.error?.code, 'DIALER_ERR_STT_UNAVAILABLE');
  assert.equal(failover.error?.retryable, true);
  assert.ok(failover.gapMs !== undefined && failover.gapMs >= 600 && failover.gapMs <= 800, `gapMs ${failover.gapMs}`);
  assert.ok(states.every((s) => s.legId === 'L1' && s.callId === 'C1'));
  // The rest of the leg went to beta, after the gap.
  assert.equal(beta.streams[0]!.options.startOffsetMs, failover.gapMs);
  assert.ok(r.events.some((m) => m.type === 'transcript.final' && m.data.provider === 'beta'));
});
