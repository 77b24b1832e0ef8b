import { sql } from 'kysely';
import type { Store } from '../store/store.js';

/** The state of a campaign's ownership lease after an attempt to take or renew it. */
export interface LeaseState {
  /** True when `nodeId` holds the lease now. */
  held: boolean;
  /** The node holding it (null when nobody does). */
  owner: string | null;
  /** Incremented at every change of owner: a fencing token. */
  epoch: number;
  expiresAtMs: number;
}

/**
 * Takes or renews a campaign's pacing lease: the campaign is paced by one
 * controller node at a time, even when several share PostgreSQL. One atomic
 * upsert: it succeeds when nobody holds the lease, this node already does, or
 * the holder's lease expired (the holder died); the epoch changes with the owner.
 */
export async function acquireLease(
  store: Store,
  input: { tenantId: string; campaignId: string; nodeId: string; nowMs: number; ttlMs: number },
): Promise<LeaseState> {
  const expires = input.nowMs + input.ttlMs;
  const r = await sql<{ node_id: string; epoch: number; expires_at: number }>`
    insert into dialer_leases (campaign_id, tenant_id, node_id, epoch, acquired_at, expires_at)
    values (${input.campaignId}, ${input.tenantId}, ${input.nodeId}, 1, ${input.nowMs}, ${expires})
    on conflict (campaign_id) do update set
      epoch = case when dialer_leases.node_id = excluded.node_id then dialer_leases.epoch else dialer_leases.epoch + 1 end,
      acquired_at = case when dialer_leases.node_id = excluded.node_id then dialer_leases.acquired_at else excluded.acquired_at end,
      node_id = excluded.node_id,
      expires_at = excluded.expires_at
    where dialer_leases.node_id = excluded.node_id or dialer_leases.expires_at < ${input.nowMs}
    returning node_id, epoch, expires_at`.execute(store.db);
  const row = r.rows[0];
  if (row) return { held: true, owner: row.node_id, epoch: Number(row.epoch), expiresAtMs: Number(row.expires_at) };
  const cur = await leaseOwner(store, input.campaignId);
  return { held: false, owner: cur?.owner ?? null, epoch: cur?.epoch ?? 0, expiresAtMs: cur?.expiresAtMs ?? 0 };
}

/** Gives the lease up (only if this node holds it). */
export async function releaseLease(store: Store, campaignId: string, nodeId: string): Promise<void> {
  await sql`delete from dialer_leases where campaign_id = ${campaignId} and node_id = ${nodeId}`.execute(store.db);
}

/** Who holds a campaign's lease. */
export async function leaseOwner(store: Store, campaignId: string): Promise<{ owner: string; epoch: number; expiresAtMs: number } | null> {
  const r = await sql<{ node_id: string; epoch: number; expires_at: number }>`select node_id, epoch, expires_at from dialer_leases where campaign_id = ${campaignId}`.execute(
    store.db,
  );
  const row = r.rows[0];
  return row ? { owner: row.node_id, epoch: Number(row.epoch), expiresAtMs: Number(row.expires_at) } : null;
}
