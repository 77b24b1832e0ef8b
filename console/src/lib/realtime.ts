import type { AnyMessage } from '@dialer/core';
import { DEFAULT_BACKOFF, Reconnector, realTimers, type BackoffOptions, type Timers } from './backoff.js';
import { Emitter } from './events.js';

/** The subset of the browser WebSocket the client uses (a fake implements it in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** Connection status, as the status bar shows it. */
export type RealtimeStatus = 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface RealtimeEvents extends Record<string, unknown[]> {
  status: [RealtimeStatus];
  message: [AnyMessage];
  /** Connected, and either first connect or the server could not replay what was missed: reload state over REST. */
  resync: [reason: string];
  /** Reconnected and caught up: `replayed` frames were delivered again. */
  resumed: [replayed: number];
  /** Topics the server refused. */
  denied: [{ topic: string; error: { code: string; message: string } }[]];
  /** The credentials are no longer accepted (the login ended). */
  unauthorized: [];
}

/** Settings of {@link RealtimeClient}. */
export interface RealtimeOptions {
  /** Fetches a single-use WebSocket token (throws `{ status: 401 }`-like errors when logged out). */
  getToken: () => Promise<string>;
  /** Builds the socket URL for a token. */
  url: (token: string) => string;
  createSocket: (url: string) => SocketLike;
  timers?: Timers;
  /** How often the client pings; a connection silent for 3 pings is treated as dead. */
  pingMs?: number;
  backoff?: BackoffOptions & { stableMs: number };
  random?: () => number;
  isUnauthorized?: (err: unknown) => boolean;
  now?: () => number;
}

const OPEN = 1;
const SEEN_MAX = 4096;

interface Frame {
  type?: string;
  seq?: number;
  msg?: AnyMessage;
  stream?: string;
  id?: unknown;
  topics?: string[];
  denied?: { topic: string; error: { code: string; message: string } }[];
  replayed?: number;
  reason?: string;
}

/**
 * The console's WebSocket: subscribes to topics, reconnects with backoff when
 * the link drops, and resumes from the last sequence number it saw so that
 * nothing is lost over a short outage (or asks the app to reload when the
 * server cannot replay). A silent connection (a dead network path, where no
 * close event ever comes) is detected with pings.
 */
export class RealtimeClient extends Emitter<RealtimeEvents> {
  private socket: SocketLike | undefined;
  private readonly topics = new Set<string>();
  private stream: string | undefined;
  private seq = -1;
  private lastId: string | undefined;
  private readonly seen = new Set<string>();
  private readonly reconnector: Reconnector;
  private readonly timers: Timers;
  private pingTimer: unknown;
  private lastFrameAt = 0;
  private nextReqId = 1;
  private everOpened = false;
  private statusValue: RealtimeStatus = 'stopped';
  private started = false;
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly o: RealtimeOptions) {
    super();
    this.timers = o.timers ?? realTimers;
    this.now = o.now ?? (() => Date.now());
    this.reconnector = new Reconnector(() => void this.connect(), this.timers, o.backoff ?? { ...DEFAULT_BACKOFF, stableMs: 10_000 }, o.random);
  }

  get status(): RealtimeStatus {
    return this.statusValue;
  }

  /** Last position seen, for diagnostics and tests. */
  get position(): { stream: string | undefined; seq: number } {
    return { stream: this.stream, seq: this.seq };
  }

  private setStatus(s: RealtimeStatus): void {
    if (s === this.statusValue) return;
    this.statusValue = s;
    this.emit('status', s);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.connect();
  }

  /** Follows more topics (sent at once when connected, and again after every reconnect). */
  subscribe(topics: string[]): void {
    const fresh = topics.filter((t) => !this.topics.has(t));
    for (const t of fresh) this.topics.add(t);
    if (fresh.length > 0 && this.socket?.readyState === OPEN) this.send({ op: 'subscribe', id: this.nextReqId++, topics: fresh });
  }

  unsubscribe(topics: string[]): void {
    const gone = topics.filter((t) => this.topics.delete(t));
    if (gone.length > 0 && this.socket?.readyState === OPEN) this.send({ op: 'unsubscribe', id: this.nextReqId++, topics: gone });
  }

  /** The browser says the network is back: try now instead of waiting out the backoff. */
  retryNow(): void {
    if (!this.started || this.statusValue === 'open') return;
    this.reconnector.now();
  }

  /** Treats the connection as lost (the browser went offline): reconnect when possible. */
  dropped(): void {
    if (!this.started || !this.socket) return;
    this.onLost();
  }

  private send(obj: unknown): void {
    try {
      this.socket?.send(JSON.stringify(obj));
    } catch {
      // A send on a socket that is closing: its close handler reconnects.
    }
  }

  private async connect(): Promise<void> {
    if (!this.started) return;
    const gen = ++this.generation;
    this.setStatus(this.everOpened ? 'reconnecting' : 'connecting');
    let token: string;
    try {
      token = await this.o.getToken();
    } catch (err) {
      if (gen !== this.generation || !this.started) return;
      if (this.o.isUnauthorized?.(err)) {
        this.stop();
        this.emit('unauthorized');
        return;
      }
      this.reconnector.schedule();
      return;
    }
    if (gen !== this.generation || !this.started) return;
    let ws: SocketLike;
    try {
      ws = this.o.createSocket(this.o.url(token));
    } catch {
      this.reconnector.schedule();
      return;
    }
    this.socket = ws;
    ws.onopen = () => {
      this.lastFrameAt = this.now();
      this.startPings(ws);
    };
    ws.onmessage = (ev) => {
      if (ws !== this.socket) return;
      this.lastFrameAt = this.now();
      this.onFrame(ws, ev.data);
    };
    ws.onerror = () => {
      // Always followed by a close event.
    };
    ws.onclose = () => {
      if (ws !== this.socket) return;
      this.onLost();
    };
  }

  private onLost(): void {
    const ws = this.socket;
    this.socket = undefined;
    this.stopPings();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(4000, 'client reconnecting');
      } catch {
        // already closed
      }
    }
    this.reconnector.disconnected();
    if (!this.started) return;
    this.setStatus(this.everOpened ? 'reconnecting' : 'connecting');
    this.reconnector.schedule();
  }

  private onFrame(ws: SocketLike, data: unknown): void {
    let f: Frame;
    try {
      f = JSON.parse(String(data)) as Frame;
    } catch {
      return;
    }
    if (f.type === 'hello') return this.onHello(ws, f);
    if (f.msg && typeof f.seq === 'number') {
      if (this.seen.has(f.msg.id)) return;
      this.remember(f.msg.id);
      if (f.seq > this.seq) this.seq = f.seq;
      this.lastId = f.msg.id;
      this.emit('message', f.msg);
      return;
    }
    switch (f.type) {
      case 'subscribed':
        if (f.denied && f.denied.length > 0) this.emit('denied', f.denied);
        return;
      case 'resumed':
        this.emit('resumed', f.replayed ?? 0);
        return;
      case 'resync':
        this.emit('resync', f.reason ?? 'resync');
        return;
      default:
        return;
    }
  }

  private onHello(ws: SocketLike, f: Frame): void {
    if (ws !== this.socket) return;
    const first = !this.everOpened;
    const helloSeq = typeof f.seq === 'number' ? f.seq : 0;
    let resume: { stream: string; seq: number } | { lastId: string } | undefined;
    if (!first && f.stream !== undefined && f.stream === this.stream && this.seq >= 0) resume = { stream: f.stream, seq: this.seq };
    else if (!first && this.lastId !== undefined) resume = { lastId: this.lastId };
    if (!resume || f.stream !== this.stream) {
      // A new numbering (first connect, another node, or a restarted one): message ids still dedupe.
      this.stream = f.stream;
      this.seq = helloSeq;
    }
    this.everOpened = true;
    this.setStatus('open');
    this.reconnector.connected();
    const topics = [...this.topics];
    if (topics.length > 0) this.send(resume ? { op: 'subscribe', id: this.nextReqId++, topics, resume } : { op: 'subscribe', id: this.nextReqId++, topics });
    // Without a position to resume from, the app reloads its state (on the first connect, this is the initial load).
    if (!resume) this.emit('resync', first ? 'initial' : 'no position to resume from');
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_MAX) {
      const first = this.seen.values().next().value;
      if (first !== undefined) this.seen.delete(first);
    }
  }

  private startPings(ws: SocketLike): void {
    this.stopPings();
    const every = this.o.pingMs ?? 10_000;
    const tick = (): void => {
      if (ws !== this.socket) return;
      if (this.now() - this.lastFrameAt > every * 3) {
        this.onLost();
        return;
      }
      this.send({ op: 'ping', id: this.nextReqId++ });
      this.pingTimer = this.timers.setTimeout(tick, every);
    };
    this.pingTimer = this.timers.setTimeout(tick, every);
  }

  private stopPings(): void {
    if (this.pingTimer !== undefined) this.timers.clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
  }

  /** Closes the connection for good (logout). */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.generation++;
    this.reconnector.stop();
    this.stopPings();
    const ws = this.socket;
    this.socket = undefined;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(1000, 'logout');
      } catch {
        // already closed
      }
    }
    this.setStatus('stopped');
  }
}
