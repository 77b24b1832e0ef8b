import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Db = Kysely<any>;

/**
 * The ARI controller's tables:
 * - `agent_sessions`: a logged-in agent's session on one controller node and
 *   Asterisk server (its persistent bridge and phone leg), so a restarted
 *   controller can adopt or clean up what it left on Asterisk;
 * - `calls_node_state_idx`: finds the calls a node still owns at resync.
 */
export function ari0300(dialect: SqlDialect) {
  const ms = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Db): Promise<void> {
      await db.schema
        .createTable('agent_sessions')
        .addColumn('agent_id', 'text', (c) => c.primaryKey().references('agents.id').onDelete('cascade'))
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('bridge_id', 'text')
        .addColumn('phone_channel_id', 'text')
        .addColumn('phone_leg_id', 'text')
        .addColumn('gateway_id', 'text')
        .addColumn('webrtc_session_id', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('call_id', 'text')
        .addColumn('campaign_ids', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('since_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('agent_sessions_node_idx').on('agent_sessions').columns(['tenant_id', 'node_id']).execute();
      await db.schema.createIndex('calls_node_state_idx').on('calls').columns(['tenant_id', 'node_id', 'state']).execute();
    },
    async down(db: Db): Promise<void> {
      await db.schema.dropIndex('calls_node_state_idx').ifExists().execute();
      await db.schema.dropTable('agent_sessions').ifExists().execute();
    },
  };
}
