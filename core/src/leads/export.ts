import { sql } from 'kysely';
import { DialerError } from '../errors/index.js';
import { fromJson } from '../store/json.js';
import type { Store } from '../store/store.js';

/** One CSV field, quoted when needed (RFC 4180); cells starting with = + - @ are prefixed with ' against formula injection. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'string' ? v : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^[+-]?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function line(cells: unknown[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

/** Which leads to export or search. */
export interface LeadFilter {
  listId?: string;
  campaignId?: string;
  status?: string;
}

const LEAD_HEADER = [
  'id', 'list_id', 'campaign_id', 'phone', 'alt_phones', 'first_name', 'last_name', 'email', 'address', 'city', 'state', 'postal_code',
  'country', 'timezone', 'status', 'disposition', 'attempts', 'last_call_at', 'next_call_after', 'priority', 'created_at',
] as const;

/**
 * Leads as CSV, one chunk of lines at a time (the header first), read in
 * pages by id so memory stays flat: `Readable.from(exportLeadsCsv(...))`.
 * Custom fields follow as `custom.<key>` columns named by `customKeys`.
 */
export async function* exportLeadsCsv(store: Store, tenantId: string, filter: LeadFilter = {}, customKeys: string[] = []): AsyncGenerator<string> {
  yield line([...LEAD_HEADER, ...customKeys.map((k) => `custom.${k}`)]);
  let after = 0;
  for (;;) {
    let q = store.tenant(tenantId).selectFrom('leads').selectAll().where('id', '>', after);
    if (filter.listId) q = q.where('list_id', '=', filter.listId);
    if (filter.campaignId) q = q.where('campaign_id', '=', filter.campaignId);
    if (filter.status) q = q.where('status', '=', filter.status as never);
    const rows = await q.orderBy('id').limit(2000).execute();
    if (rows.length === 0) return;
    let out = '';
    for (const r of rows) {
      const alts = fromJson<string[]>(r.alt_phones, []).join(' ');
      const custom = customKeys.length > 0 ? fromJson<Record<string, unknown>>(r.custom, {}) : {};
      const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : '');
      out += line([
        r.id, r.list_id, r.campaign_id, r.phone, alts, r.first_name, r.last_name, r.email, r.address, r.city, r.state, r.postal_code,
        r.country, r.timezone, r.status, r.disposition, r.attempts, iso(r.last_call_at), iso(r.next_call_after), r.priority, iso(r.created_at),
        ...customKeys.map((k) => custom[k]),
      ]);
    }
    yield out;
    after = Number(rows[rows.length - 1]!.id);
  }
}

/** Call results (CDRs) of a period as CSV, oldest first, in pages. */
export async function* exportCallResultsCsv(
  store: Store,
  tenantId: string,
  filter: { campaignId?: string; fromMs: number; toMs: number },
): AsyncGenerator<string> {
  if (!(filter.toMs > filter.fromMs)) throw new DialerError('DIALER_ERR_VALIDATION', 'toMs must be after fromMs');
  yield line([
    'call_id', 'campaign_id', 'lead_id', 'agent_id', 'direction', 'phone', 'start', 'answer', 'end', 'duration_s', 'talk_s', 'wait_ms',
    'outcome', 'amd', 'abandoned', 'disposition', 'hangup_by', 'hangup_cause',
  ]);
  let afterStart = filter.fromMs - 1;
  let afterId = '';
  for (;;) {
    let q = store
      .tenant(tenantId)
      .selectFrom('cdrs')
      .selectAll()
      .where('start_at', '<', filter.toMs)
      .where((eb) => eb.or([eb('start_at', '>', afterStart), eb.and([eb('start_at', '=', afterStart), eb('id', '>', afterId)])]));
    if (filter.campaignId) q = q.where('campaign_id', '=', filter.campaignId);
    const rows = await q.orderBy('start_at').orderBy('id').limit(2000).execute();
    if (rows.length === 0) return;
    let out = '';
    for (const r of rows) {
      out += line([
        r.call_id, r.campaign_id, r.lead_id, r.agent_id, r.direction, r.phone, new Date(r.start_at).toISOString(),
        r.answer_at ? new Date(r.answer_at).toISOString() : '', new Date(r.end_at).toISOString(), Math.round(r.duration_ms / 1000),
        Math.round(r.talk_ms / 1000), r.wait_ms, r.outcome, r.amd_status, r.abandoned, r.disposition, r.hangup_by, r.hangup_cause,
      ]);
    }
    yield out;
    const last = rows[rows.length - 1]!;
    afterStart = last.start_at;
    afterId = last.id;
  }
}

/** Input of {@link searchLeads}. */
export interface LeadSearch extends LeadFilter {
  /** Matches the phone (digits, any format), or the start of first name, last name or email. */
  q?: string;
  /** Leads with id greater than this (keyset paging). */
  afterId?: number;
  limit?: number;
}

/** Finds leads of a tenant; pages by id. */
export async function searchLeads(store: Store, tenantId: string, search: LeadSearch = {}) {
  let q = store.tenant(tenantId).selectFrom('leads').selectAll();
  if (search.listId) q = q.where('list_id', '=', search.listId);
  if (search.campaignId) q = q.where('campaign_id', '=', search.campaignId);
  if (search.status) q = q.where('status', '=', search.status as never);
  if (search.afterId !== undefined) q = q.where('id', '>', search.afterId);
  const text = search.q?.trim();
  if (text) {
    const digits = text.replace(/[^\d]/g, '');
    if (digits.length >= 7 && /^[+\d\s().-]+$/.test(text)) {
      // Phone: the tenant's (tenant_id, phone) index, E.164 with or without the country code.
      const candidates = [`+${digits}`, `+1${digits}`];
      q = q.where('phone', 'in', candidates);
    } else {
      const like = `${text.replace(/[%_\\]/g, '')}%`;
      q = q.where((eb) =>
        eb.or([eb(sql`lower(first_name)`, 'like', like.toLowerCase()), eb(sql`lower(last_name)`, 'like', like.toLowerCase()), eb(sql`lower(email)`, 'like', like.toLowerCase())]),
      );
    }
  }
  const rows = await q.orderBy('id').limit(Math.min(500, search.limit ?? 50)).execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), alt_phones: fromJson<string[]>(r.alt_phones, []), custom: fromJson<Record<string, unknown>>(r.custom, {}) }));
}
