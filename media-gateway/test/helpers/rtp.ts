// A test RTP sender: a real UDP socket playing packets to the gateway.
import { createSocket, type Socket } from 'node:dgram';
import { loadConfig, writeRtp } from '@dialer/core';
import { mediaSection, type MediaConfig } from '@dialer/media-gateway';

/** The gateway's settings from defaults plus `env`, on ephemeral ports. */
export function mediaConfig(env: Record<string, string> = {}): MediaConfig {
  return loadConfig([mediaSection], { env: { MEDIA_RTP_PORT: '0', MEDIA_METRICS_PORT: '0', ...env }, argv: [] }).media;
}

/** A bound UDP socket that plays RTP. */
export class RtpPeer {
  readonly socket: Socket;
  seq: number;
  ts: number;
  readonly received: Buffer[] = [];

  private constructor(socket: Socket, readonly ssrc: number) {
    this.socket = socket;
    this.seq = 1000;
    this.ts = 160;
    socket.on('message', (m) => this.received.push(m));
  }

  static async open(ssrc = 0x11223344): Promise<RtpPeer> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new RtpPeer(s, ssrc);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Builds one packet. */
  packet(payload: Uint8Array, o: { seq?: number; ts?: number; ssrc?: number; pt?: number; marker?: boolean } = {}): Buffer {
    const buf = Buffer.alloc(12 + payload.length);
    writeRtp(buf, { payloadType: o.pt ?? 0, sequence: o.seq ?? this.seq, timestamp: o.ts ?? this.ts, ssrc: o.ssrc ?? this.ssrc, marker: o.marker ?? false }, payload);
    return buf;
  }

  send(buf: Uint8Array, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(buf, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }

  /** Sends `payload` as the next packet in sequence. */
  async next(payload: Uint8Array, port: number, o: { pt?: number } = {}): Promise<void> {
    await this.send(this.packet(payload, o), port);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + payload.length) >>> 0;
  }

  close(): void {
    this.socket.close();
  }
}
