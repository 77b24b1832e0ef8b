import { sql, type RawBuilder } from 'kysely';
import type { Store } from '../store/store.js';

/**
 * The hopper's SQL. Callable leads are indexed per campaign and time zone,
 * in each lead order (migration `0401_dialer_hopper`):
 *
 *   (campaign_id, timezone, priority desc, id, next_call_after)
 *   (campaign_id, timezone, id, next_call_after)
 *   (campaign_id, timezone, last_call_at, id, next_call_after)
 *
 * partial on `status in ('new', 'callable')`. A claim reads each open zone's
 * index range from its best lead on (`next_call_after` is checked in the
 * index) and merges the zones: leads of closed zones are never read, however
 * many of them sit ahead in the campaign's order, and claimed leads leave the
 * partial indexes. On PostgreSQL each zone's scan locks with `FOR UPDATE SKIP
 * LOCKED`, so concurrent claimers skip each other's rows instead of waiting.
 */

/** Lead orders served by one index scan per zone (`list_mix` is `priority` per list). */
export type ScanOrder = 'priority' | 'oldest_call' | 'newest' | 'random';

export const CALLABLE: RawBuilder<unknown> = sql.raw(`status in ('new', 'callable')`);

export const RETURNING = sql.raw(
  'id, list_id, campaign_id, phone, alt_phones, phone_index, timezone, state, country, attempts, day_attempts, day_key, priority, status, first_name, last_name, last_call_at',
);

/** What a claim picks. */
export interface PickSpec {
  tenantId: string;
  campaignId: string;
  nodeId: string;
  nowMs: number;
  until: number;
  limit: number;
  order: ScanOrder;
  /** Zones to read (values of `leads.timezone`); `includeNull` adds leads without a zone. */
  zones: readonly string[];
  includeNull: boolean;
  listId?: string | undefined;
  fromId?: number | undefined;
  belowId?: number | undefined;
}

/** The columns a zone's scan returns, and the order the zones are merged in. */
function orderParts(order: ScanOrder, dialect: Store['dialect']): { keys: string; by: string } {
  switch (order) {
    case 'oldest_call':
      return { keys: 'id, last_call_at', by: dialect === 'postgres' ? 'last_call_at asc nulls first, id' : 'last_call_at asc, id' };
    case 'newest':
      return { keys: 'id', by: 'id desc' };
    case 'random':
      return { keys: 'id', by: 'id' };
    default:
      return { keys: 'id, priority', by: 'priority desc, id' };
  }
}

/** The filters every zone's scan shares (all but the zone). */
function common(spec: PickSpec): RawBuilder<unknown> {
  const f: RawBuilder<unknown>[] = [sql`campaign_id = ${spec.campaignId}`, CALLABLE, sql`next_call_after <= ${spec.nowMs}`];
  if (spec.listId !== undefined) f.push(sql`list_id = ${spec.listId}`);
  if (spec.fromId !== undefined) f.push(sql`id >= ${spec.fromId}`);
  if (spec.belowId !== undefined) f.push(sql`id < ${spec.belowId}`);
  // The campaign must be the tenant's: checked once per statement (an uncorrelated subquery).
  f.push(sql`exists (select 1 from campaigns where id = ${spec.campaignId} and tenant_id = ${spec.tenantId})`);
  return sql.join(f, sql` and `);
}

/**
 * One statement that claims the next leads: marks them `in_progress` for the
 * node and returns them (in no particular order).
 */
export function claimStatement(store: Store, spec: PickSpec): RawBuilder<Record<string, unknown>> {
  const { keys, by } = orderParts(spec.order, store.dialect);
  const k = sql.raw(keys);
  const o = sql.raw(by);
  const where = common(spec);
  const n = spec.limit;
  let pick: RawBuilder<unknown>;
  if (store.dialect === 'postgres') {
    // One lateral scan per zone, in a statement whose text does not depend on the number of zones.
    const parts: RawBuilder<unknown>[] = [];
    if (spec.zones.length > 0) {
      parts.push(sql`select c.* from unnest(${[...spec.zones]}::text[]) as z(tz) cross join lateral (
        select ${k} from leads where ${where} and timezone = z.tz order by ${o} limit ${n} for update skip locked) c`);
    }
    if (spec.includeNull) {
      parts.push(sql`select * from (select ${k} from leads where ${where} and timezone is null order by ${o} limit ${n} for update skip locked) u`);
    }
    pick = sql`select id from (${sql.join(parts, sql` union all `)}) p order by ${o} limit ${n}`;
  } else {
    const parts: RawBuilder<unknown>[] = spec.zones.map((z) => sql`select * from (select ${k} from leads where ${where} and timezone = ${z} order by ${o} limit ${n})`);
    if (spec.includeNull) parts.push(sql`select * from (select ${k} from leads where ${where} and timezone is null order by ${o} limit ${n})`);
    pick = sql`select id from (${sql.join(parts, sql` union all `)}) order by ${o} limit ${n}`;
  }
  return sql<Record<string, unknown>>`update leads set status = 'in_progress', claimed_by = ${spec.nodeId}, claimed_until = ${spec.until}, updated_at = ${spec.nowMs}
    where tenant_id = ${spec.tenantId} and id in (${pick})
    returning ${RETURNING}`;
}

/**
 * Distinct zones of a campaign's callable leads, by a loose index scan: one
 * index seek per zone (a recursive query), not a read of every lead.
 * `hasNull`: some callable leads have no zone.
 */
export async function distinctZones(store: Store, tenantId: string, campaignId: string): Promise<{ zones: string[]; hasNull: boolean }> {
  const owned = await sql<{ one: number }>`select 1 as one from campaigns where id = ${campaignId} and tenant_id = ${tenantId}`.execute(store.db);
  if (owned.rows.length === 0) return { zones: [], hasNull: false };
  const zones = await sql<{ tz: string }>`with recursive z(tz) as (
      select (select min(timezone) from leads where campaign_id = ${campaignId} and ${CALLABLE})
      union all
      select (select min(timezone) from leads where campaign_id = ${campaignId} and ${CALLABLE} and timezone > z.tz) from z where z.tz is not null
    )
    select tz from z where tz is not null`.execute(store.db);
  const nulls = await sql<{ one: number }>`select 1 as one from leads where campaign_id = ${campaignId} and ${CALLABLE} and timezone is null limit 1`.execute(store.db);
  return { zones: zones.rows.map((r) => r.tz), hasNull: nulls.rows.length > 0 };
}

/** The id range of a campaign's callable leads in these zones (for the `random` order's pivot). */
export async function idRange(
  store: Store,
  campaignId: string,
  zones: readonly string[],
  includeNull: boolean,
): Promise<{ lo: number; hi: number } | undefined> {
  const conds: RawBuilder<unknown>[] = zones.map((z) => sql`timezone = ${z}`);
  if (includeNull) conds.push(sql`timezone is null`);
  let lo: number | undefined;
  let hi: number | undefined;
  // Each min/max is one index seek in (campaign_id, timezone, id).
  for (const c of conds) {
    const r = await sql<{ lo: number | null; hi: number | null }>`select
        (select min(id) from leads where campaign_id = ${campaignId} and ${CALLABLE} and ${c}) as lo,
        (select max(id) from leads where campaign_id = ${campaignId} and ${CALLABLE} and ${c}) as hi`.execute(store.db);
    const row = r.rows[0];
    if (row?.lo === null || row?.lo === undefined || row.hi === null || row.hi === undefined) continue;
    lo = lo === undefined ? Number(row.lo) : Math.min(lo, Number(row.lo));
    hi = hi === undefined ? Number(row.hi) : Math.max(hi, Number(row.hi));
  }
  return lo === undefined || hi === undefined ? undefined : { lo, hi };
}
