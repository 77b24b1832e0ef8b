import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Db = Kysely<any>;

/**
 * An index on `agent_state_log (tenant_id, started_at)`: the wallboard's
 * agents-by-state history reads one day of a tenant's state changes.
 */
export function apiStateHistory0501() {
  return {
    async up(db: Db): Promise<void> {
      await db.schema.createIndex('agent_state_log_time_idx').on('agent_state_log').columns(['tenant_id', 'started_at']).execute();
    },
    async down(db: Db): Promise<void> {
      await db.schema.dropIndex('agent_state_log_time_idx').execute();
    },
  };
}
