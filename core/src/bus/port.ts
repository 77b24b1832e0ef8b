import type { AnyMessage, CommandType, Message } from '../messages/index.js';

/** Removes a subscription. */
export type Unsubscribe = () => Promise<void>;

/** Receives messages; a handler that throws is logged and does not affect other handlers. */
export type MessageHandler = (msg: AnyMessage) => void | Promise<void>;

/** Returned by a command handler to say "not mine": another node may answer. */
export const NOT_MINE: unique symbol = Symbol('dialer.bus.notMine');

/** Handles one command type; returns a result, or {@link NOT_MINE}. Throwing replies with the coded error. */
export type CommandHandler<T extends CommandType> = (msg: Message<T>) => Promise<unknown> | unknown;

/** Options for {@link EventBus.request}. */
export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The port every daemon uses to exchange `core` messages: in-process by
 * default, Redis pub/sub when `REDIS_URL` is set.
 *
 * Patterns: an exact type (`call.ended`), a prefix with `*` (`call.*`,
 * `transcript.*`) or `*` for everything.
 */
export interface EventBus {
  /** `memory` or `redis`. */
  readonly kind: string;
  publish(msg: AnyMessage): Promise<void>;
  subscribe(pattern: string, handler: MessageHandler): Promise<Unsubscribe>;
  /** Sends a command; resolves with the first reply's result, or rejects with its coded error or DIALER_ERR_BUS_TIMEOUT. */
  request<T extends CommandType>(msg: Message<T>, options?: RequestOptions): Promise<unknown>;
  /** Answers commands of one type. */
  handle<T extends CommandType>(type: T, handler: CommandHandler<T>): Promise<Unsubscribe>;
  /** Whether the bus can currently deliver (Redis connected). */
  healthy(): boolean;
  close(): Promise<void>;
}

/** Compiles a bus pattern (`*` = any run of characters) into a matcher. */
export function compilePattern(pattern: string): (type: string) => boolean {
  if (pattern === '*') return () => true;
  if (!pattern.includes('*')) return (t) => t === pattern;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (t) => re.test(t);
}
