import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationResultSet } from 'kysely';
import type { Logger } from 'pino';
import { DialerError } from '../errors/index.js';
import { silentLogger } from '../logger.js';
import type { SqlDialect } from './dialect.js';
import { allMigrations } from './migrations/index.js';
import type { Database } from './schema.js';
import { TenantScope } from './tenant-scope.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';

/** The database behind every daemon: SQLite (embedded default) or PostgreSQL (`DATABASE_URL`). */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  /** The SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string;
  /** Applies pending migrations; resolves with the names applied. */
  migrate(): Promise<string[]>;
  /** Query builders bound to one tenant. */
  tenant(tenantId: string): TenantScope;
  /** Throws DIALER_ERR_DB_UNAVAILABLE when the database does not answer. */
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Options for {@link openStore}. */
export interface OpenStoreOptions {
  /** PostgreSQL URL; when unset, SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** SQLite file name inside `dataDir` (default `dialer.sqlite`), or `:memory:`. */
  sqliteFile?: string;
  log?: Logger;
  /** Run migrations on open (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /**
   * SQLite WAL checkpoints: `background` (default) runs them on a worker
   * thread so no commit waits for one; `inline` leaves them to SQLite.
   */
  sqliteCheckpoint?: 'background' | 'inline';
}

/** Hides the password of a connection URL. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

function pgTypes(): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      // Epoch-ms timestamps and identity ids are bigint; they fit a double exactly.
      if (oid === INT8_OID) return (v: string) => Number(v);
      if (oid === NUMERIC_OID) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format as 'text');
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/** Opens the store and (by default) brings its schema up to date. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const log = options.log ?? silentLogger();
  let db: Kysely<Database>;
  let dialect: SqlDialect;
  let location: string;
  let checkpointer: Checkpointer | undefined;

  if (options.databaseUrl) {
    dialect = 'postgres';
    location = redactUrl(options.databaseUrl);
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      types: pgTypes(),
      connectionTimeoutMillis: 5000,
    });
    pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL client error'));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    const file = options.sqliteFile ?? 'dialer.sqlite';
    if (file === ':memory:') {
      location = ':memory:';
    } else {
      mkdirSync(options.dataDir, { recursive: true });
      location = resolve(join(options.dataDir, file));
    }
    let database: Sqlite.Database;
    try {
      database = new Sqlite(location);
    } catch (err) {
      throw new DialerError('DIALER_ERR_DB_UNAVAILABLE', `cannot open SQLite database ${location}: ${(err as Error).message}`, { cause: err });
    }
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    if (location !== ':memory:' && options.sqliteCheckpoint !== 'inline') {
      database.pragma('wal_autocheckpoint = 0');
      database.pragma('journal_size_limit = 67108864');
      checkpointer = startCheckpointer({ file: location, onError: (err) => log.warn({ err }, 'SQLite checkpoint failed') });
    }
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  }

  let closed: Promise<void> | undefined;
  const stopCheckpointer = checkpointer;
  const store: Store = {
    db,
    dialect,
    location,
    async migrate() {
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => allMigrations(dialect) },
        allowUnorderedMigrations: true,
      });
      const { error, results } = await migrator.migrateToLatest();
      const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
      if (error) {
        const failed = (results ?? []).find((r: MigrationResultSet['results'] extends (infer R)[] | undefined ? R : never) => r.status === 'Error');
        throw new DialerError('DIALER_ERR_DB_MIGRATION', `migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (applied.length > 0) log.info({ applied, dialect }, 'database migrated');
      return applied;
    },
    tenant(tenantId: string) {
      return new TenantScope(db, tenantId);
    },
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (err) {
        throw new DialerError('DIALER_ERR_DB_UNAVAILABLE', `database ${location} does not answer: ${(err as Error).message}`, { cause: err });
      }
    },
    close() {
      closed ??= db.destroy().finally(() => stopCheckpointer?.close());
      return closed;
    },
  };

  try {
    await store.ping();
    if (options.migrate !== false) await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
