// The gateway's one RTP socket: every ExternalMedia leg sends here, and every
// leg's return audio leaves from here (so Asterisk sees the address it sent to).
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'pino';

/** Options of {@link bindRtpSocket}. */
export interface RtpSocketOptions {
  host: string;
  port: number;
  recvBufferBytes: number;
  log: Logger;
}

/** A bound RTP socket. */
export interface RtpSocket {
  readonly address: { host: string; port: number };
  /** The kernel's receive buffer, as it reports it. */
  readonly recvBufferBytes: number;
  send(buf: Buffer, length: number, port: number, host: string): void;
  close(): Promise<void>;
}

/** Binds the socket; `onPacket` gets every datagram with its source. */
export async function bindRtpSocket(
  o: RtpSocketOptions,
  onPacket: (buf: Buffer, address: string, port: number) => void,
): Promise<RtpSocket> {
  const s: Socket = createSocket({ type: o.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: o.recvBufferBytes });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(o.port, o.host, () => {
      s.off('error', reject);
      resolve();
    });
  });
  s.on('error', (err) => o.log.error({ err }, 'rtp socket error'));
  s.on('message', (msg, rinfo) => onPacket(msg, rinfo.address, rinfo.port));
  let recv = 0;
  try {
    recv = s.getRecvBufferSize();
  } catch {
    recv = 0;
  }
  // Linux reports twice what was granted; less than asked means net.core.rmem_max caps it.
  if (recv > 0 && recv < o.recvBufferBytes) {
    o.log.warn({ requested: o.recvBufferBytes, granted: recv }, 'rtp receive buffer capped by the kernel; raise net.core.rmem_max');
  }
  const a = s.address();
  let closed: Promise<void> | undefined;
  const onSendError = (err: Error | null): void => {
    if (err) o.log.debug({ err }, 'rtp send failed');
  };
  return {
    address: { host: a.address, port: a.port },
    recvBufferBytes: recv,
    send(buf, length, port, host) {
      if (closed) return;
      s.send(buf, 0, length, port, host, onSendError);
    },
    close() {
      closed ??= new Promise<void>((resolve) => s.close(() => resolve()));
      return closed;
    },
  };
}
