import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Db = Kysely<any>;

/**
 * Speech-to-text: the outbox keeps the order of events per destination with an
 * explicit sequence (ids are time-ordered only to the millisecond).
 */
export function stt0200(dialect: SqlDialect) {
  const ms = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Db): Promise<void> {
      await db.schema.alterTable('event_outbox').addColumn('seq', ms, (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.createIndex('event_outbox_destination_idx').on('event_outbox').columns(['destination', 'status', 'seq']).execute();
    },
    async down(db: Db): Promise<void> {
      await db.schema.dropIndex('event_outbox_destination_idx').ifExists().execute();
      await db.schema.alterTable('event_outbox').dropColumn('seq').execute();
    },
  };
}
