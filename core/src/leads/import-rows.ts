import { CompiledQuery, type Kysely } from 'kysely';
import type { SqlDialect } from '../store/dialect.js';
import { DialerError } from '../errors/index.js';
import type { Database } from '../store/schema.js';
import { chunks } from './db.js';
import type { LeadImportMapping } from './import.js';
import type { PhoneNormalizer } from './phone.js';
import { deriveTimezone } from './timezone.js';

/** One CSV row turned into lead columns. */
export interface PlannedRow {
  row: number;
  phone: string;
  values: Record<string, unknown>;
}

/** Column indexes of each field, resolved from the header. */
export interface Plan {
  phone: number;
  alt: number[];
  simple: [string, number][];
  custom: [string, number][];
  priority: number;
  timezone: number;
  state: number;
  country: number;
}

export function planFrom(header: string[], mapping: LeadImportMapping): Plan {
  const idx = new Map(header.map((h, i) => [h.trim().toLowerCase(), i]));
  const missing: string[] = [];
  const plan: Plan = { phone: -1, alt: [], simple: [], custom: [], priority: -1, timezone: -1, state: -1, country: -1 };
  for (const [col, field] of Object.entries(mapping.columns)) {
    const i = idx.get(col.trim().toLowerCase());
    if (i === undefined) {
      missing.push(col);
      continue;
    }
    if (field === 'phone') plan.phone = i;
    else if (field === 'alt_phone') plan.alt.push(i);
    else if (field === 'priority') plan.priority = i;
    else if (field.startsWith('custom.')) plan.custom.push([field.slice(7), i]);
    else {
      plan.simple.push([field, i]);
      if (field === 'timezone') plan.timezone = i;
      if (field === 'state') plan.state = i;
      if (field === 'country') plan.country = i;
    }
  }
  if (missing.length > 0) throw new DialerError('DIALER_ERR_IMPORT', `the file has no column ${missing.join(', ')}`, { details: { missing, header } });
  return plan;
}

/** Validates and converts one record; the reason when the row is invalid. */
export function planRow(rec: string[], row: number, plan: Plan, normalizer: PhoneNormalizer, defaultCountry: string): PlannedRow | { error: string } {
  const main = normalizer.normalize(rec[plan.phone]);
  if (!main.ok) return { error: main.reason };
  const phone = main.phone.e164;
  const values: Record<string, unknown> = {};
  for (const [field, i] of plan.simple) {
    const v = rec[i]?.trim();
    values[field] = v ? v.slice(0, 500) : null;
  }
  const alts: string[] = [];
  for (const i of plan.alt) {
    const raw = rec[i]?.trim();
    if (!raw) continue;
    const a = normalizer.normalize(raw);
    if (!a.ok) return { error: `alternate number: ${a.reason}` };
    if (a.phone.e164 !== phone && !alts.includes(a.phone.e164)) alts.push(a.phone.e164);
  }
  values['alt_phones'] = alts.length > 0 ? JSON.stringify(alts) : '[]';
  let priority = 0;
  if (plan.priority >= 0) {
    const p = rec[plan.priority]?.trim();
    if (p) {
      priority = Number(p);
      if (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000) return { error: `priority must be an integer (got ${p.slice(0, 20)})` };
    }
  }
  values['priority'] = priority;
  if (plan.custom.length > 0) {
    const custom: Record<string, string> = {};
    for (const [k, i] of plan.custom) {
      const v = rec[i];
      if (v !== undefined && v !== '') custom[k] = v.slice(0, 2000);
    }
    values['custom'] = JSON.stringify(custom);
  } else values['custom'] = '{}';
  let country = (values['country'] as string | null) ?? null;
  if (country) {
    country = country.toUpperCase();
    if (!/^[A-Z]{2}$/.test(country)) return { error: `country must be an ISO 3166-1 alpha-2 code (got ${country.slice(0, 20)})` };
  } else country = main.phone.country ?? defaultCountry;
  values['country'] = country;
  const state = (values['state'] as string | null)?.toUpperCase() ?? null;
  if (plan.state >= 0) values['state'] = state;
  const given = plan.timezone >= 0 ? (values['timezone'] as string | null) : null;
  const tz = deriveTimezone({ given, e164: phone, country, state });
  if (given && tz !== given) return { error: `unknown time zone ${given.slice(0, 40)}` };
  values['timezone'] = tz;
  return { row, phone, values };
}

const LEAD_COLUMNS = ['first_name', 'last_name', 'email', 'address', 'city', 'state', 'postal_code', 'country', 'timezone'] as const;

/**
 * Inserts planned rows (same columns on every row, as SQLite needs); returns
 * the phones inserted. Phones already in the list are found first with the
 * list's unique index, so the insert itself needs no RETURNING (much faster
 * on SQLite); a concurrent insert of the same phone is still caught by
 * ON CONFLICT and detected by the row count.
 */
export async function insertLeads(
  trx: Kysely<Database>,
  dialect: SqlDialect,
  tenantId: string,
  listId: string,
  campaignId: string | null,
  rows: PlannedRow[],
  at: number,
): Promise<Set<string>> {
  // Hand-built statements: this is the import's hot path, and building a query
  // tree of tens of thousands of values costs more than running it.
  const ph = placeholders(dialect);
  const existing = new Set<string>();
  for (const part of chunks(rows, 900)) {
    const params: unknown[] = [listId, ...part.map((r) => r.phone)];
    const text = `select phone from leads where list_id = ${ph(1)} and phone in (${part.map((_, i) => ph(i + 2)).join(', ')})`;
    const found = await trx.executeQuery<{ phone: string }>(CompiledQuery.raw(text, params));
    for (const f of found.rows) existing.add(f.phone);
  }
  const fresh = rows.filter((r) => !existing.has(r.phone));
  const cols = ['tenant_id', 'list_id', 'campaign_id', 'phone', 'alt_phones', 'priority', 'custom', 'status', 'next_call_after', 'created_at', 'updated_at', ...LEAD_COLUMNS];
  // SQLite allows 32,766 bound variables per statement.
  const per = Math.max(1, Math.floor(30_000 / cols.length));
  let insertedCount = 0;
  for (const part of chunks(fresh, per)) {
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const r of part) {
      const start = params.length;
      params.push(tenantId, listId, campaignId, r.phone, r.values['alt_phones'], r.values['priority'], r.values['custom'], 'new', 0, at, at);
      for (const c of LEAD_COLUMNS) params.push(r.values[c] ?? null);
      let t = '(';
      for (let i = 0; i < cols.length; i++) t += (i > 0 ? ', ' : '') + ph(start + i + 1);
      tuples.push(`${t})`);
    }
    const text = `insert into leads (${cols.join(', ')}) values ${tuples.join(', ')} on conflict (list_id, phone) do nothing`;
    const r = await trx.executeQuery(CompiledQuery.raw(text, params));
    insertedCount += Number(r.numAffectedRows ?? 0n);
  }
  if (insertedCount === fresh.length) return new Set(fresh.map((r) => r.phone));
  // Someone else inserted some of these phones meanwhile: ask which rows are ours.
  const mine = new Set<string>();
  for (const part of chunks(fresh, 900)) {
    const found = await trx
      .selectFrom('leads')
      .select('phone')
      .where('list_id', '=', listId)
      .where('created_at', '=', at)
      .where(
        'phone',
        'in',
        part.map((r) => r.phone),
      )
      .execute();
    for (const f of found) mine.add(f.phone);
  }
  return mine;
}

/** `?` on SQLite, `$n` on PostgreSQL. */
function placeholders(dialect: SqlDialect): (n: number) => string {
  return dialect === 'postgres' ? (n) => `$${n}` : () => '?';
}
