import { WebSocket } from 'ws';

/** An ARI reply: status, parsed body, and the server's Date header (for the clock check). */
export interface AriReply<T = unknown> {
  status: number;
  body: T;
  /** Milliseconds of the `Date` header, when present. */
  serverDateMs?: number;
  /** Local time when the request was sent and when the reply arrived. */
  sentAtMs: number;
  receivedAtMs: number;
}

/** Why a request never got an HTTP answer. */
export class AriNetworkError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * The few ARI operations doctor needs, over plain fetch with basic auth. It
 * reports statuses instead of throwing on them: doctor turns each into a
 * check result.
 */
export class DoctorAri {
  constructor(
    readonly baseUrl: string,
    private readonly username: string,
    private readonly password: string,
    private readonly now: () => number,
    private readonly timeoutMs = 5000,
  ) {}

  private get auth(): string {
    return `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
  }

  async request<T = unknown>(method: string, path: string, query: Record<string, string | number | undefined> = {}, body?: unknown): Promise<AriReply<T>> {
    const u = new URL(`${this.baseUrl}/ari${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    const sentAtMs = this.now();
    let res: Response;
    try {
      res = await fetch(u, {
        method,
        headers: { authorization: this.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      const code = e.name === 'TimeoutError' ? 'ETIMEDOUT' : e.cause?.code;
      throw new AriNetworkError(e.cause?.message ?? e.message ?? String(err), code);
    }
    const receivedAtMs = this.now();
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy page); keep the text.
    }
    const date = res.headers.get('date');
    const serverDateMs = date ? Date.parse(date) : undefined;
    return { status: res.status, body: parsed as T, sentAtMs, receivedAtMs, ...(serverDateMs !== undefined && !Number.isNaN(serverDateMs) ? { serverDateMs } : {}) };
  }

  /** Opens the events WebSocket for `app`; resolves once open, rejects with the HTTP status of a refused upgrade. */
  events(app: string): Promise<AriEvents> {
    const u = new URL(`${this.baseUrl}/ari/events`);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('app', app);
    u.searchParams.set('subscribeAll', 'false');
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(u, { headers: { authorization: this.auth }, handshakeTimeout: this.timeoutMs });
      ws.once('open', () => resolve(new AriEvents(ws)));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`events WebSocket refused with HTTP ${res.statusCode}`));
        res.resume();
        ws.terminate();
      });
      ws.once('error', (err) => reject(err));
    });
  }
}

/** An ARI event as received. */
export type AriEvent = { type: string; channel?: { id: string; name: string; state?: string }; args?: string[] } & Record<string, unknown>;

/** The events WebSocket: waits for events matching a predicate. */
export class AriEvents {
  private readonly seen: AriEvent[] = [];
  private readonly waiters = new Set<{ match: (e: AriEvent) => boolean; resolve: (e: AriEvent) => void }>();

  constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      let e: AriEvent;
      try {
        e = JSON.parse(raw.toString()) as AriEvent;
      } catch {
        return;
      }
      this.seen.push(e);
      if (this.seen.length > 1000) this.seen.shift();
      for (const w of [...this.waiters]) {
        if (w.match(e)) {
          this.waiters.delete(w);
          w.resolve(e);
        }
      }
    });
    ws.on('error', () => undefined);
  }

  /** The first event (already received or still to come) that matches, or undefined after `timeoutMs`. */
  waitFor(match: (e: AriEvent) => boolean, timeoutMs: number): Promise<AriEvent | undefined> {
    const hit = this.seen.find(match);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => {
      const w = {
        match,
        resolve: (e: AriEvent) => {
          clearTimeout(t);
          resolve(e);
        },
      };
      const t = setTimeout(() => {
        this.waiters.delete(w);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  close(): void {
    for (const w of this.waiters) this.waiters.delete(w);
    this.ws.close();
    setTimeout(() => this.ws.terminate(), 500).unref();
  }
}
