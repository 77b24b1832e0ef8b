import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { FRAME_SAMPLES, ULAW_TO_LINEAR } from './audio.js';

/** Payload types and frame sizes of the formats the simulator's ExternalMedia channels speak. */
export const RTP_FORMATS: Record<string, { pt: number; rate: number }> = {
  ulaw: { pt: 0, rate: 8000 },
  alaw: { pt: 8, rate: 8000 },
  slin: { pt: 118, rate: 8000 },
  slin16: { pt: 118, rate: 16000 },
};

/** Audio faults a test (or `dialerctl doctor`) can inject into the RTP the simulator sends. */
export interface RtpFaults {
  /** Send this payload type instead of the format's. */
  payloadType?: number;
  /** Send slin16 little-endian (Asterisk sends big-endian). */
  slin16LittleEndian?: boolean;
  /** Send slin16 frames at this rate (8000 makes a sample-rate mismatch). */
  slin16RateHz?: number;
  /** Send nothing at all. */
  mute?: boolean;
  /**
   * NAT between Asterisk and the gateway: new ExternalMedia channels report
   * this as UNICASTRTP_LOCAL_ADDRESS (and `reportedPort`, when given, as
   * UNICASTRTP_LOCAL_PORT) while their packets still leave from the real
   * socket, so the source the gateway sees differs from what Asterisk says.
   */
  reportedAddress?: string;
  reportedPort?: number;
}

/** Per-channel RTP counters, for assertions. */
export interface RtpStats {
  sent: number;
  sentBytes: number;
  received: number;
  receivedBytes: number;
  /** Where the last packet came from. */
  lastFrom?: string;
}

function alawFromLinear(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, sample));
  const sign = s >= 0 ? 0x80 : 0;
  if (s < 0) s = -s - 1;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = exponent === 0 ? (s >> 4) & 0x0f : (s >> (exponent + 3)) & 0x0f;
  return (sign | (exponent << 4) | mantissa) ^ 0x55;
}

/**
 * One ExternalMedia channel's RTP: a UDP socket Asterisk would own
 * (UNICASTRTP_LOCAL_ADDRESS/PORT), sending paced frames to `external_host`
 * and counting what comes back.
 */
export class SimRtpEndpoint {
  readonly stats: RtpStats = { sent: 0, sentBytes: 0, received: 0, receivedBytes: 0 };
  private readonly socket: Socket;
  private seq = randomInt(0, 65536);
  private ts = 0;
  private readonly ssrc = randomInt(1, 2 ** 31);
  private first = true;
  private closed = false;
  /** Received u-law payloads not yet consumed by the mixer (bounded). */
  private readonly inbox: Buffer[] = [];
  localPort = 0;

  private constructor(
    readonly localHost: string,
    private readonly remoteHost: string,
    private readonly remotePort: number,
    readonly format: string,
    private readonly faults: () => RtpFaults,
  ) {
    this.socket = createSocket('udp4');
  }

  static async open(localHost: string, remote: string, format: string, faults: () => RtpFaults): Promise<SimRtpEndpoint> {
    const i = remote.lastIndexOf(':');
    const e = new SimRtpEndpoint(localHost, remote.slice(0, i), Number(remote.slice(i + 1)), format, faults);
    await new Promise<void>((resolve, reject) => {
      e.socket.once('error', reject);
      e.socket.bind(0, localHost, () => {
        e.socket.off('error', reject);
        resolve();
      });
    });
    e.localPort = e.socket.address().port;
    e.socket.on('error', () => undefined);
    e.socket.on('message', (msg, rinfo) => e.onMessage(msg, rinfo.address, rinfo.port));
    return e;
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
    const cc = msg[0]! & 0x0f;
    let off = 12 + cc * 4;
    if (msg[0]! & 0x10) off += 4 + msg.readUInt16BE(off + 2) * 4;
    let end = msg.length;
    if (msg[0]! & 0x20) end -= msg[msg.length - 1]!;
    if (off > end) return;
    this.stats.received++;
    this.stats.receivedBytes += end - off;
    this.stats.lastFrom = `${address}:${port}`;
    if (this.format === 'ulaw' && this.inbox.length < 50) this.inbox.push(Buffer.from(msg.subarray(off, end)));
  }

  /** The next received u-law frame, if any (what the far end said back). */
  takeReceived(): Buffer | undefined {
    return this.inbox.shift();
  }

  /** Sends one 20 ms frame (given as u-law), converted to this channel's format. */
  sendUlawFrame(ulaw: Buffer): void {
    if (this.closed) return;
    const f = this.faults();
    if (f.mute) return;
    const fmt = RTP_FORMATS[this.format] ?? RTP_FORMATS['ulaw']!;
    let payload: Buffer;
    let samples = FRAME_SAMPLES;
    if (this.format === 'ulaw') payload = ulaw;
    else if (this.format === 'alaw') {
      payload = Buffer.alloc(FRAME_SAMPLES);
      for (let i = 0; i < FRAME_SAMPLES; i++) payload[i] = alawFromLinear(ULAW_TO_LINEAR[ulaw[i]!]!);
    } else {
      const rate = this.format === 'slin16' ? (f.slin16RateHz ?? 16000) : 8000;
      const factor = rate / 8000;
      samples = FRAME_SAMPLES * factor;
      payload = Buffer.alloc(samples * 2);
      for (let i = 0; i < samples; i++) {
        const v = ULAW_TO_LINEAR[ulaw[Math.floor(i / factor)]!]!;
        if (f.slin16LittleEndian) payload.writeInt16LE(v, i * 2);
        else payload.writeInt16BE(v, i * 2);
      }
    }
    this.ts = (this.ts + samples * (fmt.rate / (this.format === 'slin16' ? (f.slin16RateHz ?? 16000) : fmt.rate))) >>> 0;
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = (f.payloadType ?? fmt.pt) & 0x7f;
    header.writeUInt16BE(this.seq, 2);
    header.writeUInt32BE(this.ts, 4);
    header.writeUInt32BE(this.ssrc, 8);
    this.seq = (this.seq + 1) & 0xffff;
    this.first = false;
    const packet = Buffer.concat([header, payload]);
    this.stats.sent++;
    this.stats.sentBytes += payload.length;
    this.socket.send(packet, this.remotePort, this.remoteHost);
  }

  get started(): boolean {
    return !this.first;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }
}
