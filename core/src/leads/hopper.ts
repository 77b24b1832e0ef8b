import { sql } from 'kysely';
import { fromJson } from '../store/json.js';
import type { Store } from '../store/store.js';
import { isInCallWindow, type CallWindow } from '../dialer/call-window.js';
import { claimStatement, distinctZones, idRange, RETURNING, type ScanOrder } from './hopper-query.js';

/** Lead orders of a campaign (`campaigns.lead_order`). */
export type LeadOrder = 'priority' | 'oldest_call' | 'newest' | 'random' | 'list_mix';

/** A lead the hopper handed to one dialer node. */
export interface ClaimedLead {
  id: number;
  listId: string;
  campaignId: string;
  /** The number to dial now (`phone` or the alternate at `phoneIndex`). */
  dialPhone: string;
  phone: string;
  altPhones: string[];
  phoneIndex: number;
  timezone: string | null;
  state: string | null;
  country: string | null;
  attempts: number;
  dayAttempts: number;
  dayKey: string | null;
  priority: number;
  status: string;
  firstName: string | null;
  lastName: string | null;
  lastCallAt: number | null;
  /** Set when a due callback brought the lead: the callback, and its agent for agent-only callbacks. */
  callbackId?: string;
  callbackAgentId?: string | null;
}

/** Input of {@link claimLeads}. */
export interface ClaimInput {
  tenantId: string;
  campaignId: string;
  /** The claiming node (written to `claimed_by`). */
  nodeId: string;
  limit: number;
  nowMs: number;
  /** How long the claim holds if the node dies (default 10 min). */
  leaseMs?: number;
  order?: LeadOrder;
  /** For `list_mix`: lists and their weights. */
  listMix?: { listId: string; weight: number }[];
  /**
   * Zones (values of `leads.timezone`) whose call window may be open now, from
   * {@link openZones}; `includeUnknownZone` also takes leads without a zone.
   * Undefined: no zone filter.
   */
  zones?: readonly string[];
  includeUnknownZone?: boolean;
  /** Random pivot for `random` order, in [0, 1) (tests pass a fixed one). */
  random?: number;
}

/** The lead columns a claim reads. */
export interface LeadRow {
  id: number;
  list_id: string;
  campaign_id: string | null;
  phone: string;
  alt_phones: string;
  phone_index: number;
  timezone: string | null;
  state: string | null;
  country: string | null;
  attempts: number;
  day_attempts: number;
  day_key: string | null;
  priority: number;
  status: string;
  first_name: string | null;
  last_name: string | null;
  last_call_at: number | null;
}

/** A claimed lead as the dialer sees it, from its row (and the callback it is dialled for). */
export function toClaimed(r: LeadRow, callbackId?: string): ClaimedLead {
  const alts = fromJson<string[]>(r.alt_phones, []);
  const idx = r.phone_index > 0 && r.phone_index <= alts.length ? r.phone_index : 0;
  return {
    id: Number(r.id),
    listId: r.list_id,
    campaignId: r.campaign_id ?? '',
    dialPhone: idx === 0 ? r.phone : alts[idx - 1]!,
    phone: r.phone,
    altPhones: alts,
    phoneIndex: idx,
    timezone: r.timezone,
    state: r.state,
    country: r.country,
    attempts: Number(r.attempts),
    dayAttempts: Number(r.day_attempts),
    dayKey: r.day_key,
    priority: Number(r.priority),
    status: r.status,
    firstName: r.first_name,
    lastName: r.last_name,
    lastCallAt: r.last_call_at === null ? null : Number(r.last_call_at),
    ...(callbackId ? { callbackId } : {}),
  };
}

/**
 * The zones (distinct `leads.timezone` values) where a campaign's window may
 * be open now: open under the default rule or any regional rule. The exact
 * check, with the lead's state, happens after the claim.
 */
export function openZones(window: CallWindow, zones: readonly (string | null)[], nowMs: number): { zones: string[]; includeUnknownZone: boolean } {
  const rules: CallWindow[] = [window, ...Object.values(window.byRegion ?? {}).filter((r): r is NonNullable<typeof r> => !!r).map((r) => ({ ...window, ...r, byRegion: {} }))];
  const open: string[] = [];
  for (const z of zones) {
    if (z === null) continue;
    if (rules.some((r) => isInCallWindow({ ...r, byRegion: {} }, { timezone: z }, nowMs))) open.push(z);
  }
  const includeUnknownZone = !!window.timezone && rules.some((r) => isInCallWindow({ ...r, byRegion: {} }, { timezone: window.timezone! }, nowMs));
  return { zones: open, includeUnknownZone };
}

/** Distinct time zones of a campaign's callable leads (cache it for a few minutes); `null` for leads without one. */
export async function campaignZones(store: Store, tenantId: string, campaignId: string): Promise<(string | null)[]> {
  const { zones, hasNull } = await distinctZones(store, tenantId, campaignId);
  return hasNull ? [...zones, null] : zones;
}

/**
 * Claims the next leads of a campaign for one node, in the campaign's lead
 * order, among leads callable now: status `new`/`callable`, `next_call_after`
 * passed, in a zone whose window may be open. Claimed leads become
 * `in_progress` with `claimed_by`/`claimed_until`, so no other dialer takes
 * them: on PostgreSQL with `FOR UPDATE SKIP LOCKED` (concurrent claimers skip
 * each other's rows instead of waiting), on SQLite in one atomic statement.
 *
 * Due callbacks are not here: {@link claimDueCallbacks} takes them first.
 */
export async function claimLeads(store: Store, input: ClaimInput): Promise<ClaimedLead[]> {
  if (!Number.isInteger(input.limit) || input.limit < 1) return [];
  if (input.zones && input.zones.length === 0 && !input.includeUnknownZone) return [];
  // Without a zone filter: every zone the campaign's callable leads are in.
  let zones: Zones;
  if (input.zones) zones = { zones: [...new Set(input.zones)], includeNull: input.includeUnknownZone === true };
  else {
    const d = await distinctZones(store, input.tenantId, input.campaignId);
    zones = { zones: d.zones, includeNull: d.hasNull };
  }
  if (zones.zones.length === 0 && !zones.includeNull) return [];
  const order = input.order ?? 'priority';
  if (order === 'list_mix') return claimListMix(store, input, zones);
  if (order === 'random') {
    // A random pivot in the id range, then ids upward (wrapping): random without a sort.
    const range = await idRange(store, input.campaignId, zones.zones, zones.includeNull);
    if (!range) return [];
    const u = input.random ?? Math.random();
    const pivot = Math.floor(range.lo + u * (range.hi - range.lo + 1));
    const first = await claimOnce(store, input, zones, input.limit, 'random', { fromId: pivot });
    if (first.length >= input.limit) return first;
    return first.concat(await claimOnce(store, input, zones, input.limit - first.length, 'random', { belowId: pivot }));
  }
  return claimOnce(store, input, zones, input.limit, order);
}

interface Zones {
  zones: string[];
  includeNull: boolean;
}

async function claimOnce(
  store: Store,
  input: ClaimInput,
  zones: Zones,
  limit: number,
  order: ScanOrder,
  range: { listId?: string; fromId?: number; belowId?: number } = {},
): Promise<ClaimedLead[]> {
  const q = claimStatement(store, {
    tenantId: input.tenantId,
    campaignId: input.campaignId,
    nodeId: input.nodeId,
    nowMs: input.nowMs,
    until: input.nowMs + (input.leaseMs ?? 600_000),
    limit,
    order,
    zones: zones.zones,
    includeNull: zones.includeNull,
    listId: range.listId,
    fromId: range.fromId,
    belowId: range.belowId,
  });
  const rows = (await q.execute(store.db)).rows as unknown as LeadRow[];
  const claimed = rows.map((r) => toClaimed(r));
  // RETURNING does not keep the subquery's order: restore it.
  if (order === 'newest') claimed.sort((a, b) => b.id - a.id);
  else if (order === 'priority') claimed.sort((a, b) => b.priority - a.priority || a.id - b.id);
  else if (order === 'oldest_call') claimed.sort((a, b) => (a.lastCallAt ?? -1) - (b.lastCallAt ?? -1) || a.id - b.id);
  else claimed.sort((a, b) => a.id - b.id);
  return claimed;
}

async function claimListMix(store: Store, input: ClaimInput, zones: Zones): Promise<ClaimedLead[]> {
  const mix = (input.listMix ?? []).filter((m) => m.weight > 0);
  if (mix.length === 0) return claimOnce(store, input, zones, input.limit, 'priority');
  const total = mix.reduce((a, m) => a + m.weight, 0);
  const parts: ClaimedLead[][] = [];
  let left = input.limit;
  for (const m of mix) {
    const n = Math.min(left, Math.max(1, Math.round((input.limit * m.weight) / total)));
    if (n <= 0) continue;
    const got = await claimOnce(store, input, zones, n, 'priority', { listId: m.listId });
    parts.push(got);
    left -= got.length;
  }
  // Lists that ran dry leave room for the others.
  if (left > 0) parts.push(await claimOnce(store, input, zones, left, 'priority'));
  // Interleave by ratio: take from each list in turn.
  const out: ClaimedLead[] = [];
  for (let i = 0; out.length < parts.reduce((a, p) => a + p.length, 0); i++) {
    for (const p of parts) if (p[i]) out.push(p[i]!);
  }
  return out;
}

/** What happens to a lead a node releases without dialling it, or after a call. */
export interface LeadRelease {
  status: 'new' | 'callable' | 'done' | 'dnc' | 'callback' | 'invalid';
  nextCallAfter?: number;
  phoneIndex?: number;
  disposition?: string | null;
}

/** Releases a claimed lead (only if this node still holds it). Returns false when the claim was lost. */
export async function releaseLead(store: Store, tenantId: string, nodeId: string, leadId: number, release: LeadRelease, nowMs: number): Promise<boolean> {
  const set: Record<string, unknown> = { status: release.status, claimed_by: null, claimed_until: null, updated_at: nowMs };
  if (release.nextCallAfter !== undefined) set['next_call_after'] = release.nextCallAfter;
  if (release.phoneIndex !== undefined) set['phone_index'] = release.phoneIndex;
  if (release.disposition !== undefined) set['disposition'] = release.disposition;
  const r = await store
    .tenant(tenantId)
    .updateTable('leads')
    .set(set as never)
    .where('id', '=', leadId)
    .where('claimed_by', '=', nodeId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Counts an attempt on a claimed lead as it is dialled (attempts, per-day attempts, last call). */
export async function recordAttempt(store: Store, tenantId: string, leadId: number, dayKey: string, nowMs: number): Promise<void> {
  await sql`update leads set attempts = attempts + 1,
      day_attempts = case when day_key = ${dayKey} then day_attempts + 1 else 1 end,
      day_key = ${dayKey}, last_call_at = ${nowMs}, updated_at = ${nowMs}
    where tenant_id = ${tenantId} and id = ${leadId}`.execute(store.db);
}

/** Returns leads whose claim expired (their node died) to the hopper. */
export async function recoverExpiredClaims(store: Store, nowMs: number): Promise<number> {
  const r = await sql`update leads set status = 'callable', claimed_by = null, claimed_until = null, updated_at = ${nowMs}
    where status = 'in_progress' and claimed_until < ${nowMs}`.execute(store.db);
  return Number(r.numAffectedRows ?? 0n);
}

/**
 * Claims leads with callbacks due now (pending, `due_at` passed), oldest
 * first, marking each callback `dialing`. Agent-only callbacks come with their
 * agent: pass `agentIds` (agents ready now) to take only those whose agent can
 * take the call; callbacks for anyone are always taken.
 */
export async function claimDueCallbacks(
  store: Store,
  input: { tenantId: string; campaignId: string; nodeId: string; limit: number; nowMs: number; leaseMs?: number; readyAgentIds?: readonly string[] },
): Promise<ClaimedLead[]> {
  if (input.limit < 1) return [];
  const scope = store.tenant(input.tenantId);
  let q = scope
    .selectFrom('callbacks')
    .select(['id', 'lead_id', 'agent_id'])
    .where('campaign_id', '=', input.campaignId)
    .where('status', '=', 'pending')
    .where('due_at', '<=', input.nowMs);
  const ready = input.readyAgentIds ?? [];
  q = ready.length > 0 ? q.where((eb) => eb.or([eb('agent_id', 'is', null), eb('agent_id', 'in', [...ready])])) : q.where('agent_id', 'is', null);
  const due = await q.orderBy('due_at').limit(input.limit).execute();
  const out: ClaimedLead[] = [];
  const until = input.nowMs + (input.leaseMs ?? 600_000);
  for (const cb of due) {
    const taken = await scope
      .updateTable('callbacks')
      .set({ status: 'dialing', updated_at: input.nowMs })
      .where('id', '=', cb.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 0) continue; // another node took it
    const lock = store.dialect === 'postgres' ? sql` for update skip locked` : sql``;
    const rows = (
      await sql<LeadRow>`update leads set status = 'in_progress', claimed_by = ${input.nodeId}, claimed_until = ${until}, updated_at = ${input.nowMs}
        where id in (select id from leads where tenant_id = ${input.tenantId} and id = ${cb.lead_id} and status in ('callback', 'new', 'callable')${lock})
        returning ${RETURNING}`.execute(store.db)
    ).rows;
    if (rows.length === 0) {
      await scope.updateTable('callbacks').set({ status: 'cancelled', updated_at: input.nowMs }).where('id', '=', cb.id).execute();
      continue;
    }
    out.push({ ...toClaimed(rows[0]!), callbackId: cb.id, callbackAgentId: cb.agent_id });
  }
  return out;
}

/** Marks a callback finished after its call. */
export async function completeCallback(store: Store, tenantId: string, callbackId: string, nowMs: number): Promise<void> {
  await store.tenant(tenantId).updateTable('callbacks').set({ status: 'done', updated_at: nowMs }).where('id', '=', callbackId).execute();
}
