import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Db = Kysely<any>;

/** The statuses the hopper dials; partial indexes cover only these rows. */
const CALLABLE = sql.raw(`status in ('new', 'callable')`);

/**
 * The dialer's indexes and its campaign ownership leases.
 *
 * - `leads_hopper_idx` becomes a partial index of callable leads in priority
 *   order, so claiming the next leads reads only the rows it returns; two more
 *   serve the `newest`/`random` (by id) and `oldest_call` lead orders.
 * - `leads_claimed_idx` finds claims left behind by a node that died.
 * - `dialer_leases`: which controller node paces a campaign, until when.
 */
export function dialer(dialect: SqlDialect) {
  const ms = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Db): Promise<void> {
      await db.schema.dropIndex('leads_hopper_idx').ifExists().execute();
      await sql`create index leads_hopper_idx on leads (campaign_id, priority desc, id) where ${CALLABLE}`.execute(db);
      await sql`create index leads_hopper_id_idx on leads (campaign_id, id) where ${CALLABLE}`.execute(db);
      if (dialect === 'postgres') {
        await sql`create index leads_hopper_recall_idx on leads (campaign_id, last_call_at asc nulls first, id) where ${CALLABLE}`.execute(db);
      } else {
        await sql`create index leads_hopper_recall_idx on leads (campaign_id, last_call_at, id) where ${CALLABLE}`.execute(db);
      }
      await sql`create index leads_claimed_idx on leads (claimed_until) where status = 'in_progress'`.execute(db);

      await db.schema
        .createTable('dialer_leases')
        .addColumn('campaign_id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('epoch', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('acquired_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .execute();
    },
    async down(db: Db): Promise<void> {
      await db.schema.dropTable('dialer_leases').ifExists().execute();
      for (const ix of ['leads_claimed_idx', 'leads_hopper_recall_idx', 'leads_hopper_id_idx', 'leads_hopper_idx']) {
        await db.schema.dropIndex(ix).ifExists().execute();
      }
      await db.schema.createIndex('leads_hopper_idx').on('leads').columns(['campaign_id', 'status', 'priority desc', 'next_call_after']).execute();
    },
  };
}
