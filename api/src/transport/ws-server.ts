import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { isDialerError, type Store } from '@dialer/core';
import type { Principal } from '../auth/principal.js';
import type { SessionService } from '../auth/sessions.js';
import { Access } from '../http/access.js';
import type { HubClient, RealtimeHub } from '../realtime/hub.js';
import { authorizeTopic } from '../realtime/topics.js';

/** Close codes the server uses. */
export const WS_CLOSE = {
  goingAway: 1001,
  policy: 1008,
  /** Application range: the client fell too far behind; reconnect and resume. */
  slowConsumer: 4008,
} as const;

const SEND_OPTS = { binary: false } as const;
const MAX_TOPICS = 500;

class WsClient implements HubClient {
  readonly keys = new Set<string>();
  readonly topics = new Map<string, string[]>();
  mark = -1;
  alive = true;
  constructor(
    readonly ws: WebSocket,
    readonly principal: Principal,
  ) {}
  get tenantId(): string {
    return this.principal.tenantId;
  }
  send(frame: Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame, SEND_OPTS);
  }
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
  drop(reason: 'slow_consumer' | 'heartbeat' | 'shutdown'): void {
    if (reason === 'shutdown') {
      this.ws.close(WS_CLOSE.goingAway, 'server shutting down; reconnect');
      // A client that does not answer the close handshake is cut off shortly after.
      setTimeout(() => this.ws.terminate(), 1000).unref();
    } else if (reason === 'slow_consumer') {
      // The close frame waits behind the backlog: a client that catches up reads 4008, one that does not is cut off.
      this.ws.close(WS_CLOSE.slowConsumer, 'too slow; reconnect and resume');
      setTimeout(() => this.ws.terminate(), 1000).unref();
    } else {
      this.ws.terminate();
    }
  }
  control(obj: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(obj));
  }
}

/** What {@link attachWebSocketServer} needs. */
export interface WsDeps {
  server: Server;
  path: string;
  hub: RealtimeHub;
  sessions: SessionService;
  store: Store;
  log: Logger;
  heartbeatMs: number;
  isDraining: () => boolean;
  onCount?: (n: number) => void;
  onDropped?: (reason: string) => void;
}

/** The WebSocket endpoint: `GET <path>?token=<single-use ws token>`, then JSON ops. */
export interface WsEndpoint {
  /** Closes every client with 1001 (going away) and stops accepting new ones. */
  close(): Promise<void>;
  readonly clients: number;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

/**
 * Protocol (every frame JSON text):
 * - server → client: `{"type":"hello","stream","seq"}` on connect; events as
 *   `{"seq":n,"msg":<core message>}`; replies `{"type":"subscribed"|"unsubscribed"|"resumed"|"resync"|"error"|"pong",...}`.
 * - client → server: `{"op":"subscribe","topics":[...],"resume"?:{"stream","seq"}|{"lastId"}}`,
 *   `{"op":"unsubscribe","topics":[...]}`, `{"op":"ping"}`.
 */
export function attachWebSocketServer(d: WsDeps): WsEndpoint {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024, clientTracking: false });
  const clients = new Set<WsClient>();
  let closed = false;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== d.path) return reject(socket, 404, 'Not Found');
    if (closed || d.isDraining()) return reject(socket, 503, 'Service Unavailable');
    const token = url.searchParams.get('token');
    if (!token) return reject(socket, 401, 'Unauthorized');
    d.sessions.consumeWsToken(token).then(
      (principal) => {
        if (closed) return reject(socket, 503, 'Service Unavailable');
        wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, principal));
      },
      () => reject(socket, 401, 'Unauthorized'),
    );
  };

  const onConnection = (ws: WebSocket, principal: Principal): void => {
    const c = new WsClient(ws, principal);
    clients.add(c);
    d.hub.add(c);
    d.onCount?.(clients.size);
    const access = new Access(principal, d.store.tenant(principal.tenantId));
    const log = d.log.child({ tenantId: principal.tenantId, role: principal.role });
    // Ops run one at a time per client, so a resume never races its subscribe.
    let chain: Promise<void> = Promise.resolve();
    ws.on('pong', () => {
      c.alive = true;
    });
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      chain = chain.then(() => handle(c, access, raw, isBinary)).catch((err: unknown) => log.warn({ err }, 'websocket op failed'));
    });
    ws.on('close', () => {
      clients.delete(c);
      d.hub.remove(c);
      d.onCount?.(clients.size);
    });
    ws.on('error', (err) => log.debug({ err }, 'websocket error'));
    c.control({ type: 'hello', stream: d.hub.stream, seq: d.hub.lastSeq, heartbeatS: Math.round(d.heartbeatMs / 1000) });
  };

  const handle = async (c: WsClient, access: Access, raw: RawData, isBinary: boolean): Promise<void> => {
    let op: { op?: unknown; topics?: unknown; resume?: unknown; id?: unknown };
    try {
      if (isBinary) throw new Error('binary');
      op = JSON.parse(raw.toString()) as typeof op;
      if (op === null || typeof op !== 'object') throw new Error('not an object');
    } catch {
      c.control({ type: 'error', error: { code: 'DIALER_ERR_VALIDATION', message: 'frames must be JSON objects', retryable: false } });
      return;
    }
    const reqId = typeof op.id === 'string' || typeof op.id === 'number' ? op.id : undefined;
    const topics = Array.isArray(op.topics) ? op.topics.filter((t): t is string => typeof t === 'string').slice(0, 100) : [];
    switch (op.op) {
      case 'ping':
        c.control({ type: 'pong', id: reqId, seq: d.hub.lastSeq });
        return;
      case 'subscribe': {
        const ok: string[] = [];
        const denied: { topic: string; error: unknown }[] = [];
        for (const t of topics) {
          if (c.topics.has(t)) {
            ok.push(t);
            continue;
          }
          if (c.keys.size >= MAX_TOPICS) {
            denied.push({ topic: t, error: { code: 'DIALER_ERR_RATE_LIMITED', message: `at most ${MAX_TOPICS} topics per connection`, retryable: false } });
            continue;
          }
          try {
            const keys = await authorizeTopic(t, access, d.hub.calls);
            c.topics.set(t, keys);
            d.hub.subscribe(c, keys);
            ok.push(t);
          } catch (err) {
            denied.push({ topic: t, error: isDialerError(err) ? err.toJSON() : { code: 'DIALER_ERR_INTERNAL', message: 'Internal error', retryable: false } });
          }
        }
        c.control({ type: 'subscribed', id: reqId, topics: ok, denied, seq: d.hub.lastSeq });
        const r = op.resume as { stream?: unknown; seq?: unknown; lastId?: unknown } | undefined;
        if (r && typeof r === 'object') {
          const res = d.hub.resume(c, {
            stream: typeof r.stream === 'string' ? r.stream : undefined,
            seq: typeof r.seq === 'number' ? r.seq : undefined,
            lastId: typeof r.lastId === 'string' ? r.lastId : undefined,
          });
          c.control(res.ok ? { type: 'resumed', id: reqId, replayed: res.replayed, seq: d.hub.lastSeq } : { type: 'resync', id: reqId, reason: res.reason, seq: d.hub.lastSeq });
        }
        return;
      }
      case 'unsubscribe': {
        for (const t of topics) {
          const keys = c.topics.get(t);
          if (!keys) continue;
          c.topics.delete(t);
          // A key shared with another topic stays.
          const still = new Set([...c.topics.values()].flat());
          d.hub.unsubscribe(c, keys.filter((k) => !still.has(k)));
        }
        c.control({ type: 'unsubscribed', id: reqId, topics });
        return;
      }
      default:
        c.control({ type: 'error', id: reqId, error: { code: 'DIALER_ERR_VALIDATION', message: 'op must be subscribe, unsubscribe or ping', retryable: false } });
    }
  };

  const beat = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) {
        d.onDropped?.('heartbeat');
        d.hub.remove(c);
        c.drop('heartbeat');
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, d.heartbeatMs);
  beat.unref();

  d.server.on('upgrade', onUpgrade);

  return {
    get clients() {
      return clients.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(beat);
      d.server.off('upgrade', onUpgrade);
      const waiting = [...clients].map((c) => new Promise<void>((r) => (c.ws.readyState === WebSocket.CLOSED ? r() : c.ws.once('close', () => r()))));
      for (const c of clients) d.onDropped?.('shutdown');
      d.hub.dropAll('shutdown');
      await Promise.race([Promise.all(waiting), new Promise((r) => setTimeout(r, 1500).unref())]);
      wss.close();
    },
  };
}
