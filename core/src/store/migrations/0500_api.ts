import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Db = Kysely<any>;

/**
 * API: the keys that sign access tokens (shared by every API node, so a token
 * issued by one node is accepted by the others), and the moment a webhook
 * delivery stops being retried (reset by a manual replay).
 */
export function api0500(dialect: SqlDialect) {
  const ms = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Db): Promise<void> {
      await db.schema
        .createTable('api_signing_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('retired_at', ms)
        .execute();
      await db.schema.alterTable('webhook_deliveries').addColumn('give_up_at', ms).execute();
    },
    async down(db: Db): Promise<void> {
      await db.schema.alterTable('webhook_deliveries').dropColumn('give_up_at').execute();
      await db.schema.dropTable('api_signing_keys').ifExists().execute();
    },
  };
}
