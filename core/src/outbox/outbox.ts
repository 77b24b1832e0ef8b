import type { Logger } from 'pino';
import { backoffDelay, type BackoffOptions } from '../backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { DialerError, isDialerError } from '../errors/index.js';
import { CloseGuard } from '../lifecycle.js';
import { silentLogger } from '../logger.js';
import type { AnyMessage } from '../messages/index.js';
import type { Store } from '../store/index.js';

/** One queued message as a delivery sees it. `payload` is the exact JSON to send (and sign). */
export interface OutboxEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly type: string;
  readonly payload: string;
  /** Attempts made before this one. */
  readonly attempts: number;
}

/** What one delivery attempt came to. */
export type DeliveryResult =
  | { readonly ok: true; readonly status?: number; /** The receiver had it already (e.g. a 409 replay answer). */ readonly duplicate?: boolean }
  | { readonly ok: false; readonly retryable: boolean; readonly error: string; readonly status?: number; readonly retryAfterMs?: number };

/** How an outbox hands a message to its destination. */
export interface OutboxDelivery {
  deliver(entry: OutboxEntry, signal: AbortSignal): Promise<DeliveryResult>;
}

/** Options of {@link Outbox}. */
export interface OutboxOptions {
  store: Store;
  /** One writer per destination keeps the order: include the node, e.g. `ai-events@media-1`. */
  destination: string;
  delivery: OutboxDelivery;
  clock?: Clock;
  log?: Logger;
  /** Between attempts of one message (default 500 ms doubling to 60 s, with jitter). */
  backoff?: BackoffOptions;
  /** How often the queue is re-read when nothing wakes it (default 5 s). */
  pollMs?: number;
  /** Rows read at a time (default 100). */
  batchSize?: number;
  /** Delivered rows are deleted after this long (default 1 h). */
  retainDeliveredMs?: number;
  random?: () => number;
}

/** Counters of one outbox, for metrics and tests. */
export interface OutboxStats {
  enqueued: number;
  delivered: number;
  duplicates: number;
  retries: number;
  deadLettered: number;
}

/**
 * A durable, ordered outbox over the `event_outbox` table: `enqueue` resolves
 * once the message is stored, and a single loop delivers the destination's
 * messages one at a time, in order, retrying with backoff until each is
 * delivered. A message that can never be accepted (the receiver answers 400)
 * is dead-lettered (`status = 'failed'`) so it does not block the rest.
 * Nothing is lost across restarts: a new outbox over the same store resumes
 * where the last one stopped, and receivers deduplicate by message id.
 */
export class Outbox {
  readonly stats: OutboxStats = { enqueued: 0, delivered: 0, duplicates: 0, retries: 0, deadLettered: 0 };
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly guard = new CloseGuard('Outbox');
  private readonly abort = new AbortController();
  private readonly backoff: BackoffOptions;
  private lastSeq = 0;
  private seqReady: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private wakeTimer: TimerHandle | undefined;
  private lastPurge = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly o: OutboxOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = (o.log ?? silentLogger()).child({ component: 'outbox', destination: o.destination });
    this.backoff = o.backoff ?? { initialMs: 500, maxMs: 60_000, jitter: 0.2 };
  }

  get destination(): string {
    return this.o.destination;
  }

  /** Stores a message for delivery. Idempotent by message id. Resolves once it is durable. */
  async enqueue(msg: AnyMessage): Promise<void> {
    this.guard.assertOpen();
    await (this.seqReady ??= this.loadSeq());
    const now = this.clock.now();
    // A sequence from the clock (microsecond-scaled) that never goes backwards, even across restarts.
    this.lastSeq = Math.max(this.lastSeq + 1, now * 1000);
    const seq = this.lastSeq;
    try {
      await this.o.store
        .tenant(msg.tenantId)
        .insertInto('event_outbox', {
          id: msg.id,
          destination: this.o.destination,
          type: msg.type,
          payload: JSON.stringify(msg),
          next_attempt_at: now,
          created_at: now,
          seq,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    } catch (err) {
      throw new DialerError('DIALER_ERR_DB_UNAVAILABLE', `outbox: cannot store ${msg.type} ${msg.id}: ${(err as Error).message}`, { cause: err });
    }
    this.stats.enqueued++;
    this.nudge();
  }

  /** Starts delivering. */
  start(): void {
    this.guard.assertOpen();
    this.loop ??= this.run();
  }

  /** Messages not yet delivered (pending, including those waiting for a retry). */
  async pending(): Promise<number> {
    const r = await this.o.store.db
      .selectFrom('event_outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('destination', '=', this.o.destination)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Resolves when the queue is empty, or when `signal` aborts (what is left is delivered after a restart). */
  async drain(signal?: AbortSignal): Promise<void> {
    if (!this.loop) return;
    while (!this.guard.closed && !signal?.aborted && (await this.pending()) > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.idleWaiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Stops the loop; an attempt in flight is aborted and retried after a restart. Idempotent. */
  async close(): Promise<void> {
    if (!this.guard.markClosed()) return this.loop;
    this.abort.abort(new DialerError('DIALER_ERR_CLOSED', 'outbox closed'));
    this.nudge();
    await this.loop;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async loadSeq(): Promise<void> {
    const r = await this.o.store.db
      .selectFrom('event_outbox')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('destination', '=', this.o.destination)
      .executeTakeFirst();
    this.lastSeq = Math.max(this.lastSeq, Number(r?.seq ?? 0));
  }

  private nudge(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.clock.clearTimeout(this.wakeTimer);
        this.wakeTimer = undefined;
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
      this.wakeTimer = this.clock.setTimeout(done, Math.max(0, ms));
    });
  }

  private async run(): Promise<void> {
    const pollMs = this.o.pollMs ?? 5000;
    while (!this.guard.closed) {
      let waitMs = pollMs;
      try {
        waitMs = await this.deliverDue(pollMs);
      } catch (err) {
        this.log.warn({ err }, 'outbox delivery loop failed; retrying');
      }
      if (this.guard.closed) break;
      if (waitMs === 0) continue;
      for (const w of this.idleWaiters.splice(0)) w();
      await this.sleep(waitMs);
    }
  }

  /** Delivers what is due, in order; returns how long to wait before looking again (0: look now). */
  private async deliverDue(pollMs: number): Promise<number> {
    await this.purge();
    const rows = await this.o.store.db
      .selectFrom('event_outbox')
      .select(['id', 'tenant_id', 'type', 'payload', 'attempts', 'next_attempt_at'])
      .where('destination', '=', this.o.destination)
      .where('status', '=', 'pending')
      .orderBy('seq')
      .limit(this.o.batchSize ?? 100)
      .execute();
    if (rows.length === 0) return pollMs;
    for (const row of rows) {
      if (this.guard.closed) return 0;
      const now = this.clock.now();
      // Head-of-line: a message waiting for its retry holds back the ones after it, which keeps the order.
      if (row.next_attempt_at > now) return Math.min(pollMs, row.next_attempt_at - now);
      const entry: OutboxEntry = { id: row.id, tenantId: row.tenant_id, type: row.type, payload: row.payload, attempts: row.attempts };
      let result: DeliveryResult;
      try {
        result = await this.o.delivery.deliver(entry, this.abort.signal);
      } catch (err) {
        const retryable = !isDialerError(err) || err.retryable;
        result = { ok: false, retryable, error: (err as Error).message };
      }
      if (this.guard.closed && !result.ok) return 0;
      if (!(await this.settle(entry, result))) return 0;
    }
    return 0;
  }

  /** Records an attempt's outcome; returns false when the head must wait for a retry. */
  private async settle(entry: OutboxEntry, result: DeliveryResult): Promise<boolean> {
    const now = this.clock.now();
    const db = this.o.store.db;
    if (result.ok) {
      await db
        .updateTable('event_outbox')
        .set({ status: 'delivered', delivered_at: now, attempts: entry.attempts + 1, last_error: null })
        .where('id', '=', entry.id)
        .execute();
      if (result.duplicate) this.stats.duplicates++;
      this.stats.delivered++;
      return true;
    }
    const attempts = entry.attempts + 1;
    if (!result.retryable) {
      await db
        .updateTable('event_outbox')
        .set({ status: 'failed', attempts, last_error: result.error.slice(0, 2000) })
        .where('id', '=', entry.id)
        .execute();
      this.stats.deadLettered++;
      this.log.error({ id: entry.id, type: entry.type, status: result.status, error: result.error }, 'outbox message rejected; dead-lettered');
      return true;
    }
    const delay = Math.max(result.retryAfterMs ?? 0, backoffDelay(entry.attempts, this.backoff, this.o.random));
    await db
      .updateTable('event_outbox')
      .set({ attempts, next_attempt_at: now + delay, last_error: result.error.slice(0, 2000) })
      .where('id', '=', entry.id)
      .execute();
    this.stats.retries++;
    // One line per message and then every 10th attempt, so an outage does not flood the log.
    if (attempts === 1 || attempts % 10 === 0) {
      this.log.warn({ id: entry.id, type: entry.type, attempts, status: result.status, error: result.error, retryInMs: delay }, 'outbox delivery failed; will retry');
    }
    return false;
  }

  private async purge(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    await this.o.store.db
      .deleteFrom('event_outbox')
      .where('destination', '=', this.o.destination)
      .where('status', '=', 'delivered')
      .where('delivered_at', '<', now - (this.o.retainDeliveredMs ?? 3_600_000))
      .execute();
  }
}
