import type { Logger } from 'pino';
import { backoffDelay, isRetryableStatus, newId, signWebhook, type Clock, type Store, type TimerHandle } from '@dialer/core';
import type { WebhookSender } from '../transport/webhook-sender.js';

/** Statuses of a delivery that still has to go out. */
export const LIVE_STATUSES = ['pending', 'retrying', 'sending'] as const;

/** Retry schedule: 5 s, 10 s, 20 s ... doubling up to 1 h between attempts, with 20 % jitter. */
export const RETRY_BACKOFF = { initialMs: 5000, maxMs: 3_600_000, factor: 2, jitter: 0.2 };

/** Settings of {@link WebhookWorker}. */
export interface WorkerOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  sender: WebhookSender;
  timeoutMs: number;
  retryWindowMs: number;
  pollMs?: number;
  concurrency?: number;
  random?: () => number;
  onAttempt?: (result: 'delivered' | 'failed' | 'dead') => void;
  onDepth?: (live: number, dead: number) => void;
}

/**
 * Sends due webhook deliveries. Only the oldest undelivered delivery of each
 * endpoint is eligible, so an endpoint receives its events in order; a
 * delivery is claimed with a conditional update (a lease), so with several API
 * nodes exactly one sends it. Every attempt is recorded.
 */
export class WebhookWorker {
  private timer: TimerHandle | undefined;
  private running: Promise<unknown> | undefined;
  private again = false;
  private closed = false;
  private started = false;

  constructor(private readonly o: WorkerOptions) {}

  start(): void {
    this.started = true;
    this.timer = this.o.clock.setInterval(() => this.wake(), this.o.pollMs ?? 1000);
    this.wake();
  }

  /** Runs a pass soon (new deliveries queued). Does nothing until {@link start}: tests drive {@link runOnce} themselves. */
  wake(): void {
    if (this.closed || !this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runOnce()
      .catch((err: unknown) => this.o.log.error({ err }, 'webhook pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** One pass: sends every due head-of-line delivery, repeatedly, until none is due. Resolves with the number sent. */
  async runOnce(): Promise<number> {
    let total = 0;
    const tenants = await this.o.store.db.selectFrom('tenants').select('id').execute();
    let live = 0;
    let dead = 0;
    for (const { id: tenantId } of tenants) {
      for (let round = 0; round < 50 && !this.closed; round++) {
        const n = await this.pass(tenantId);
        total += n;
        if (n === 0) break;
      }
      if (this.o.onDepth) {
        const db = this.o.store.tenant(tenantId);
        const c = await db
          .selectFrom('webhook_deliveries')
          .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
          .where('status', 'in', [...LIVE_STATUSES, 'dead'])
          .groupBy('status')
          .execute();
        for (const r of c) {
          if (r.status === 'dead') dead += Number(r.n);
          else live += Number(r.n);
        }
      }
    }
    this.o.onDepth?.(live, dead);
    return total;
  }

  private async pass(tenantId: string): Promise<number> {
    const db = this.o.store.tenant(tenantId);
    const now = this.o.clock.now();
    const heads = await db
      .selectFrom('webhook_deliveries')
      .select(['endpoint_id', (eb) => eb.fn.min('seq').as('seq')])
      .where('status', 'in', [...LIVE_STATUSES])
      .groupBy('endpoint_id')
      .execute();
    if (heads.length === 0) return 0;
    const due: { id: string; endpoint_id: string }[] = [];
    for (const h of heads) {
      const row = await db
        .selectFrom('webhook_deliveries')
        .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
        .select(['webhook_deliveries.id', 'webhook_deliveries.endpoint_id', 'webhook_deliveries.next_attempt_at', 'webhook_endpoints.enabled'])
        .where('webhook_deliveries.endpoint_id', '=', h.endpoint_id)
        .where('webhook_deliveries.seq', '=', Number(h.seq))
        .where('webhook_deliveries.status', 'in', [...LIVE_STATUSES])
        .orderBy('webhook_deliveries.id')
        .executeTakeFirst();
      if (row && row.enabled === 1 && row.next_attempt_at <= now) due.push(row);
    }
    const limit = this.o.concurrency ?? 8;
    let sent = 0;
    for (let i = 0; i < due.length; i += limit) {
      const results = await Promise.all(due.slice(i, i + limit).map((d) => this.deliver(tenantId, d.id)));
      sent += results.filter(Boolean).length;
    }
    return sent;
  }

  /** Claims, sends and records one delivery. Returns false when another node had it. */
  async deliver(tenantId: string, deliveryId: string): Promise<boolean> {
    const db = this.o.store.tenant(tenantId);
    const now = this.o.clock.now();
    const claim = await db
      .updateTable('webhook_deliveries')
      .set({ status: 'sending', next_attempt_at: now + this.o.timeoutMs + 5000 })
      .where('id', '=', deliveryId)
      .where('status', 'in', [...LIVE_STATUSES])
      .where('next_attempt_at', '<=', now)
      .executeTakeFirst();
    if (Number(claim.numUpdatedRows) !== 1) return false;
    const d = await db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
      .select([
        'webhook_deliveries.id',
        'webhook_deliveries.payload',
        'webhook_deliveries.attempts',
        'webhook_deliveries.created_at',
        'webhook_deliveries.give_up_at',
        'webhook_endpoints.url',
        'webhook_endpoints.secret',
      ])
      .where('webhook_deliveries.id', '=', deliveryId)
      .executeTakeFirstOrThrow();
    const headers = signWebhook({ secret: d.secret, id: d.id, body: d.payload }, this.o.clock);
    const r = await this.o.sender(d.url, headers, d.payload, this.o.timeoutMs);
    const at = this.o.clock.now();
    const attempt = d.attempts + 1;
    await db.insertInto('webhook_attempts', { id: newId(at), delivery_id: d.id, attempt, at, status_code: r.status, error: r.error, duration_ms: r.durationMs }).execute();
    if (r.status !== null && r.status >= 200 && r.status < 300) {
      await db.updateTable('webhook_deliveries').set({ status: 'delivered', attempts: attempt, delivered_at: at, last_status_code: r.status, last_error: null }).where('id', '=', d.id).execute();
      this.o.onAttempt?.('delivered');
      return true;
    }
    const giveUpAt = d.give_up_at ?? d.created_at + this.o.retryWindowMs;
    const next = at + backoffDelay(attempt - 1, RETRY_BACKOFF, this.o.random);
    const final = r.status !== null && !isRetryableStatus(r.status);
    const isDead = final || next > giveUpAt;
    await db
      .updateTable('webhook_deliveries')
      .set({ status: isDead ? 'dead' : 'retrying', attempts: attempt, next_attempt_at: isDead ? at : next, last_status_code: r.status, last_error: r.error })
      .where('id', '=', d.id)
      .execute();
    this.o.onAttempt?.(isDead ? 'dead' : 'failed');
    this.o.log.warn({ deliveryId: d.id, attempt, status: r.status, error: r.error, dead: isDead }, 'webhook delivery failed');
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.o.clock.clearInterval(this.timer);
    await this.running;
  }
}
