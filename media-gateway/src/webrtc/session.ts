// A browser session (an agent's softphone or a supervisor's console) and
// the audio between it and an RTP leg toward Asterisk. Uplink: the browser's
// Opus (or PCMU) is reordered, decoded and re-framed, then resampled twice:
// to 16 kHz for the agent's own transcription and to the leg's rate for
// Asterisk. Downlink: Asterisk's frames are resampled and encoded for the
// browser, with the session's own sequence numbers and timestamps.
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { createRtpHeader, Resampler, writeRtp, type Speaker } from '@dialer/core';
import { createDecoder, createEncoder, CODEC_RATES, type AudioEncoder } from '../codec/codecs.js';
import { RtpReceiver, type FrameSink } from '../rtp/receiver.js';
import type { PeerRtp, PeerState, WebRtcPeer } from '../transport/webrtc-peer.js';
import { WEBRTC_PIPELINE_RATE, type BridgeTarget, type RtpLeg } from '../leg.js';

/** Who opened the session. */
export interface SessionSpec {
  readonly sessionId: string;
  readonly legId: string;
  readonly role: Speaker;
  readonly tenantId: string;
  readonly agentId?: string;
  readonly userId?: string;
}

/** Options of a {@link WebRtcSession}. */
export interface SessionOptions {
  jitterDepth: number;
  jitterMaxWaitMs: number;
  now: () => number;
  log: Logger;
  onState: (session: WebRtcSession, state: PeerState) => void;
}

/** One browser connection and its bridge to an RTP leg. */
export class WebRtcSession implements BridgeTarget, FrameSink {
  readonly kind = 'webrtc' as const;
  readonly codec: 'opus' | 'ulaw';
  readonly rate: number;
  private readonly receiver: RtpReceiver;
  private readonly header = createRtpHeader();
  private leg: RtpLeg | undefined;
  private toPipeline: Resampler | undefined;
  private toLeg: Resampler | undefined;
  private legRate = 0;
  private readonly pipelinePcm: Int16Array;
  private legPcm: Int16Array = new Int16Array(0);
  private readonly encoder: AudioEncoder;
  private downResampler: Resampler | undefined;
  private downRate = 0;
  private readonly downPcm: Int16Array;
  private readonly payload = new Uint8Array(1500);
  private seq = randomInt(0, 0x10000);
  private ts = randomInt(0, 0x100000000);
  private readonly ssrc = randomInt(1, 0xffffffff);
  private marker = true;
  state: PeerState = 'connecting';
  stateSinceMs: number;
  /** Packets and frames, for tests and stats. */
  packetsIn = 0;
  packetsOut = 0;
  framesIn = 0;
  private closed = false;

  constructor(
    readonly spec: SessionSpec,
    private readonly peer: WebRtcPeer,
    private readonly o: SessionOptions,
  ) {
    this.codec = peer.codec;
    this.rate = CODEC_RATES[this.codec];
    this.stateSinceMs = o.now();
    this.receiver = new RtpReceiver({ codec: this.codec, decoder: createDecoder(this.codec), jitterDepth: o.jitterDepth, jitterMaxWaitMs: o.jitterMaxWaitMs }, this);
    this.toPipeline = new Resampler(this.rate, WEBRTC_PIPELINE_RATE, { maxInputSamples: this.receiver.frameSamples });
    this.pipelinePcm = new Int16Array(this.toPipeline.maxOutput(this.receiver.frameSamples));
    this.encoder = createEncoder(this.codec);
    this.downPcm = new Int16Array((this.rate / 1000) * 20 + 8);
    peer.onRtp((rtp) => this.onRtp(rtp));
    peer.onState((s) => {
      if (s === this.state) return;
      this.state = s;
      this.stateSinceMs = o.now();
      o.onState(this, s);
    });
  }

  get sessionId(): string {
    return this.spec.sessionId;
  }

  /** The leg this session is bridged to. */
  get bridgedLeg(): RtpLeg | undefined {
    return this.leg;
  }

  /** Bridges to an RTP leg (or unbridges with undefined). */
  bridge(leg: RtpLeg | undefined): void {
    this.leg = leg;
    if (!leg) return;
    const rate = CODEC_RATES[leg.spec.codec];
    if (rate !== this.legRate) {
      this.legRate = rate;
      this.toLeg = rate === this.rate ? undefined : new Resampler(this.rate, rate, { maxInputSamples: this.receiver.frameSamples });
      this.legPcm = new Int16Array(this.toLeg ? this.toLeg.maxOutput(this.receiver.frameSamples) : this.receiver.frameSamples);
    }
  }

  /** Gives up on reorder gaps that waited too long. */
  tick(nowMs: number): void {
    this.receiver.tick(nowMs);
  }

  private onRtp(rtp: PeerRtp): void {
    if (this.closed) return;
    this.packetsIn++;
    const h = this.header;
    h.payloadType = rtp.payloadType;
    h.sequence = rtp.sequence;
    h.timestamp = rtp.timestamp;
    h.ssrc = rtp.ssrc;
    h.marker = rtp.marker;
    h.payloadOffset = 0;
    h.payloadLength = rtp.payload.length;
    this.receiver.receive(rtp.payload, h, this.o.now());
  }

  /** A 20 ms frame of browser audio, in order. */
  frame(pcm: Int16Array): void {
    this.framesIn++;
    const leg = this.leg;
    if (!leg) return;
    const n16 = this.toPipeline ? this.toPipeline.process(pcm, this.pipelinePcm, pcm.length) : pcm.length;
    const p16 = this.toPipeline ? this.pipelinePcm : pcm;
    if (n16 < p16.length) p16.fill(0, n16);
    let nLeg = pcm.length;
    let pLeg = pcm;
    if (this.toLeg) {
      nLeg = this.toLeg.process(pcm, this.legPcm, pcm.length);
      pLeg = this.legPcm;
    }
    leg.fromBrowser(p16.length === WEBRTC_PIPELINE_RATE / 50 ? p16 : p16.subarray(0, WEBRTC_PIPELINE_RATE / 50), pLeg, nLeg);
  }

  /** A 20 ms frame from Asterisk for the browser. */
  fromAsterisk(pcm: Int16Array, n: number, rate: number): void {
    if (this.closed || this.state !== 'connected') return;
    let src = pcm;
    let count = n;
    if (rate !== this.rate) {
      if (rate !== this.downRate) {
        this.downRate = rate;
        this.downResampler = new Resampler(rate, this.rate, { maxInputSamples: n });
      }
      count = this.downResampler!.process(pcm, this.downPcm, n);
      src = this.downPcm;
    }
    const frame = (this.rate / 1000) * 20;
    if (count < frame) src.fill(0, count, frame);
    const bytes = this.encoder.encode(src, frame, this.payload);
    if (bytes <= 0) return;
    const packet = Buffer.allocUnsafe(12 + bytes);
    writeRtp(packet, { marker: this.marker, payloadType: this.encoder.payloadType, sequence: this.seq, timestamp: this.ts, ssrc: this.ssrc }, this.payload.subarray(0, bytes));
    this.marker = false;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + frame) >>> 0;
    this.packetsOut++;
    this.peer.send(packet);
  }

  /** Closes the browser connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.leg = undefined;
    this.receiver.finish();
    this.encoder.close();
    await this.peer.close();
  }
}
