import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createMessage, createRtpHeader, decodeUlaw, FakeSttProvider, parseRtp, singleProviderFactory, type AnyMessage } from '@dialer/core';
import { createTestContext, waitFor } from '@dialer/core/testing';
import { createMediaDaemon } from '@dialer/media-gateway';
import { mediaConfig, RtpPeer } from './helpers/rtp.js';
import { rms, speech, toUlaw } from './helpers/audio.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

// The softphone side, as the console would do it: microphone up, offer, answer, and a meter on what it hears.
const PAGE = `<!doctype html><html><body><script>
window.softphone = {
  async offer(codec) {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const pc = new RTCPeerConnection();
    this.pc = pc;
    const tr = pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendrecv', streams: [stream] });
    if (codec === 'pcmu') {
      const caps = RTCRtpReceiver.getCapabilities('audio').codecs.filter((c) => c.mimeType.toLowerCase() === 'audio/pcmu');
      tr.setCodecPreferences(caps);
    }
    pc.ontrack = (e) => {
      const remote = new MediaStream([e.track]);
      const el = new Audio();
      el.srcObject = remote;
      el.muted = true;
      el.play().catch(() => {});
      const ac = new AudioContext();
      const an = ac.createAnalyser();
      an.fftSize = 2048;
      ac.createMediaStreamSource(remote).connect(an);
      const buf = new Float32Array(an.fftSize);
      this.peak = 0;
      setInterval(() => {
        an.getFloatTimeDomainData(buf);
        let s = 0;
        for (const v of buf) s += v * v;
        this.peak = Math.max(this.peak, Math.sqrt(s / buf.length));
      }, 20);
    };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => {
      if (pc.iceGatheringState === 'complete') return r();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r();
      setTimeout(r, 3000);
    });
    return pc.localDescription.sdp;
  },
  async answer(sdp) { await this.pc.setRemoteDescription({ type: 'answer', sdp }); },
  state() { return this.pc.connectionState; },
  async inbound() {
    const st = await this.pc.getStats();
    let out = {};
    st.forEach((s) => { if (s.type === 'inbound-rtp') out = { packets: s.packetsReceived, energy: s.totalAudioEnergy }; });
    return out;
  },
};
</script></body></html>`;

async function startPage(): Promise<{ server: Server; browser: BrowserContext; page: Page; dir: string }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const dir = mkdtempSync(join(tmpdir(), 'chromium-'));
  const browser = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const addr = server.address() as { port: number };
  // localhost is a secure context, so getUserMedia is allowed.
  await page.goto(`http://localhost:${addr.port}/`);
  return { server, browser, page, dir };
}

for (const codec of ['opus', 'pcmu'] as const) {
  test(`a headless Chromium softphone (${codec}) bridges to an Asterisk leg: audio flows both ways and the agent is transcribed`, async () => {
    const ctx = await createTestContext({ nodeId: 'gw-webrtc' });
    const events: AnyMessage[] = [];
    await ctx.bus.subscribe('media.*', (m) => void events.push(m));
    const stt = new FakeSttProvider('fake');
    const d = createMediaDaemon(ctx, mediaConfig(), { stt: singleProviderFactory(stt) });
    await d.start();
    const asterisk = await RtpPeer.open(0x4444);
    const { server, browser, page, dir } = await startPage();
    try {
      const req = (type: string, data: Record<string, unknown>) => ctx.bus.request(createMessage(type as 'cmd.media.leg.open', 't1', data as never), { timeoutMs: 10_000 });
      // Arrange: the browser offers; the gateway answers over the bus (as the API relays it).
      const offer = await page.evaluate((c) => (globalThis as unknown as { softphone: { offer(c: string): Promise<string> } }).softphone.offer(c), codec);
      const answer = (await req('cmd.media.webrtc.offer', { sessionId: 's1', role: 'agent', agentId: 'a1', sdp: offer })) as { sdp: string; legId: string; gatewayId: string };
      assert.equal(answer.gatewayId, d.gatewayId);
      await page.evaluate((sdp) => (globalThis as unknown as { softphone: { answer(s: string): Promise<void> } }).softphone.answer(sdp), answer.sdp);
      await waitFor(() => events.some((e) => e.type === 'media.webrtc.state' && e.data.state === 'connected'), 10_000);
      const connected = events.find((e) => e.type === 'media.webrtc.state')!;
      assert.ok(connected.type === 'media.webrtc.state' && connected.data.codec === (codec === 'opus' ? 'opus' : 'ulaw') && connected.data.agentId === 'a1');

      // Act: a call's agent leg is bridged to the session; Asterisk sends the customer's voice.
      await req('cmd.media.leg.open', { legId: 'LA', callId: 'C1', role: 'agent', codec: 'ulaw', gatewayId: d.gatewayId, webrtcSessionId: 's1', agentId: 'a1' });
      await req('cmd.media.leg.update', { legId: 'LA', gatewayId: d.gatewayId, remoteHost: '127.0.0.1', remotePort: asterisk.port });
      const voice = toUlaw(speech('hello, I am calling about my invoice from last month', 8000));
      const port = d.rtpAddress()!.port;
      for (let f = 0; f < 150; f++) {
        await asterisk.next(voice.subarray((f % 100) * 160, (f % 100) * 160 + 160), port);
        await new Promise((r) => setTimeout(r, 20));
      }

      // Assert: the browser heard it...
      const peak = await page.evaluate(() => (globalThis as unknown as { softphone: { peak: number } }).softphone.peak);
      const inbound = await page.evaluate(() => (globalThis as unknown as { softphone: { inbound(): Promise<{ packets: number }> } }).softphone.inbound());
      assert.ok(inbound.packets > 100, `browser received ${inbound.packets} packets`);
      assert.ok(peak > 0.05, `browser audio level ${peak}`);
      // ...Asterisk got the browser's microphone back as paced u-law RTP, not silence...
      const h = createRtpHeader();
      const back = asterisk.received.filter((b) => parseRtp(b, h) === 0 && h.payloadType === 0);
      assert.ok(back.length > 100, `asterisk received ${back.length} packets`);
      const pcm = new Int16Array(back.length * 160);
      back.forEach((b, i) => {
        parseRtp(b, h);
        decodeUlaw(b, h.payloadOffset, Math.min(160, h.payloadLength), pcm, i * 160);
      });
      assert.ok(rms(pcm) > 500, `microphone level at Asterisk ${rms(pcm)}`);
      // ...and the agent's own voice went to speech-to-text from the browser audio, at 16 kHz.
      const rec = stt.streams.find((s) => s.options.legId === 'LA')!;
      assert.equal(rec.options.speaker, 'agent');
      assert.equal(rec.options.encoding, 'linear16');
      assert.equal(rec.options.sampleRate, 16000);
      assert.ok(rec.audioMs > 1500, `agent audio to STT ${rec.audioMs} ms`);

      await req('cmd.media.leg.close', { legId: 'LA', gatewayId: d.gatewayId });
      await req('cmd.media.webrtc.close', { sessionId: 's1' });
      await waitFor(() => events.some((e) => e.type === 'media.webrtc.state' && e.data.state === 'closed'));
      assert.equal(d.gateway.sessions.size, 0);
    } finally {
      await browser.close();
      server.close();
      rmSync(dir, { recursive: true, force: true });
      asterisk.close();
      await d.close();
      await ctx.close();
    }
  });
}
