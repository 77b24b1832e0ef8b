// The receive side of one RTP leg: payload-type and SSRC checks (a new SSRC
// must prove itself with two packets in sequence, as in RFC 3550's
// probation), the reorder buffer, RFC 3550 statistics, timestamp-driven gap
// filling so downstream timing stays right, decoding, and re-framing into
// 20 ms frames whatever the packet size.
import {
  JitterBuffer,
  JitterPush,
  RtpReceiveStats,
  seqDelta,
  tsDelta,
  type Codec,
  type JitterOutput,
  type RtpHeader,
} from '@dialer/core';
import { CODEC_RATES, PAYLOAD_TYPES, silenceByte, type AudioDecoder } from '../codec/codecs.js';

/** Receives whole 20 ms frames: PCM, and the G.711 bytes they came from (for passthrough). */
export interface FrameSink {
  frame(pcm: Int16Array, raw: Uint8Array | undefined): void;
}

/** Outcome of {@link RtpReceiver.receive}. */
export const Receive = {
  ok: 0,
  payloadType: 1,
  ssrc: 2,
  duplicate: 3,
  late: 4,
} as const;
export type ReceiveResult = (typeof Receive)[keyof typeof Receive];

/** Options of an {@link RtpReceiver}. */
export interface RtpReceiverOptions {
  codec: Codec;
  decoder: AudioDecoder;
  jitterDepth: number;
  jitterMaxWaitMs: number;
  frameMs?: number;
  /** Gaps up to this long are filled with silence; longer jumps are a discontinuity (default 2000 ms). */
  maxFillMs?: number;
}

const PROBATION = 2;

/** One leg's RTP ingest. Allocation-free per packet. */
export class RtpReceiver implements JitterOutput {
  readonly stats: RtpReceiveStats;
  readonly frameSamples: number;
  ssrc: number | undefined;
  private payloadType: number | undefined;
  private readonly dynamicPt: boolean;
  private readonly jitter: JitterBuffer;
  private readonly decoded: Int16Array;
  /** G.711: decoded in place, byte by byte, into the frame. */
  private readonly table: Int16Array | undefined;
  private readonly pcmFrame: Int16Array;
  private readonly rawFrame: Uint8Array | undefined;
  private readonly silence: number;
  private filled = 0;
  private nextTs = 0;
  private haveTs = false;
  private readonly maxFill: number;
  private candidate = -1;
  private candidateSeq = 0;
  private candidateCount = 0;
  private sink: FrameSink;
  /** Arrival time of the packet being processed (ms). */
  lastArrivalMs = 0;

  constructor(
    private readonly o: RtpReceiverOptions,
    sink: FrameSink,
  ) {
    this.sink = sink;
    const rate = CODEC_RATES[o.codec];
    this.stats = new RtpReceiveStats(rate);
    this.frameSamples = (rate / 1000) * (o.frameMs ?? 20);
    this.dynamicPt = o.codec === 'slin16' || o.codec === 'opus';
    if (!this.dynamicPt) this.payloadType = PAYLOAD_TYPES[o.codec];
    this.jitter = new JitterBuffer(this, { depth: o.jitterDepth, maxWaitMs: o.jitterMaxWaitMs });
    this.pcmFrame = new Int16Array(this.frameSamples);
    this.rawFrame = o.codec === 'ulaw' || o.codec === 'alaw' ? new Uint8Array(this.frameSamples) : undefined;
    this.table = this.rawFrame ? o.decoder.table : undefined;
    this.decoded = new Int16Array(this.table ? 0 : o.decoder.maxSamples);
    this.silence = silenceByte(o.codec);
    this.maxFill = ((o.maxFillMs ?? 2000) * rate) / 1000;
  }

  /** Sends frames somewhere else from now on. */
  setSink(sink: FrameSink): void {
    this.sink = sink;
  }

  /** One parsed packet from the leg's registered source. */
  receive(buf: Uint8Array, h: RtpHeader, arrivalMs: number): ReceiveResult {
    if (h.payloadType !== this.payloadType) {
      if (!(this.dynamicPt && this.payloadType === undefined && h.payloadType >= 96)) return Receive.payloadType;
      this.payloadType = h.payloadType;
    }
    if (this.ssrc === undefined) {
      this.ssrc = h.ssrc;
    } else if (h.ssrc !== this.ssrc) {
      if (!this.probation(h)) return Receive.ssrc;
      this.switchSource(h.ssrc);
    } else {
      this.candidateCount = 0;
    }
    this.lastArrivalMs = arrivalMs;
    let r = this.jitter.push(buf, h.payloadOffset, h.payloadLength, h.sequence, h.timestamp, h.marker, arrivalMs);
    if (r === JitterPush.restart) {
      // The sender restarted (or jumped): start over with its new numbering.
      this.jitter.flushAll();
      this.jitter.reset();
      this.stats.restart();
      this.haveTs = false;
      r = this.jitter.push(buf, h.payloadOffset, h.payloadLength, h.sequence, h.timestamp, h.marker, arrivalMs);
    }
    if (r === JitterPush.duplicate) {
      this.stats.onDuplicate(buf.length);
      return Receive.duplicate;
    }
    if (r === JitterPush.late) {
      this.stats.onLate(buf.length);
      return Receive.late;
    }
    this.stats.onPacket(h.sequence, h.timestamp, buf.length, arrivalMs);
    return Receive.ok;
  }

  /** Packets waiting in the reorder window for a missing one. */
  get held(): number {
    return this.jitter.held;
  }

  /** Gives up on gaps that waited too long. */
  tick(nowMs: number): void {
    if (this.jitter.held > 0) this.jitter.flushDue(nowMs);
  }

  /** Releases everything held (the leg is closing). */
  finish(): void {
    this.jitter.flushAll();
  }

  /** Called by the jitter buffer, in sequence order. */
  onPacket(buf: Uint8Array, offset: number, length: number, timestamp: number): void {
    if (this.haveTs) {
      const gap = tsDelta(this.nextTs, timestamp);
      if (gap > 0 && gap <= this.maxFill) this.conceal(gap);
    }
    let n: number;
    if (this.table) {
      n = length;
      this.pushTable(this.table, buf, offset, length);
    } else {
      n = this.o.decoder.decode(buf, offset, length, this.decoded);
      this.push(n, buf, offset);
    }
    this.nextTs = (timestamp + n) >>> 0;
    this.haveTs = true;
  }

  private probation(h: RtpHeader): boolean {
    if (h.ssrc !== this.candidate || seqDelta(this.candidateSeq, h.sequence) !== 1) {
      this.candidate = h.ssrc;
      this.candidateCount = 1;
    } else {
      this.candidateCount++;
    }
    this.candidateSeq = h.sequence;
    return this.candidateCount >= PROBATION;
  }

  private switchSource(ssrc: number): void {
    this.jitter.flushAll();
    this.jitter.reset();
    this.stats.restart();
    this.ssrc = ssrc;
    this.candidate = -1;
    this.candidateCount = 0;
    this.haveTs = false;
  }

  private conceal(samples: number): void {
    this.stats.concealedMs += Math.round((samples * 1000) / CODEC_RATES[this.o.codec]);
    const frame = this.pcmFrame;
    const raw = this.rawFrame;
    let left = samples;
    while (left > 0) {
      const take = Math.min(left, this.frameSamples - this.filled);
      frame.fill(0, this.filled, this.filled + take);
      raw?.fill(this.silence, this.filled, this.filled + take);
      this.filled += take;
      left -= take;
      if (this.filled === this.frameSamples) this.emit();
    }
  }

  private push(n: number, buf: Uint8Array, offset: number): void {
    const frame = this.pcmFrame;
    const raw = this.rawFrame;
    const dec = this.decoded;
    let i = 0;
    while (i < n) {
      const take = Math.min(n - i, this.frameSamples - this.filled);
      const at = this.filled;
      for (let j = 0; j < take; j++) frame[at + j] = dec[i + j]!;
      if (raw) for (let j = 0, src = offset + i; j < take; j++) raw[at + j] = buf[src + j]!;
      this.filled += take;
      i += take;
      if (this.filled === this.frameSamples) this.emit();
    }
  }

  /** G.711: decodes `n` bytes straight into the frame, keeping the bytes for passthrough. */
  private pushTable(table: Int16Array, buf: Uint8Array, offset: number, n: number): void {
    const frame = this.pcmFrame;
    const raw = this.rawFrame!;
    const size = this.frameSamples;
    let i = 0;
    while (i < n) {
      const at = this.filled;
      const take = Math.min(n - i, size - at);
      for (let j = 0, src = offset + i; j < take; j++, src++) {
        const b = buf[src]!;
        raw[at + j] = b;
        frame[at + j] = table[b]!;
      }
      this.filled = at + take;
      i += take;
      if (this.filled === size) this.emit();
    }
  }

  private emit(): void {
    this.filled = 0;
    this.sink.frame(this.pcmFrame, this.rawFrame);
  }
}
