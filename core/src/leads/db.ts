import type { Kysely } from 'kysely';
import type { Database, Ms } from '../store/schema.js';
import type { Store } from '../store/store.js';

/** `dialer_leases` (migration 0400): which node paces a campaign. */
export interface DialerLeasesTable {
  campaign_id: string;
  tenant_id: string;
  node_id: string;
  /** Incremented at every change of owner: a fencing token. */
  epoch: number;
  acquired_at: Ms;
  expires_at: Ms;
}

/** The schema with the dialer's own tables. */
export interface DialerDatabase extends Database {
  dialer_leases: DialerLeasesTable;
}

/** The store's Kysely instance, typed with the dialer's tables. */
export function dialerDb(store: Store): Kysely<DialerDatabase> {
  return store.db as unknown as Kysely<DialerDatabase>;
}

/** A DNC list's scope. */
export type DncScope = 'global' | 'tenant' | 'campaign';

/** The unique key of a DNC list: `<scope>:<tenant>:<campaign>`. */
export function dncScopeKey(scope: DncScope, tenantId: string | null, campaignId: string | null): string {
  if (scope === 'global') return 'global::';
  if (scope === 'tenant') return `tenant:${tenantId ?? ''}:`;
  return `campaign:${tenantId ?? ''}:${campaignId ?? ''}`;
}

/** Splits an array into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
