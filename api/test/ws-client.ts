import { WebSocket } from 'ws';
import { waitFor } from '@dialer/core/testing';

/** A test WebSocket client that records every frame. */
export class TestWsClient {
  readonly frames: Record<string, unknown>[] = [];
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
    ws.on('close', (code) => (this.closeCode = code));
  }

  static async connect(baseUrl: string, token: string): Promise<TestWsClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v1/ws?token=${encodeURIComponent(token)}`);
    const c = new TestWsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    await waitFor(() => c.frames.find((f) => f['type'] === 'hello'));
    return c;
  }

  send(op: unknown): void {
    this.ws.send(JSON.stringify(op));
  }

  /** Sends an op and waits for the reply frame of `type` with the same id. */
  async op(op: Record<string, unknown>, type: string): Promise<Record<string, unknown>> {
    const id = Math.random().toString(36).slice(2);
    this.send({ ...op, id });
    return waitFor(() => this.frames.find((f) => f['type'] === type && f['id'] === id));
  }

  /** Event frames (`{ seq, msg }`). */
  events(): { seq: number; msg: { id: string; type: string; tenantId: string; data: Record<string, unknown> } }[] {
    return this.frames.filter((f) => 'seq' in f && 'msg' in f) as never;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => this.ws.once('close', r));
    this.ws.close();
    await closed;
  }
}
