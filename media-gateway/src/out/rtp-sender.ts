// RTP toward Asterisk for one leg: its own SSRC, sequence numbers and
// timestamps, one 20 ms frame per packet, paced by the gateway's tick against
// the clock (catching up after a late tick, skipping ahead after a long
// stall so timestamps keep matching real time).
import { randomInt } from 'node:crypto';
import { writeRtp } from '@dialer/core';
import type { AudioEncoder } from '../codec/codecs.js';
import type { PcmSource } from './sources.js';

/** Sends a datagram (the transport owns the socket). */
export type DatagramSend = (buf: Buffer, length: number) => void;

const RING = 4;
/** Beyond this many late frames, skip ahead instead of bursting. */
const MAX_CATCH_UP = 5;

/** Paced RTP sender of one leg. */
export class RtpSender {
  readonly ssrc = randomInt(1, 0xffffffff);
  private seq = randomInt(0, 0x10000);
  private ts = randomInt(0, 0x100000000);
  private readonly pcm: Int16Array;
  private readonly payload: Uint8Array;
  private readonly packets: Buffer[];
  private ring = 0;
  private source: PcmSource | undefined;
  private startMs = 0;
  private sent = 0;
  private marker = true;
  /** Packets sent in total. */
  packetsSent = 0;
  onEnded: (() => void) | undefined;

  constructor(
    private readonly encoder: AudioEncoder,
    private readonly send: DatagramSend,
    readonly frameMs = 20,
  ) {
    this.pcm = new Int16Array((encoder.sampleRate / 1000) * frameMs);
    this.payload = new Uint8Array(1500);
    // Sends are asynchronous: rotate buffers so one is never rewritten while queued.
    this.packets = Array.from({ length: RING }, () => Buffer.alloc(1500));
  }

  get frameSamples(): number {
    return this.pcm.length;
  }

  get active(): boolean {
    return this.source !== undefined;
  }

  /** Starts sending from `source` (replacing any current one); undefined stops. */
  setSource(source: PcmSource | undefined, nowMs: number): void {
    this.source = source;
    this.startMs = nowMs;
    this.sent = 0;
    this.marker = true;
  }

  /** Sends the frames that are due by `nowMs`. */
  tick(nowMs: number): void {
    const src = this.source;
    if (!src) return;
    const due = Math.floor((nowMs - this.startMs) / this.frameMs) + 1;
    if (due - this.sent > MAX_CATCH_UP) {
      const skip = due - this.sent - 1;
      this.ts = (this.ts + skip * this.pcm.length) >>> 0;
      this.sent += skip;
    }
    while (this.sent < due) {
      if (!src.read(this.pcm, this.pcm.length)) {
        this.source = undefined;
        this.onEnded?.();
        return;
      }
      this.sendFrame();
      this.sent++;
    }
  }

  private sendFrame(): void {
    const bytes = this.encoder.encode(this.pcm, this.pcm.length, this.payload);
    const packet = this.packets[this.ring]!;
    this.ring = (this.ring + 1) % RING;
    const len = writeRtp(
      packet,
      { marker: this.marker, payloadType: this.encoder.payloadType, sequence: this.seq, timestamp: this.ts, ssrc: this.ssrc },
      this.payload.subarray(0, bytes),
    );
    this.marker = false;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + this.pcm.length) >>> 0;
    this.packetsSent++;
    this.send(packet, len);
  }
}
