import type { Logger } from 'pino';
import { DialerError } from '../errors/index.js';
import { CloseGuard } from '../lifecycle.js';
import { silentLogger } from '../logger.js';
import type { AnyMessage, CommandType, Message } from '../messages/index.js';
import { runCommandHandler, settleReply } from './commands.js';
import { compilePattern, type CommandHandler, type EventBus, type MessageHandler, type RequestOptions, type Unsubscribe } from './port.js';

interface Sub {
  match: (t: string) => boolean;
  handler: MessageHandler;
}

/** The in-process bus used by the one-process mode and by tests. Delivery is asynchronous, in publish order. */
export class MemoryBus implements EventBus {
  readonly kind = 'memory';
  private readonly subs = new Set<Sub>();
  private readonly pending = new Map<string, (m: AnyMessage) => void>();
  private readonly guard = new CloseGuard('MemoryBus');
  private readonly log: Logger;
  private readonly source: string;

  constructor(options: { log?: Logger; source?: string } = {}) {
    this.log = options.log ?? silentLogger();
    this.source = options.source ?? 'local';
  }

  async publish(msg: AnyMessage): Promise<void> {
    this.guard.assertOpen();
    // Deliver after the publisher's current task, as a network bus would.
    queueMicrotask(() => this.deliver(msg));
  }

  private deliver(msg: AnyMessage): void {
    if (msg.type === 'cmd.reply' && msg.correlationId) {
      const waiter = this.pending.get(msg.correlationId);
      if (waiter) waiter(msg);
    }
    for (const sub of this.subs) {
      if (!sub.match(msg.type)) continue;
      try {
        const r = sub.handler(msg);
        if (r) r.catch((err: unknown) => this.log.error({ err, type: msg.type }, 'bus handler failed'));
      } catch (err) {
        this.log.error({ err, type: msg.type }, 'bus handler failed');
      }
    }
  }

  async subscribe(pattern: string, handler: MessageHandler): Promise<Unsubscribe> {
    this.guard.assertOpen();
    const sub: Sub = { match: compilePattern(pattern), handler };
    this.subs.add(sub);
    return async () => {
      this.subs.delete(sub);
    };
  }

  request<T extends CommandType>(msg: Message<T>, options: RequestOptions = {}): Promise<unknown> {
    return requestVia(this, this.pending, msg, options);
  }

  async handle<T extends CommandType>(type: T, handler: CommandHandler<T>): Promise<Unsubscribe> {
    return this.subscribe(type, async (msg) => {
      const reply = await runCommandHandler(handler, msg as Message<T>, this.source);
      if (reply && !this.guard.closed) await this.publish(reply);
    });
  }

  healthy(): boolean {
    return !this.guard.closed;
  }

  async close(): Promise<void> {
    if (!this.guard.markClosed()) return;
    this.subs.clear();
    for (const [, waiter] of this.pending) waiter(closedReply());
    this.pending.clear();
  }
}

function closedReply(): AnyMessage {
  return {
    v: 1,
    id: 'closed',
    type: 'cmd.reply',
    time: new Date().toISOString(),
    tenantId: '-',
    data: { ok: false, error: { code: 'DIALER_ERR_CLOSED', message: 'bus closed before a reply arrived', retryable: true } },
  };
}

/** Shared request logic: register a waiter by message id, publish, settle on reply or timeout. */
export function requestVia<T extends CommandType>(
  bus: EventBus,
  pending: Map<string, (m: AnyMessage) => void>,
  msg: Message<T>,
  options: RequestOptions,
  replyTo?: string,
): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise<unknown>((resolve, reject) => {
    const done = (fn: () => void): void => {
      clearTimeout(timer);
      pending.delete(msg.id);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const timer = setTimeout(
      () => done(() => reject(new DialerError('DIALER_ERR_BUS_TIMEOUT', `no reply to ${msg.type} within ${timeoutMs} ms`))),
      timeoutMs,
    );
    const onAbort = (): void => done(() => reject(options.signal?.reason));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    pending.set(msg.id, (reply) =>
      done(() => {
        try {
          resolve(settleReply(reply));
        } catch (err) {
          reject(err);
        }
      }),
    );
    const out = replyTo ? ({ ...msg, replyTo } as Message<T>) : msg;
    bus.publish(out as AnyMessage).catch((err: unknown) => done(() => reject(err)));
  });
}
