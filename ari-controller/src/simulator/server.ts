import type { Logger } from '@dialer/core';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AriOperationId } from '../ari/generated/operations.js';
import type { SimReply } from './dialplan.js';
import type { EventConnection, EventHub } from './hub.js';
import { matchRoute, missingRequired, validateParams } from './validate.js';
import { SELF_CHECKED } from './api.js';
import { moduleOf } from './modules.js';

/** One REST request the simulator answered, for assertions. */
export interface SimRequestLog {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly op: AriOperationId | undefined;
  readonly status: number;
  readonly at: number;
}

/** An injected failure: the next matching requests get this reply instead of being handled. */
export interface InjectedFailure {
  readonly op?: AriOperationId;
  readonly method?: string;
  readonly path?: RegExp;
  readonly reply: SimReply;
  times: number;
}

/** What the HTTP layer needs from the simulator. */
export interface SimServerHooks {
  readonly log: Logger;
  readonly hub: EventHub;
  users(): Record<string, string>;
  handle(op: AriOperationId, params: Record<string, unknown>): Promise<SimReply>;
  control(method: string, path: string, query: URLSearchParams, body: unknown): Promise<SimReply | undefined>;
  latencyMs(): number;
  refuseWebSockets(): boolean;
  /** Whether a module is running: the ARI resources of one that is not answer 404, as if never registered. */
  moduleRunning(module: string): boolean;
  /** Asterisk's wall clock, for the `Date` header (an injected clock offset shows here). */
  now(): number;
  takeFailure(op: AriOperationId | undefined, method: string, path: string): SimReply | undefined;
  recordRequest(r: SimRequestLog): void;
  recordViolation(v: string): void;
}

const AUTH_REQUIRED: SimReply = { status: 401, body: { message: 'Authentication required' } };

/** The HTTP and WebSocket front of the simulated Asterisk (`/ari/...`, `/ari/events`, and `/sim/...` controls). */
export class SimServer {
  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private readonly raw = new Set<Duplex>();
  port = 0;

  constructor(
    private readonly h: SimServerHooks,
    readonly host: string,
  ) {}

  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    server.on('connection', (s) => {
      this.raw.add(s);
      s.on('close', () => this.raw.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
  }

  /** Drops every events WebSocket without a close frame (a network failure). */
  dropWebSockets(): void {
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
  }

  /** Stops listening and cuts every connection. */
  async close(): Promise<void> {
    this.dropWebSockets();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const sock of this.raw) sock.destroy();
    this.raw.clear();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private authorised(req: IncomingMessage, query: URLSearchParams): boolean {
    const users = this.h.users();
    let user: string | undefined;
    let pass: string | undefined;
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString();
      const i = decoded.indexOf(':');
      user = decoded.slice(0, i);
      pass = decoded.slice(i + 1);
    } else if (query.get('api_key')) {
      const key = query.get('api_key')!;
      const i = key.indexOf(':');
      user = key.slice(0, i);
      pass = key.slice(i + 1);
    }
    return user !== undefined && users[user] !== undefined && users[user] === pass;
  }

  private send(res: ServerResponse, reply: SimReply): void {
    // Asterisk's own clock: a skewed one shows in the Date header, as it would for a real server.
    const headers: Record<string, string> = { date: new Date(this.h.now()).toUTCString() };
    if (reply.status === 401) headers['www-authenticate'] = 'Basic realm="Asterisk REST Interface"';
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    headers['content-type'] = 'application/json';
    res.writeHead(reply.status, headers).end(JSON.stringify(reply.body));
  }

  private async readBody(req: IncomingMessage): Promise<{ body?: Record<string, unknown>; bad?: boolean }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    if (text.trim() === '') return {};
    try {
      const parsed = JSON.parse(text) as unknown;
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? { body: parsed as Record<string, unknown> } : { bad: true };
    } catch {
      return { bad: true };
    }
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    const query = url.searchParams;
    let op: AriOperationId | undefined;
    let reply: SimReply;
    try {
      const lat = this.h.latencyMs();
      if (lat > 0) await new Promise((r) => setTimeout(r, lat));
      const { body, bad } = await this.readBody(req);
      if (!this.authorised(req, query)) reply = AUTH_REQUIRED;
      else if (url.pathname.startsWith('/sim/')) reply = (await this.h.control(method, url.pathname, query, body)) ?? { status: 404, body: { message: 'Resource not found' } };
      else if (!url.pathname.startsWith('/ari/')) reply = { status: 404, body: { message: 'Resource not found' } };
      else if (bad) reply = { status: 400, body: { message: 'Failed to parse the request body' } };
      else {
        const path = url.pathname.slice(4);
        const m = matchRoute(method, path);
        const module = 'status' in m ? undefined : moduleOf(m.id);
        if ('status' in m) {
          reply = m.status === 404 ? { status: 404, body: { message: 'Resource not found' } } : { status: 405, body: { message: 'Method Not Allowed' } };
        } else if (module && !this.h.moduleRunning(module)) {
          reply = { status: 404, body: { message: 'Resource not found' } };
        } else {
          op = m.id;
          const v = validateParams(m, query, body);
          for (const u of v.unknown) this.h.recordViolation(`${method} ${path}: unknown parameter ${u}`);
          const injected = this.h.takeFailure(op, method, path);
          if (injected) reply = injected;
          else if (v.problem) reply = { status: v.problem.status, body: { message: v.problem.message } };
          else {
            const missing = SELF_CHECKED.has(op) ? [] : missingRequired(m, v.params);
            reply = missing.length > 0 ? { status: 400, body: { message: `Missing parameter ${missing[0]}` } } : await this.h.handle(op, v.params);
          }
        }
      }
    } catch (err) {
      this.h.log.error({ err }, 'simulator request failed');
      reply = { status: 500, body: { message: 'An internal error prevented this request from being handled' } };
    }
    this.h.recordRequest({ method, path: url.pathname, query: Object.fromEntries(query), op, status: reply.status, at: Date.now() });
    this.send(res, reply);
  }

  private reject(socket: Duplex, status: number, message: string): void {
    const body = JSON.stringify({ message });
    const extra = status === 401 ? 'WWW-Authenticate: Basic realm="Asterisk REST Interface"\r\n' : '';
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 503 ? 'Service Unavailable' : status === 404 ? 'Not Found' : 'Bad Request'}\r\nDate: ${new Date(this.h.now()).toUTCString()}\r\n${extra}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    const query = url.searchParams;
    if (url.pathname !== '/ari/events' || !this.h.moduleRunning('res_ari_events.so')) return this.reject(socket, 404, 'Resource not found');
    if (!this.authorised(req, query)) {
      this.h.recordRequest({ method: 'GET', path: url.pathname, query: Object.fromEntries(query), op: 'events.eventWebsocket', status: 401, at: Date.now() });
      return this.reject(socket, 401, 'Authentication required');
    }
    if (this.h.refuseWebSockets()) return this.reject(socket, 503, 'Service Unavailable');
    const apps = (query.get('app') ?? '').split(',').filter(Boolean);
    if (apps.length === 0) return this.reject(socket, 400, "Missing param 'app'");
    const subscribeAll = query.get('subscribeAll') === 'true';
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.add(ws);
      // A second socket for an app replaces the first (ApplicationReplaced).
      for (const other of [...this.h.hub.connections]) {
        if (other.apps.some((a) => apps.includes(a))) {
          other.send(JSON.stringify({ type: 'ApplicationReplaced', timestamp: new Date(this.h.now()).toISOString(), application: apps[0] }));
          (other as EventConnection & { close?: () => void }).close?.();
        }
      }
      const conn: EventConnection & { close: () => void } = {
        apps,
        subscribeAll,
        send: (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text);
        },
        close: () => {
          this.h.hub.remove(conn);
          ws.close(1000);
        },
      };
      this.h.hub.add(conn);
      ws.on('close', () => {
        this.sockets.delete(ws);
        this.h.hub.remove(conn);
      });
      ws.on('error', () => undefined);
    });
  }
}
