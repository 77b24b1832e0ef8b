import type { RedisClientType } from 'redis';
import type { Clock } from '@dialer/core';

/** A fixed-window counter: `hit` counts one attempt and says whether it is within the limit. */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterMs: number }>;
  reset(key: string): Promise<void>;
}

/** One process's counters (the in-process default). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private lastSweep = 0;
  constructor(private readonly clock: Clock) {}

  async hit(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterMs: number }> {
    const now = this.clock.now();
    if (now - this.lastSweep > windowMs) {
      this.lastSweep = now;
      for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    }
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return { allowed: w.count <= limit, retryAfterMs: w.count <= limit ? 0 : w.resetAt - now };
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }
}

/** Counters shared by every API node through Redis (`INCR` + `PEXPIRE NX`). */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly client: RedisClientType,
    private readonly prefix: string,
  ) {}

  async hit(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterMs: number }> {
    const k = `${this.prefix}:rl:${key}`;
    const [count, , ttl] = (await this.client.multi().incr(k).pExpire(k, windowMs, 'NX').pTTL(k).exec()) as unknown as [number, number, number];
    const n = Number(count);
    return { allowed: n <= limit, retryAfterMs: n <= limit ? 0 : Math.max(0, Number(ttl)) };
  }

  async reset(key: string): Promise<void> {
    await this.client.del(`${this.prefix}:rl:${key}`);
  }
}
