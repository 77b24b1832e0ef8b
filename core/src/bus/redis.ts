import { createClient, type RedisClientType } from 'redis';
import type { Logger } from 'pino';
import { DialerError } from '../errors/index.js';
import { newId } from '../ids.js';
import { CloseGuard } from '../lifecycle.js';
import { silentLogger } from '../logger.js';
import type { AnyMessage, CommandType, Message } from '../messages/index.js';
import type { ReplayGuard } from '../signing.js';
import { runCommandHandler } from './commands.js';
import { requestVia } from './memory.js';
import type { CommandHandler, EventBus, MessageHandler, RequestOptions, Unsubscribe } from './port.js';

/** Options for {@link connectRedis}. */
export interface RedisOptions {
  url: string;
  log?: Logger;
  /** Name shown in `CLIENT LIST`. */
  name?: string;
  /** Retries of the first connection before giving up (the process manager restarts us). */
  initialRetries?: number;
}

/** Connects a node-redis client that reconnects with backoff, and fails fast while disconnected. */
export async function connectRedis(options: RedisOptions): Promise<RedisClientType> {
  const log = options.log ?? silentLogger();
  let everReady = false;
  const initialRetries = options.initialRetries ?? 5;
  const client: RedisClientType = createClient({
    url: options.url,
    name: options.name,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number, cause: Error) => {
        if (!everReady && retries >= initialRetries) {
          return new DialerError('DIALER_ERR_BUS_UNAVAILABLE', `cannot connect to Redis: ${cause.message}`, { cause });
        }
        return Math.min(50 * 2 ** retries, 3000);
      },
    },
  }) as RedisClientType;
  let lastErrorAt = 0;
  client.on('error', (err: Error) => {
    // node-redis emits an error per failed reconnect; log at most once every 10 s.
    const now = Date.now();
    if (now - lastErrorAt > 10_000) {
      lastErrorAt = now;
      log.warn({ err: { message: err.message } }, 'redis connection error');
    }
  });
  client.on('ready', () => {
    if (everReady) log.info('redis reconnected');
    everReady = true;
  });
  try {
    await client.connect();
  } catch (err) {
    throw err instanceof DialerError ? err : new DialerError('DIALER_ERR_BUS_UNAVAILABLE', `cannot connect to Redis: ${(err as Error).message}`, { cause: err });
  }
  return client;
}

/** Options for {@link RedisBus.connect}. */
export interface RedisBusOptions {
  url: string;
  /** Channel namespace (BUS_PREFIX). */
  prefix: string;
  /** This node's id; used in the reply channel and as the message source. */
  nodeId: string;
  log?: Logger;
}

/**
 * The bus over Redis pub/sub, so several processes and nodes share messages.
 * Channels: `<prefix>:m:<type>` for messages, `<prefix>:r:<instance>` for replies.
 */
export class RedisBus implements EventBus {
  readonly kind = 'redis';
  private readonly pending = new Map<string, (m: AnyMessage) => void>();
  private readonly guard = new CloseGuard('RedisBus');
  private readonly replyChannel: string;
  private replySubscribed: Promise<void> | undefined;

  private constructor(
    private readonly pub: RedisClientType,
    private readonly sub: RedisClientType,
    private readonly options: RedisBusOptions,
    private readonly log: Logger,
  ) {
    this.replyChannel = `${options.prefix}:r:${options.nodeId}:${newId()}`;
  }

  /** Connects the publishing and subscribing clients. */
  static async connect(options: RedisBusOptions): Promise<RedisBus> {
    const log = options.log ?? silentLogger();
    const pub = await connectRedis({ url: options.url, log, name: `${options.prefix}-${options.nodeId}-pub` });
    let sub: RedisClientType;
    try {
      sub = await connectRedis({ url: options.url, log, name: `${options.prefix}-${options.nodeId}-sub` });
    } catch (err) {
      await pub.close().catch(() => undefined);
      throw err;
    }
    return new RedisBus(pub, sub, options, log);
  }

  private channel(type: string): string {
    return `${this.options.prefix}:m:${type}`;
  }

  async publish(msg: AnyMessage): Promise<void> {
    this.guard.assertOpen();
    const body = JSON.stringify(msg);
    const channel = msg.type === 'cmd.reply' && msg.replyTo ? msg.replyTo : this.channel(msg.type);
    try {
      await this.pub.publish(channel, body);
    } catch (err) {
      throw new DialerError('DIALER_ERR_BUS_UNAVAILABLE', `publish ${msg.type} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private parse(raw: string): AnyMessage | undefined {
    try {
      return JSON.parse(raw) as AnyMessage;
    } catch (err) {
      this.log.warn({ err }, 'dropped a bus message that is not JSON');
      return undefined;
    }
  }

  private dispatch(handler: MessageHandler, raw: string): void {
    const msg = this.parse(raw);
    if (!msg) return;
    try {
      const r = handler(msg);
      if (r) r.catch((err: unknown) => this.log.error({ err, type: msg.type }, 'bus handler failed'));
    } catch (err) {
      this.log.error({ err, type: msg.type }, 'bus handler failed');
    }
  }

  async subscribe(pattern: string, handler: MessageHandler): Promise<Unsubscribe> {
    this.guard.assertOpen();
    const channel = this.channel(pattern);
    const listener = (raw: string): void => this.dispatch(handler, raw);
    if (pattern.includes('*')) {
      await this.sub.pSubscribe(channel, listener);
      return async () => {
        if (!this.guard.closed) await this.sub.pUnsubscribe(channel, listener);
      };
    }
    await this.sub.subscribe(channel, listener);
    return async () => {
      if (!this.guard.closed) await this.sub.unsubscribe(channel, listener);
    };
  }

  async request<T extends CommandType>(msg: Message<T>, options: RequestOptions = {}): Promise<unknown> {
    this.guard.assertOpen();
    this.replySubscribed ??= this.sub.subscribe(this.replyChannel, (raw: string) => {
      const reply = this.parse(raw);
      if (reply?.correlationId) this.pending.get(reply.correlationId)?.(reply);
    });
    await this.replySubscribed;
    return requestVia(this, this.pending, msg, options, this.replyChannel);
  }

  async handle<T extends CommandType>(type: T, handler: CommandHandler<T>): Promise<Unsubscribe> {
    return this.subscribe(type, async (msg) => {
      const reply = await runCommandHandler(handler, msg as Message<T>, this.options.nodeId);
      if (!reply || this.guard.closed) return;
      if (!msg.replyTo) return;
      await this.publish({ ...reply, replyTo: msg.replyTo } as AnyMessage);
    });
  }

  healthy(): boolean {
    return !this.guard.closed && this.pub.isReady && this.sub.isReady;
  }

  async close(): Promise<void> {
    if (!this.guard.markClosed()) return;
    for (const [id, waiter] of this.pending) {
      waiter({
        v: 1,
        id,
        type: 'cmd.reply',
        time: new Date().toISOString(),
        tenantId: '-',
        data: { ok: false, error: { code: 'DIALER_ERR_CLOSED', message: 'bus closed before a reply arrived', retryable: true } },
      });
    }
    this.pending.clear();
    await Promise.allSettled([this.sub.close(), this.pub.close()]);
  }
}

/** A {@link ReplayGuard} shared by every node through Redis (`SET NX PX`). */
export class RedisReplayGuard implements ReplayGuard {
  constructor(
    private readonly client: RedisClientType,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  async remember(id: string, expiresAtMs: number): Promise<boolean> {
    const ttl = Math.max(1, expiresAtMs - this.now());
    const r = await this.client.set(`${this.prefix}:seen:${id}`, '1', { NX: true, PX: ttl } as never);
    return r === 'OK';
  }

  async forget(id: string): Promise<void> {
    await this.client.del(`${this.prefix}:seen:${id}`);
  }
}
