// A reorder buffer for one RTP source. Packets that arrive in sequence are
// released at once (no added delay); out-of-order packets wait in a short
// window for the missing ones, which are declared lost when the window fills
// or the wait passes `maxWaitMs`. Duplicates and late packets (arriving after
// their slot was given up) are reported, never released. Large jumps either
// way mean a sender restart: the caller resets and starts over.

import { seqDelta, tsDelta } from './rtp.js';

/** Receives packets in sequence order. */
export interface JitterOutput {
  onPacket(buf: Uint8Array, offset: number, length: number, timestamp: number, marker: boolean): void;
}

/** What {@link JitterBuffer.push} did with a packet. */
export const JitterPush = {
  released: 0,
  held: 1,
  duplicate: 2,
  late: 3,
  /** A jump the buffer cannot bridge: reset and push again. */
  restart: 4,
} as const;
export type JitterPushResult = (typeof JitterPush)[keyof typeof JitterPush];

/** Options of a {@link JitterBuffer}. */
export interface JitterOptions {
  /** How many packets ahead of a missing one may wait before it is declared lost (default 3). */
  depth?: number;
  /** How long a held packet waits for the missing ones (default 60 ms). */
  maxWaitMs?: number;
  /** A forward jump this large is a restart, not loss (default 3000, as RFC 3550). */
  maxDropout?: number;
  /** A backward jump this large is a restart, not a late packet (default 100). */
  maxMisorder?: number;
}

const HISTORY = 128;

/** The reorder window of one RTP source. Allocation-free after construction. */
export class JitterBuffer {
  private readonly depth: number;
  private readonly maxWaitMs: number;
  private readonly maxDropout: number;
  private readonly maxMisorder: number;
  private readonly cap: number;
  private readonly slotSeq: Int32Array;
  private readonly slotBuf: (Uint8Array | undefined)[];
  private readonly slotOff: Int32Array;
  private readonly slotLen: Int32Array;
  private readonly slotTs: Float64Array;
  private readonly slotMarker: Uint8Array;
  private readonly slotAt: Float64Array;
  /** Seq numbers recently released (to tell duplicates from late packets). */
  private readonly released = new Int32Array(HISTORY).fill(-1);
  private next = 0;
  private started = false;
  /** Packets waiting for a gap to fill. */
  held = 0;
  /** Sequence numbers given up on (concealed). */
  skipped = 0;

  constructor(
    private readonly out: JitterOutput,
    options: JitterOptions = {},
  ) {
    this.depth = Math.max(1, options.depth ?? 3);
    this.maxWaitMs = options.maxWaitMs ?? 60;
    this.maxDropout = options.maxDropout ?? 3000;
    this.maxMisorder = options.maxMisorder ?? 100;
    // A power of two, so slots stay distinct across the 16-bit wrap.
    let cap = 2;
    while (cap < this.depth + 1) cap *= 2;
    this.cap = cap;
    this.slotSeq = new Int32Array(this.cap).fill(-1);
    this.slotBuf = new Array<Uint8Array | undefined>(this.cap).fill(undefined);
    this.slotOff = new Int32Array(this.cap);
    this.slotLen = new Int32Array(this.cap);
    this.slotTs = new Float64Array(this.cap);
    this.slotMarker = new Uint8Array(this.cap);
    this.slotAt = new Float64Array(this.cap);
  }

  /** The sequence number the buffer waits for next. */
  get expected(): number {
    return this.next;
  }

  /** Offers one packet; releases whatever is now in order. */
  push(buf: Uint8Array, offset: number, length: number, seq: number, timestamp: number, marker: boolean, nowMs: number): JitterPushResult {
    if (!this.started) {
      this.started = true;
      this.next = seq;
    }
    const d = seqDelta(this.next, seq);
    if (d < 0) {
      if (d < -this.maxMisorder) return JitterPush.restart;
      return this.released[seq % HISTORY] === seq ? JitterPush.duplicate : JitterPush.late;
    }
    if (d >= this.maxDropout) return JitterPush.restart;
    if (d === 0) {
      this.release(seq, buf, offset, length, timestamp, marker);
      this.drain();
      return JitterPush.released;
    }
    if (d > this.depth) {
      // Beyond the window: give up on everything before it.
      while (seqDelta(this.next, seq) > 0) {
        if (!this.releaseSlot(this.next)) this.skip();
      }
      this.release(seq, buf, offset, length, timestamp, marker);
      this.drain();
      return JitterPush.released;
    }
    const slot = seq % this.cap;
    if (this.slotSeq[slot] === seq) return JitterPush.duplicate;
    this.slotSeq[slot] = seq;
    this.slotBuf[slot] = buf;
    this.slotOff[slot] = offset;
    this.slotLen[slot] = length;
    this.slotTs[slot] = timestamp;
    this.slotMarker[slot] = marker ? 1 : 0;
    this.slotAt[slot] = nowMs;
    this.held++;
    if (d === this.depth) {
      // The window is full: the missing packets are lost.
      this.skip();
      this.drain();
    }
    return JitterPush.held;
  }

  /** Gives up on gaps whose held packets have waited past `maxWaitMs`. */
  flushDue(nowMs: number): void {
    while (this.held > 0 && nowMs - this.oldestHeldAt() >= this.maxWaitMs) {
      this.skip();
      this.drain();
    }
  }

  /** Releases everything held, skipping the gaps (source going away). */
  flushAll(): void {
    while (this.held > 0) {
      this.skip();
      this.drain();
    }
  }

  /** Forgets all state (SSRC change or restart); held packets are dropped. */
  reset(): void {
    this.slotSeq.fill(-1);
    this.slotBuf.fill(undefined);
    this.released.fill(-1);
    this.held = 0;
    this.started = false;
  }

  private oldestHeldAt(): number {
    let t = Infinity;
    for (let i = 0; i < this.cap; i++) if (this.slotSeq[i]! >= 0 && this.slotAt[i]! < t) t = this.slotAt[i]!;
    return t;
  }

  private skip(): void {
    this.skipped++;
    this.released[this.next % HISTORY] = -1;
    this.next = (this.next + 1) & 0xffff;
  }

  private release(seq: number, buf: Uint8Array, offset: number, length: number, ts: number, marker: boolean): void {
    this.released[seq % HISTORY] = seq;
    this.next = (seq + 1) & 0xffff;
    this.out.onPacket(buf, offset, length, ts, marker);
  }

  private releaseSlot(seq: number): boolean {
    const slot = seq % this.cap;
    if (this.slotSeq[slot] !== seq) return false;
    const buf = this.slotBuf[slot]!;
    this.slotSeq[slot] = -1;
    this.slotBuf[slot] = undefined;
    this.held--;
    this.release(seq, buf, this.slotOff[slot]!, this.slotLen[slot]!, this.slotTs[slot]!, this.slotMarker[slot] === 1);
    return true;
  }

  private drain(): void {
    while (this.held > 0 && this.releaseSlot(this.next)) {
      // released in order
    }
  }
}

/**
 * Receive statistics of one RTP source as in RFC 3550 (A.1, A.3, A.8):
 * extended highest sequence number, expected and lost counts, interarrival jitter.
 */
export class RtpReceiveStats {
  packets = 0;
  bytes = 0;
  duplicate = 0;
  late = 0;
  /** Milliseconds of audio filled in for gaps. */
  concealedMs = 0;
  private baseSeq = -1;
  private cycles = 0;
  private maxSeq = 0;
  private received = 0;
  private jitter = 0;
  private lastArrival = 0;
  private lastTs = 0;
  private haveTransit = false;
  private lostBefore = 0;

  constructor(private readonly clockRate: number) {}

  /** Records a packet that was accepted (not a duplicate). */
  onPacket(seq: number, timestamp: number, bytes: number, arrivalMs: number): void {
    this.packets++;
    this.bytes += bytes;
    this.received++;
    if (this.baseSeq < 0) {
      this.baseSeq = seq;
      this.maxSeq = seq;
    } else {
      const d = seqDelta(this.maxSeq, seq);
      if (d > 0) {
        if (seq < this.maxSeq) this.cycles += 0x10000;
        this.maxSeq = seq;
      }
    }
    const arrival = (arrivalMs * this.clockRate) / 1000;
    if (this.haveTransit) {
      const d = arrival - this.lastArrival - tsDelta(this.lastTs, timestamp);
      this.jitter += (Math.abs(d) - this.jitter) / 16;
    }
    this.haveTransit = true;
    this.lastArrival = arrival;
    this.lastTs = timestamp;
  }

  onDuplicate(bytes: number): void {
    this.packets++;
    this.bytes += bytes;
    this.duplicate++;
  }

  onLate(bytes: number): void {
    this.packets++;
    this.bytes += bytes;
    this.late++;
    this.received++;
  }

  /** A sender restart: sequence accounting starts over (counts are kept). */
  restart(): void {
    this.lostBefore += this.lostNow();
    this.baseSeq = -1;
    this.cycles = 0;
    this.received = 0;
    this.haveTransit = false;
  }

  private lostNow(): number {
    if (this.baseSeq < 0) return 0;
    const expected = this.cycles + this.maxSeq - this.baseSeq + 1;
    return Math.max(0, expected - this.received);
  }

  /** Packets expected but never received (late ones count as received, as in RFC 3550). */
  get lost(): number {
    return this.lostBefore + this.lostNow();
  }

  /** Interarrival jitter in milliseconds. */
  get jitterMs(): number {
    return (this.jitter * 1000) / this.clockRate;
  }
}
