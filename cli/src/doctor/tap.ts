import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { createRtpHeader, parseRtp, RtpParse } from '@dialer/core';
import type { TapPacket } from './audio.js';

/**
 * A UDP socket standing in for the media gateway during the test call: it
 * receives what Asterisk sends to the ExternalMedia host and keeps the first
 * `max` packets for analysis.
 */
export class RtpTap {
  readonly packets: TapPacket[] = [];
  /** Datagrams that were not RTP. */
  malformed = 0;
  private readonly header = createRtpHeader();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly max: number,
  ) {
    socket.on('message', (msg, rinfo) => this.onMessage(msg, `${rinfo.address}:${rinfo.port}`));
    socket.on('error', () => undefined);
  }

  /** Binds `host:port` (port 0: any free port). Rejects with the bind error (EADDRINUSE, EADDRNOTAVAIL). */
  static async open(host: string, port: number, max = 1000): Promise<RtpTap> {
    const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RtpTap(socket, max);
  }

  get port(): number {
    return this.socket.address().port;
  }

  private onMessage(msg: Buffer, from: string): void {
    if (this.packets.length >= this.max) return;
    if (parseRtp(msg, this.header) !== RtpParse.ok) {
      this.malformed++;
      return;
    }
    const h = this.header;
    this.packets.push({
      pt: h.payloadType,
      seq: h.sequence,
      ts: h.timestamp,
      ssrc: h.ssrc,
      // Monotonic: arrival intervals must not jump with the wall clock.
      at: performance.now(),
      from,
      payload: Buffer.from(msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)),
    });
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

/** Whether a UDP port can be bound on `host` now: free, in use (something listens), or the address is not local. */
export async function probeUdpBind(host: string, port: number): Promise<'free' | 'in-use' | 'not-local' | 'error'> {
  try {
    const tap = await RtpTap.open(host, port, 0);
    tap.close();
    return 'free';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') return 'in-use';
    if (code === 'EADDRNOTAVAIL' || code === 'EINVAL') return 'not-local';
    return 'error';
  }
}
