import type { RedisClientType } from 'redis';
import type { Clock } from '@dialer/core';

/** One change to a counter hash: increments, plain sets, and membership in an index set. */
export interface StatsOp {
  key: string;
  incr?: Record<string, number>;
  set?: Record<string, string | number>;
  /** Adds `member` to the set at `index` (to list what has stats). */
  index?: { key: string; member: string };
  ttlMs: number;
}

/** An agent's state change, applied atomically: time in the previous state is added to `<day>`'s `state_ms_<prev>`. */
export interface AgentTransition {
  /** Hash holding `state`, `since_ms`, `call_id`. */
  currentKey: string;
  /** Day hash the elapsed time is added to. */
  dayKey: string;
  state: string;
  sinceMs: number;
  callId: string;
  ttlMs: number;
}

/**
 * Where live counters live: in memory for one node, in Redis when scaled
 * out. Every node hears every bus message, so each change carries the message
 * id and is applied once (`SET NX` on the id).
 */
export interface StatsBackend {
  apply(dedupeId: string, ops: readonly StatsOp[]): Promise<void>;
  transition(dedupeId: string, t: AgentTransition): Promise<void>;
  read(key: string): Promise<Record<string, string>>;
  members(indexKey: string): Promise<string[]>;
  close(): Promise<void>;
}

const DEDUPE_MS = 10 * 60_000;

/** Counters of one process. */
export class MemoryStatsBackend implements StatsBackend {
  private readonly hashes = new Map<string, { fields: Map<string, string>; expiresAt: number }>();
  private readonly sets = new Map<string, { members: Set<string>; expiresAt: number }>();
  private readonly seen = new Map<string, number>();
  private lastSweep = 0;

  constructor(private readonly clock: Clock) {}

  private fresh(id: string): boolean {
    const now = this.clock.now();
    if (now - this.lastSweep > 60_000) this.sweep(now);
    const exp = this.seen.get(id);
    if (exp !== undefined && exp > now) return false;
    this.seen.set(id, now + DEDUPE_MS);
    return true;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [k, exp] of this.seen) if (exp <= now) this.seen.delete(k);
    for (const [k, h] of this.hashes) if (h.expiresAt <= now) this.hashes.delete(k);
    for (const [k, s] of this.sets) if (s.expiresAt <= now) this.sets.delete(k);
  }

  private hash(key: string, ttlMs: number): Map<string, string> {
    const now = this.clock.now();
    let h = this.hashes.get(key);
    if (!h || h.expiresAt <= now) {
      h = { fields: new Map(), expiresAt: 0 };
      this.hashes.set(key, h);
    }
    h.expiresAt = now + ttlMs;
    return h.fields;
  }

  async apply(dedupeId: string, ops: readonly StatsOp[]): Promise<void> {
    if (!this.fresh(dedupeId)) return;
    for (const op of ops) {
      const h = this.hash(op.key, op.ttlMs);
      for (const [f, n] of Object.entries(op.incr ?? {})) h.set(f, String(Number(h.get(f) ?? 0) + n));
      for (const [f, v] of Object.entries(op.set ?? {})) h.set(f, String(v));
      if (op.index) {
        let s = this.sets.get(op.index.key);
        if (!s) {
          s = { members: new Set(), expiresAt: 0 };
          this.sets.set(op.index.key, s);
        }
        s.members.add(op.index.member);
        s.expiresAt = this.clock.now() + op.ttlMs;
      }
    }
  }

  async transition(dedupeId: string, t: AgentTransition): Promise<void> {
    if (!this.fresh(dedupeId)) return;
    const cur = this.hash(t.currentKey, t.ttlMs);
    const prev = cur.get('state');
    const prevSince = Number(cur.get('since_ms') ?? NaN);
    if (prev !== undefined && Number.isFinite(prevSince) && t.sinceMs < prevSince) return; // an older, late message
    if (prev !== undefined && Number.isFinite(prevSince) && t.sinceMs >= prevSince) {
      const day = this.hash(t.dayKey, t.ttlMs);
      const f = `state_ms_${prev}`;
      day.set(f, String(Number(day.get(f) ?? 0) + (t.sinceMs - prevSince)));
    }
    cur.set('state', t.state);
    cur.set('since_ms', String(t.sinceMs));
    cur.set('call_id', t.callId);
  }

  async read(key: string): Promise<Record<string, string>> {
    const h = this.hashes.get(key);
    if (!h || h.expiresAt <= this.clock.now()) return {};
    return Object.fromEntries(h.fields);
  }

  async members(indexKey: string): Promise<string[]> {
    const s = this.sets.get(indexKey);
    return s && s.expiresAt > this.clock.now() ? [...s.members] : [];
  }

  async close(): Promise<void> {}
}

const APPLY_LUA = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
local ops = cjson.decode(ARGV[2])
for _, op in ipairs(ops) do
  if op.i then for f, n in pairs(op.i) do redis.call('HINCRBY', op.k, f, n) end end
  if op.s then for f, v in pairs(op.s) do redis.call('HSET', op.k, f, tostring(v)) end end
  if op.i or op.s then redis.call('PEXPIRE', op.k, op.t) end
  if op.x then redis.call('SADD', op.x, op.m) redis.call('PEXPIRE', op.x, op.t) end
end
return 1`;

const TRANSITION_LUA = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
local since = tonumber(ARGV[3])
local cur = redis.call('HMGET', KEYS[2], 'state', 'since_ms')
local prevSince = tonumber(cur[2])
if cur[1] and prevSince then
  if since < prevSince then return 0 end
  redis.call('HINCRBY', KEYS[3], 'state_ms_' .. cur[1], since - prevSince)
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
end
redis.call('HSET', KEYS[2], 'state', ARGV[2], 'since_ms', ARGV[3], 'call_id', ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1`;

/** Counters shared by every API node through Redis; each change is applied by exactly one node. */
export class RedisStatsBackend implements StatsBackend {
  constructor(
    private readonly client: RedisClientType,
    private readonly prefix: string,
  ) {}

  async apply(dedupeId: string, ops: readonly StatsOp[]): Promise<void> {
    const encoded = ops.map((o) => {
      const e: Record<string, unknown> = { k: o.key, t: o.ttlMs };
      if (o.incr && Object.keys(o.incr).length > 0) e['i'] = o.incr;
      if (o.set && Object.keys(o.set).length > 0) e['s'] = o.set;
      if (o.index) {
        e['x'] = o.index.key;
        e['m'] = o.index.member;
      }
      return e;
    });
    await this.client.eval(APPLY_LUA, { keys: [`${this.prefix}:stats:seen:${dedupeId}`], arguments: [String(DEDUPE_MS), JSON.stringify(encoded)] });
  }

  async transition(dedupeId: string, t: AgentTransition): Promise<void> {
    await this.client.eval(TRANSITION_LUA, {
      keys: [`${this.prefix}:stats:seen:${dedupeId}`, t.currentKey, t.dayKey],
      arguments: [String(DEDUPE_MS), t.state, String(t.sinceMs), t.callId, String(t.ttlMs)],
    });
  }

  async read(key: string): Promise<Record<string, string>> {
    return (await this.client.hGetAll(key)) as Record<string, string>;
  }

  async members(indexKey: string): Promise<string[]> {
    return this.client.sMembers(indexKey);
  }

  async close(): Promise<void> {}
}
