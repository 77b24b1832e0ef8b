import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import type { ApiClient } from './client.js';
import { CliError, EXIT } from './exit.js';

/** A message the API fans out: the core envelope. */
export interface RealtimeMessage {
  id: string;
  type: string;
  time: string;
  tenantId: string;
  data: Record<string, unknown>;
}

/** Callbacks of {@link RealtimeClient}. */
export interface RealtimeHandlers {
  onMessage(msg: RealtimeMessage): void;
  /** A reconnect could not resume (messages were missed); the caller may reload state. */
  onResync?(reason: string): void;
  /** Connection notes for stderr (reconnecting, resumed). */
  onNote?(line: string): void;
}

/**
 * Follows topics on the API's WebSocket (`/api/v1/ws`): gets a single-use
 * token, subscribes, and on a dropped connection reconnects with backoff and
 * resumes from the last sequence number so nothing is missed within the
 * server's resume window.
 */
export class RealtimeClient {
  private ws: WebSocket | undefined;
  private readonly topics = new Set<string>();
  private stream: string | undefined;
  private seq = -1;
  private reqId = 0;
  private stopped = false;
  private connectedOnce = false;

  constructor(
    private readonly api: ApiClient,
    private readonly h: RealtimeHandlers,
  ) {}

  /** Adds topics (sent at once when connected, and on every reconnect). */
  subscribe(topics: readonly string[]): void {
    const fresh = topics.filter((t) => !this.topics.has(t));
    for (const t of fresh) this.topics.add(t);
    if (fresh.length > 0) this.send({ op: 'subscribe', topics: fresh });
  }

  unsubscribe(topics: readonly string[]): void {
    const gone = topics.filter((t) => this.topics.delete(t));
    if (gone.length > 0) this.send({ op: 'unsubscribe', topics: gone });
  }

  /** Sends an op now when connected; otherwise the topics go out with the next connection's subscribe. */
  private send(op: Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ ...op, id: ++this.reqId }));
  }

  private async wsUrl(): Promise<string> {
    const t = await this.api.post<{ token: string; url: string }>('/api/v1/auth/ws-token');
    const u = new URL(t.url, `${this.api.baseUrl}/`);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.toString();
  }

  /**
   * Runs until `signal` aborts or {@link stop} is called. The first
   * connection's failures (refused, a denied topic) are thrown; later drops
   * are retried.
   */
  async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!this.stopped && !signal.aborted) {
      let url: string;
      try {
        url = await this.wsUrl();
      } catch (err) {
        if (!this.connectedOnce) throw err;
        attempt++;
        this.h.onNote?.(`reconnecting (${(err as Error).message})`);
        await sleep(Math.min(10_000, 250 * 2 ** attempt), undefined, { signal }).catch(() => undefined);
        continue;
      }
      const closed = await this.connect(url, signal);
      if (this.stopped || signal.aborted) return;
      if (!this.connectedOnce) throw closed;
      attempt++;
      this.h.onNote?.(`connection lost (${closed.message}); reconnecting`);
      await sleep(Math.min(10_000, 250 * 2 ** attempt), undefined, { signal }).catch(() => undefined);
    }
  }

  /** Ends {@link run} after closing the socket. */
  stop(): void {
    this.stopped = true;
    this.ws?.close(1000);
  }

  private connect(url: string, signal: AbortSignal): Promise<Error> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      this.ws = ws;
      let firstSubscribe = true;
      const onAbort = (): void => ws.close(1000);
      signal.addEventListener('abort', onAbort, { once: true });
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        ws.terminate();
        resolve(new CliError(`the API refused the WebSocket (HTTP ${res.statusCode})`, res.statusCode === 401 ? EXIT.auth : EXIT.error));
      });
      ws.on('error', (err) => resolve(new CliError(`WebSocket error: ${err.message}`, EXIT.unreachable)));
      ws.on('close', (code, reason) => {
        signal.removeEventListener('abort', onAbort);
        resolve(new CliError(`closed ${code}${reason.length ? ` ${reason.toString()}` : ''}`, EXIT.error));
      });
      ws.on('message', (raw) => {
        let f: Record<string, unknown>;
        try {
          f = JSON.parse(raw.toString()) as Record<string, unknown>;
        } catch {
          return;
        }
        if (typeof f['seq'] === 'number' && f['msg']) {
          this.seq = f['seq'];
          this.h.onMessage(f['msg'] as RealtimeMessage);
          return;
        }
        switch (f['type']) {
          case 'hello': {
            const resume = this.stream !== undefined && this.stream === f['stream'] && this.seq >= 0 ? { stream: this.stream, seq: this.seq } : undefined;
            if (this.stream !== undefined && !resume) this.h.onResync?.('the server restarted or another API node answered');
            this.stream = f['stream'] as string;
            if (this.seq < 0 || !resume) this.seq = f['seq'] as number;
            if (this.topics.size > 0) ws.send(JSON.stringify({ op: 'subscribe', topics: [...this.topics], id: ++this.reqId, ...(resume ? { resume } : {}) }));
            return;
          }
          case 'subscribed': {
            const denied = (f['denied'] as Array<{ topic: string; error?: { code?: string; message?: string } }> | undefined) ?? [];
            if (denied.length > 0 && firstSubscribe && !this.connectedOnce) {
              const d = denied[0]!;
              resolve(new CliError(`cannot follow ${d.topic}: ${d.error?.message ?? 'denied'} [${d.error?.code ?? 'DIALER_ERR_FORBIDDEN'}]`, d.error?.code === 'DIALER_ERR_VALIDATION' ? EXIT.usage : EXIT.forbidden));
              ws.close(1000);
              return;
            }
            for (const d of denied) this.h.onNote?.(`cannot follow ${d.topic}: ${d.error?.message ?? 'denied'}`);
            if (firstSubscribe) {
              firstSubscribe = false;
              if (this.connectedOnce) this.h.onNote?.('reconnected');
              this.connectedOnce = true;
            }
            return;
          }
          case 'resync':
            this.h.onResync?.(String(f['reason'] ?? 'resume window passed'));
            return;
          default:
            return;
        }
      });
    });
  }
}
