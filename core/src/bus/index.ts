import type { Logger } from 'pino';
import { MemoryBus } from './memory.js';
import { RedisBus } from './redis.js';
import type { EventBus } from './port.js';

export { NOT_MINE, compilePattern, type EventBus, type MessageHandler, type CommandHandler, type RequestOptions, type Unsubscribe } from './port.js';
export { MemoryBus } from './memory.js';
export { RedisBus, RedisReplayGuard, connectRedis, type RedisBusOptions, type RedisOptions } from './redis.js';

/** The bus the configuration asks for: Redis when `redisUrl` is set, in-process otherwise. */
export async function createBus(options: { redisUrl?: string | undefined; prefix: string; nodeId: string; log?: Logger }): Promise<EventBus> {
  if (options.redisUrl) {
    const o: { url: string; prefix: string; nodeId: string; log?: Logger } = { url: options.redisUrl, prefix: options.prefix, nodeId: options.nodeId };
    if (options.log) o.log = options.log;
    return RedisBus.connect(o);
  }
  return options.log ? new MemoryBus({ log: options.log, source: options.nodeId }) : new MemoryBus({ source: options.nodeId });
}
