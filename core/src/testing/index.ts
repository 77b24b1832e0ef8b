import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { openStore, type Store } from '../store/index.js';
import type { SqlDialect } from '../store/dialect.js';

export { SimulatedClock } from '../clock.js';

/** Admin URL for creating throwaway databases (TEST_PG_URL overrides). */
export function testPgAdminUrl(): string {
  return process.env['TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** Redis for tests (TEST_REDIS_URL overrides). */
export function testRedisUrl(): string {
  return process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}

/** A PostgreSQL database created for one test file and dropped afterwards. */
export interface TestPostgres {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates a uniquely named database on the test server. */
export async function createTestPostgres(prefix = 'dialer_test'): Promise<TestPostgres> {
  const admin = testPgAdminUrl();
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A migrated store on either dialect, with a cleanup that closes it and drops its database. */
export async function openTestStore(dialect: SqlDialect): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const store = await openStore({ dataDir: '.', sqliteFile: ':memory:' });
    return { store, cleanup: () => store.close() };
  }
  const pgdb = await createTestPostgres();
  const store = await openStore({ databaseUrl: pgdb.url, dataDir: '.', poolSize: 4 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await pgdb.drop();
    },
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5000, stepMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A daemon context for tests: in-memory SQLite, the in-process bus, a silent logger. */
export async function createTestContext(options: { clock?: import('../clock.js').Clock; nodeId?: string; log?: import('pino').Logger } = {}): Promise<import('../context.js').DaemonContext> {
  const { MemoryBus } = await import('../bus/memory.js');
  const { silentLogger } = await import('../logger.js');
  const { systemClock } = await import('../clock.js');
  const store = await openStore({ dataDir: '.', sqliteFile: ':memory:' });
  const nodeId = options.nodeId ?? 'test-node';
  const bus = new MemoryBus({ source: nodeId });
  let closing: Promise<void> | undefined;
  return {
    nodeId,
    log: options.log ?? silentLogger(),
    store,
    bus,
    clock: options.clock ?? systemClock,
    close() {
      closing ??= (async () => {
        await bus.close();
        await store.close();
      })();
      return closing;
    },
  };
}

/** A pino logger that records every line, for asserting on log output. */
export function captureLogger(level: import('pino').LevelWithSilent = 'debug'): { log: import('pino').Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = {
    write(s: string) {
      lines.push(JSON.parse(s) as Record<string, unknown>);
    },
  };
  const log = pino({ level, base: null, formatters: { level: (label: string) => ({ level: label }) } }, stream);
  return { log, lines };
}
