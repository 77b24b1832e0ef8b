import { execFileSync } from 'node:child_process';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';

/** A self-signed certificate for 127.0.0.1, generated with openssl once per run. */
export function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const dir = join(tmpdir(), `dialer-stt-tls-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  if (!existsSync(cert)) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  }
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

/** What a fake decides about an upgrade: accept, or refuse with an HTTP status. */
export type UpgradeDecision = { accept: true } | { accept: false; status: number };

/**
 * A local HTTP(S) server for vendor fakes: WebSocket upgrades (with an auth
 * check the fake decides) and plain requests. `kill()` drops every connection
 * at once and stops listening, like a vendor node dying.
 */
export class FakeServer {
  readonly server: Server;
  readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly o: {
      tls?: boolean;
      upgrade?: (req: IncomingMessage) => UpgradeDecision;
      onSocket?: (ws: WebSocket, req: IncomingMessage) => void;
      onRequest?: (req: IncomingMessage, res: ServerResponse) => void;
    },
  ) {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      if (o.onRequest) o.onRequest(req, res);
      else res.writeHead(404).end();
    };
    this.server = o.tls ? createHttps(selfSignedCert(), handler) : createHttp(handler);
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      const d = o.upgrade ? o.upgrade(req) : { accept: true as const };
      if (!d.accept) {
        socket.end(`HTTP/1.1 ${d.status} Refused\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => o.onSocket?.(ws, req));
    });
  }

  async start(port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** Drops every connection (no close frame) and stops listening. */
  async kill(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.close(1001, 'server going away');
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }
}
