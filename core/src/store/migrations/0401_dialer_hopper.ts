import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Db = Kysely<any>;

/** The statuses the hopper dials; partial indexes cover only these rows. */
const CALLABLE = sql.raw(`status in ('new', 'callable')`);

/**
 * The hopper's indexes, per campaign **and time zone**, with `next_call_after`
 * in the key (replacing 0400's per-campaign ones).
 *
 * A claim reads each open zone's range from its best lead on and merges the
 * zones (`core/src/leads/hopper-query.ts`). With the zone first, leads of a
 * zone whose call window is closed are never read, however many of them come
 * first in the lead order; with `next_call_after` in the key, leads waiting
 * for a retry are skipped inside the index, without reading their rows.
 */
export function dialerHopper(dialect: SqlDialect) {
  const recall = dialect === 'postgres' ? 'last_call_at asc nulls first' : 'last_call_at';
  return {
    async up(db: Db): Promise<void> {
      for (const ix of ['leads_hopper_idx', 'leads_hopper_id_idx', 'leads_hopper_recall_idx']) await db.schema.dropIndex(ix).ifExists().execute();
      await sql`create index leads_hopper_idx on leads (campaign_id, timezone, priority desc, id, next_call_after) where ${CALLABLE}`.execute(db);
      await sql`create index leads_hopper_id_idx on leads (campaign_id, timezone, id, next_call_after) where ${CALLABLE}`.execute(db);
      await sql`create index leads_hopper_recall_idx on leads (campaign_id, timezone, ${sql.raw(recall)}, id, next_call_after) where ${CALLABLE}`.execute(db);
    },
    async down(db: Db): Promise<void> {
      for (const ix of ['leads_hopper_idx', 'leads_hopper_id_idx', 'leads_hopper_recall_idx']) await db.schema.dropIndex(ix).ifExists().execute();
      await sql`create index leads_hopper_idx on leads (campaign_id, priority desc, id) where ${CALLABLE}`.execute(db);
      await sql`create index leads_hopper_id_idx on leads (campaign_id, id) where ${CALLABLE}`.execute(db);
      await sql`create index leads_hopper_recall_idx on leads (campaign_id, ${sql.raw(recall)}, id) where ${CALLABLE}`.execute(db);
    },
  };
}
