import WebSocket from 'ws';
import { backoffDelay, CloseGuard, DialerError, TypedEmitter, type Clock, type Logger, type TimerHandle } from '@dialer/core';
import type { AriClient } from '../ari/generated/client.js';
import type { AriEvent, AsteriskInfo } from '../ari/generated/models.js';
import { createAriClient, type AriEndpoint } from './ari-http.js';

/** Options for {@link AriConnection}. */
export interface AriConnectionOptions extends AriEndpoint {
  /** Server id, for logs and the store (`calls.asterisk_id`). */
  id: string;
  app: string;
  subscribeAll: boolean;
  log: Logger;
  clock: Clock;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Ping interval on the events socket; a missing pong within it ends the socket (default 15 s). */
  pingIntervalMs?: number;
  fetchImpl?: typeof fetch;
}

/** Events of an {@link AriConnection}. */
export type AriConnectionEvents = {
  /** The events socket is open (again): resync now. */
  connected: [AsteriskInfo];
  disconnected: [string];
  event: [AriEvent];
};

/**
 * One Asterisk server: the typed REST client plus the events WebSocket, kept
 * open with backoff. It logs one line when it starts waiting ("waiting for
 * Asterisk ARI at ..."), one when it connects and one when it loses the
 * connection; retries in between are quiet (debug).
 */
export class AriConnection extends TypedEmitter<AriConnectionEvents> {
  readonly client: AriClient;
  private ws: WebSocket | undefined;
  private attempt = 0;
  private timer: TimerHandle | undefined;
  private pingTimer: TimerHandle | undefined;
  private state: 'idle' | 'waiting' | 'connected' = 'idle';
  private lastError: string | undefined;
  private readonly guard = new CloseGuard('AriConnection');
  private started = false;

  constructor(private readonly o: AriConnectionOptions) {
    super({ onListenerError: (err, event) => o.log.error({ err, event }, 'ARI event handler failed') });
    this.client = createAriClient({ url: o.url, username: o.username, password: o.password, ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}) });
  }

  get id(): string {
    return this.o.id;
  }

  get url(): string {
    return this.o.url;
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  start(): void {
    this.guard.assertOpen();
    if (this.started) return;
    this.started = true;
    void this.tick();
  }

  private wsUrl(): string {
    const u = new URL(this.o.url.replace(/\/+$/, '') + '/ari/events');
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('app', this.o.app);
    if (this.o.subscribeAll) u.searchParams.set('subscribeAll', 'true');
    return u.toString();
  }

  /** Probes `GET /asterisk/info`, then opens the events socket; resolves once it is open. */
  private async connectOnce(): Promise<AsteriskInfo> {
    const info = await this.client.asterisk.getInfo();
    const headers: Record<string, string> = {};
    if (this.o.password !== undefined) headers['authorization'] = `Basic ${Buffer.from(`${this.o.username}:${this.o.password}`).toString('base64')}`;
    const ws = new WebSocket(this.wsUrl(), { headers, handshakeTimeout: 5000 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        reject(
          status === 401
            ? new DialerError('DIALER_ERR_ARI_AUTH', 'ARI rejected the credentials (401); check ARI_USERNAME/ARI_PASSWORD')
            : new DialerError('DIALER_ERR_ARI_UNREACHABLE', `ARI events socket answered ${status}`, { details: { status } }),
        );
      });
      ws.once('error', (err) => reject(new DialerError('DIALER_ERR_ARI_UNREACHABLE', `ARI events socket failed (${(err as { code?: string }).code ?? err.message})`, { cause: err })));
    });
    this.ws = ws;
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('pong', () => {
      (ws as WebSocket & { alive?: boolean }).alive = true;
    });
    ws.on('error', () => undefined);
    ws.once('close', (code) => this.onClose(ws, `events socket closed (${code})`));
    return info;
  }

  private onMessage(text: string): void {
    let e: AriEvent;
    try {
      e = JSON.parse(text) as AriEvent;
    } catch {
      this.o.log.warn({ server: this.o.id }, 'dropped an ARI event that is not JSON');
      return;
    }
    if (typeof (e as { type?: unknown }).type !== 'string') return;
    this.emit('event', e);
  }

  private onClose(ws: WebSocket, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.o.clock.clearInterval(this.pingTimer);
    if (this.guard.closed) return;
    if (this.state === 'connected') {
      this.o.log.warn({ server: this.o.id, url: this.o.url, reason }, 'lost Asterisk ARI; reconnecting');
      this.state = 'waiting';
      this.emit('disconnected', reason);
    }
    this.attempt = 0;
    this.schedule(backoffDelay(this.attempt++, this.backoff()));
  }

  private backoff(): { initialMs: number; maxMs: number; jitter: number } {
    return { initialMs: this.o.initialDelayMs ?? 1000, maxMs: this.o.maxDelayMs ?? 30_000, jitter: 0.2 };
  }

  private startPing(ws: WebSocket): void {
    const every = this.o.pingIntervalMs ?? 15_000;
    const w = ws as WebSocket & { alive?: boolean };
    w.alive = true;
    this.pingTimer = this.o.clock.setInterval(() => {
      if (!w.alive) {
        ws.terminate();
        return;
      }
      w.alive = false;
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }, every);
  }

  private async tick(): Promise<void> {
    if (this.guard.closed) return;
    try {
      const info = await this.connectOnce();
      if (this.guard.closed) {
        this.ws?.close();
        return;
      }
      this.attempt = 0;
      this.lastError = undefined;
      this.state = 'connected';
      this.o.log.info({ server: this.o.id, url: this.o.url, version: info.system?.version }, 'connected to Asterisk ARI');
      if (this.ws) this.startPing(this.ws);
      this.emit('connected', info);
    } catch (err) {
      if (this.guard.closed) return;
      const reason = (err as Error).message;
      if (this.state === 'idle' || reason !== this.lastError) {
        this.o.log.warn({ server: this.o.id, url: this.o.url, reason }, `waiting for Asterisk ARI at ${this.o.url}`);
      } else {
        this.o.log.debug({ server: this.o.id, reason, attempt: this.attempt }, 'ARI still unreachable');
      }
      this.state = 'waiting';
      this.lastError = reason;
      this.schedule(backoffDelay(this.attempt++, this.backoff()));
    }
  }

  private schedule(ms: number): void {
    if (this.guard.closed) return;
    this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(() => void this.tick(), ms);
  }

  /** Closes the socket and stops retrying. Idempotent. */
  close(): void {
    if (!this.guard.markClosed()) return;
    this.o.clock.clearTimeout(this.timer);
    this.o.clock.clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = undefined;
    this.state = 'idle';
    ws?.close(1000);
    this.removeAllListeners();
  }
}
