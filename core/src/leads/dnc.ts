import { pipeline, Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { DialerError } from '../errors/index.js';
import { newId } from '../ids.js';
import type { Store } from '../store/store.js';
import { chunks, dialerDb, dncScopeKey, type DncScope } from './db.js';
import { parseDncPattern, PhoneNormalizer } from './phone.js';

/** A DNC entry as stored. */
export interface DncEntry {
  id: string;
  scope: DncScope;
  tenantId: string | null;
  campaignId: string | null;
  /** E.164 number, or a prefix (`+1212`) when `isPrefix`. */
  phone: string;
  isPrefix: boolean;
  source: string;
  reason: string | null;
  createdBy: string | null;
  expiresAtMs: number | null;
  createdAtMs: number;
}

/** Where a number matched a DNC list. */
export interface DncHit {
  scope: DncScope;
  /** The entry that matched (the number, or the prefix). */
  entry: string;
  isPrefix: boolean;
  reason: string | null;
}

/** Which lists apply to a call: the global list, the tenant's, and the campaign's. */
export interface DncContext {
  tenantId: string;
  campaignId?: string | null;
  nowMs: number;
}

/** Input of {@link addDnc}. */
export interface AddDncInput {
  scope: DncScope;
  /** Required for `tenant` and `campaign` scope; must be null/absent for `global`. */
  tenantId?: string | null;
  campaignId?: string | null;
  /** A number in any format, or a prefix with a trailing `*` (`+1212*`): an area-code wildcard. */
  phone: string;
  reason?: string | null;
  source?: string;
  createdBy?: string | null;
  expiresAtMs?: number | null;
  /** Region for national numbers (default `US`). */
  defaultCountry?: string;
  nowMs: number;
}

function checkScope(scope: DncScope, tenantId: string | null | undefined, campaignId: string | null | undefined): void {
  if (scope === 'global' && (tenantId || campaignId)) throw new DialerError('DIALER_ERR_VALIDATION', 'the global DNC list has no tenant or campaign');
  if (scope !== 'global' && !tenantId) throw new DialerError('DIALER_ERR_VALIDATION', `a ${scope} DNC entry needs a tenant`);
  if (scope === 'campaign' && !campaignId) throw new DialerError('DIALER_ERR_VALIDATION', 'a campaign DNC entry needs a campaign');
  if (scope === 'tenant' && campaignId) throw new DialerError('DIALER_ERR_VALIDATION', 'a tenant DNC entry has no campaign');
}

/** Adds (or refreshes) a number or prefix on a DNC list. Throws DIALER_ERR_PHONE_INVALID for a bad number. */
export async function addDnc(store: Store, input: AddDncInput): Promise<DncEntry> {
  checkScope(input.scope, input.tenantId, input.campaignId);
  const parsed = parseDncPattern(input.phone, new PhoneNormalizer({ defaultCountry: input.defaultCountry ?? 'US' }));
  if ('error' in parsed) throw new DialerError('DIALER_ERR_PHONE_INVALID', parsed.error, { details: { phone: input.phone } });
  const tenantId = input.scope === 'global' ? null : input.tenantId!;
  const campaignId = input.scope === 'campaign' ? input.campaignId! : null;
  const row = {
    id: newId(input.nowMs),
    tenant_id: tenantId,
    scope: input.scope,
    campaign_id: campaignId,
    scope_key: dncScopeKey(input.scope, tenantId, campaignId),
    phone: parsed.phone,
    is_prefix: parsed.isPrefix ? 1 : 0,
    source: input.source ?? 'manual',
    reason: input.reason ?? null,
    created_by: input.createdBy ?? null,
    expires_at: input.expiresAtMs ?? null,
    created_at: input.nowMs,
  };
  const saved = await dialerDb(store)
    .insertInto('dnc')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['scope_key', 'phone']).doUpdateSet({ reason: row.reason, source: row.source, expires_at: row.expires_at, is_prefix: row.is_prefix }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return toEntry(saved);
}

/** Removes a number or prefix from one list; false when it was not there. */
export async function removeDnc(
  store: Store,
  input: { scope: DncScope; tenantId?: string | null; campaignId?: string | null; phone: string; defaultCountry?: string },
): Promise<boolean> {
  checkScope(input.scope, input.tenantId, input.campaignId);
  const parsed = parseDncPattern(input.phone, new PhoneNormalizer({ defaultCountry: input.defaultCountry ?? 'US' }));
  if ('error' in parsed) throw new DialerError('DIALER_ERR_PHONE_INVALID', parsed.error, { details: { phone: input.phone } });
  const key = dncScopeKey(input.scope, input.scope === 'global' ? null : input.tenantId!, input.scope === 'campaign' ? input.campaignId! : null);
  const r = await dialerDb(store).deleteFrom('dnc').where('scope_key', '=', key).where('phone', '=', parsed.phone).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

function scopeKeys(ctx: DncContext): string[] {
  const keys = [dncScopeKey('global', null, null), dncScopeKey('tenant', ctx.tenantId, null)];
  if (ctx.campaignId) keys.push(dncScopeKey('campaign', ctx.tenantId, ctx.campaignId));
  return keys;
}

/** Every prefix of an E.164 number, from `+1` to the whole number. */
function prefixesOf(e164: string): string[] {
  const out: string[] = [];
  for (let i = 2; i <= e164.length; i++) out.push(e164.slice(0, i));
  return out;
}

/**
 * Checks one E.164 number against the global, tenant and campaign lists,
 * exact numbers and area-code wildcards alike (one indexed query). Used at
 * dial time, since a DNC list can change after import.
 */
export async function checkDnc(store: Store, ctx: DncContext, e164: string): Promise<DncHit | null> {
  const rows = await dialerDb(store)
    .selectFrom('dnc')
    .select(['scope', 'phone', 'is_prefix', 'reason'])
    .where('phone', 'in', prefixesOf(e164))
    .where('scope_key', 'in', scopeKeys(ctx))
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', ctx.nowMs)]))
    .execute();
  const hit = rows.find((r) => r.phone === e164 || r.is_prefix === 1);
  return hit ? { scope: hit.scope as DncScope, entry: hit.phone, isPrefix: hit.is_prefix === 1, reason: hit.reason } : null;
}

/**
 * Checks numbers in bulk (the import's scrub): one query per 500 numbers for
 * exact entries, and the lists' wildcards loaded once.
 */
export class DncScrubber {
  private prefixes: { phone: string; scope: DncScope; reason: string | null }[] | undefined;

  constructor(
    private readonly store: Store,
    private readonly ctx: DncContext,
  ) {}

  async check(phones: readonly string[]): Promise<Map<string, DncHit>> {
    const db = dialerDb(this.store);
    const keys = scopeKeys(this.ctx);
    if (!this.prefixes) {
      const rows = await db
        .selectFrom('dnc')
        .select(['phone', 'scope', 'reason', 'expires_at'])
        .where('scope_key', 'in', keys)
        .where('is_prefix', '=', 1)
        .execute();
      this.prefixes = rows
        .filter((r) => r.expires_at === null || r.expires_at > this.ctx.nowMs)
        .map((r) => ({ phone: r.phone, scope: r.scope as DncScope, reason: r.reason }));
    }
    const hits = new Map<string, DncHit>();
    if (phones.length === 0) return hits;
    for (const part of chunks(phones, 500)) {
      const rows = await db
        .selectFrom('dnc')
        .select(['phone', 'scope', 'reason', 'expires_at'])
        .where('phone', 'in', part)
        .where('scope_key', 'in', keys)
        .execute();
      for (const r of rows) {
        if (r.expires_at !== null && r.expires_at <= this.ctx.nowMs) continue;
        hits.set(r.phone, { scope: r.scope as DncScope, entry: r.phone, isPrefix: false, reason: r.reason });
      }
    }
    if (this.prefixes.length > 0) {
      for (const p of phones) {
        if (hits.has(p)) continue;
        const pre = this.prefixes.find((x) => p.startsWith(x.phone));
        if (pre) hits.set(p, { scope: pre.scope, entry: pre.phone, isPrefix: true, reason: pre.reason });
      }
    }
    return hits;
  }
}

/** Input of {@link importDnc}. */
export interface ImportDncInput {
  scope: DncScope;
  tenantId?: string | null;
  campaignId?: string | null;
  /** CSV (with a header row) or one number per line. */
  source: Readable | AsyncIterable<Buffer | string>;
  /** Column holding the number (default: `phone`, else the first column). */
  column?: string;
  reason?: string | null;
  /** Stored as the entries' `source` (default `import`). */
  origin?: string;
  createdBy?: string | null;
  defaultCountry?: string;
  nowMs: number;
}

/** Result of {@link importDnc}. */
export interface DncImportReport {
  added: number;
  invalid: number;
  /** First invalid rows (data row numbers, 1 = first row after the header). */
  errors: { row: number; reason: string }[];
}

/** Streams a CSV of numbers (and `*` wildcards) onto a DNC list; bad rows are reported, never fatal. */
export async function importDnc(store: Store, input: ImportDncInput): Promise<DncImportReport> {
  checkScope(input.scope, input.tenantId, input.campaignId);
  const normalizer = new PhoneNormalizer({ defaultCountry: input.defaultCountry ?? 'US' });
  const tenantId = input.scope === 'global' ? null : input.tenantId!;
  const campaignId = input.scope === 'campaign' ? input.campaignId! : null;
  const scopeKey = dncScopeKey(input.scope, tenantId, campaignId);
  const parser = parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true });
  pipeline(toReadable(input.source), parser, (err) => {
    if (err) parser.destroy(err);
  });
  const report: DncImportReport = { added: 0, invalid: 0, errors: [] };
  let col = -1;
  let header = true;
  let row = 0;
  let batch = new Map<string, number>();
  const flush = async (): Promise<void> => {
    if (batch.size === 0) return;
    const values = [...batch].map(([phone, isPrefix]) => ({
      id: newId(input.nowMs),
      tenant_id: tenantId,
      scope: input.scope,
      campaign_id: campaignId,
      scope_key: scopeKey,
      phone,
      is_prefix: isPrefix,
      source: input.origin ?? 'import',
      reason: input.reason ?? null,
      created_by: input.createdBy ?? null,
      expires_at: null,
      created_at: input.nowMs,
    }));
    batch = new Map();
    const r = await dialerDb(store).insertInto('dnc').values(values).onConflict((oc) => oc.columns(['scope_key', 'phone']).doNothing()).executeTakeFirst();
    report.added += Number(r.numInsertedOrUpdatedRows ?? 0n);
  };
  for await (const rec of parser as AsyncIterable<string[]>) {
    if (header) {
      header = false;
      const lower = rec.map((c) => c.toLowerCase());
      const want = (input.column ?? 'phone').toLowerCase();
      col = lower.indexOf(want);
      if (col >= 0) continue;
      // No header: the first column holds numbers, and this row is data.
      if (input.column) throw new DialerError('DIALER_ERR_IMPORT', `the file has no column ${input.column}`);
      col = 0;
    }
    row++;
    const parsed = parseDncPattern(rec[col] ?? '', normalizer);
    if ('error' in parsed) {
      report.invalid++;
      if (report.errors.length < 1000) report.errors.push({ row, reason: parsed.error });
      continue;
    }
    batch.set(parsed.phone, parsed.isPrefix ? 1 : 0);
    if (batch.size >= 1000) await flush();
  }
  await flush();
  return report;
}

/** Any byte or text source as a Readable. */
export function toReadable(source: Readable | AsyncIterable<Buffer | string>): Readable {
  return source instanceof Readable ? source : Readable.from(source);
}

/** Lists one DNC list, by phone, with keyset paging. */
export async function listDnc(
  store: Store,
  input: { scope: DncScope; tenantId?: string | null; campaignId?: string | null; phonePrefix?: string; after?: string; limit?: number },
): Promise<DncEntry[]> {
  checkScope(input.scope, input.tenantId, input.campaignId);
  const key = dncScopeKey(input.scope, input.scope === 'global' ? null : input.tenantId!, input.scope === 'campaign' ? input.campaignId! : null);
  let q = dialerDb(store).selectFrom('dnc').selectAll().where('scope_key', '=', key);
  if (input.phonePrefix) q = q.where('phone', 'like', `${input.phonePrefix.replace(/[%_]/g, '')}%`);
  if (input.after) q = q.where('phone', '>', input.after);
  const rows = await q.orderBy('phone').limit(Math.min(1000, input.limit ?? 100)).execute();
  return rows.map(toEntry);
}

function toEntry(r: {
  id: string;
  scope: string;
  tenant_id: string | null;
  campaign_id: string | null;
  phone: string;
  is_prefix: number;
  source: string;
  reason: string | null;
  created_by: string | null;
  expires_at: number | null;
  created_at: number;
}): DncEntry {
  return {
    id: r.id,
    scope: r.scope as DncScope,
    tenantId: r.tenant_id,
    campaignId: r.campaign_id,
    phone: r.phone,
    isPrefix: r.is_prefix === 1,
    source: r.source,
    reason: r.reason,
    createdBy: r.created_by,
    expiresAtMs: r.expires_at,
    createdAtMs: r.created_at,
  };
}
