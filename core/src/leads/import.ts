import { pipeline, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { NumberType } from 'libphonenumber-js/core';
import { sql } from 'kysely';
import { DialerError, isDialerError } from '../errors/index.js';
import { newId } from '../ids.js';
import type { Store } from '../store/store.js';
import { fromJson, toJson } from '../store/json.js';
import { chunks } from './db.js';
import { insertLeads, planFrom, planRow, type Plan, type PlannedRow } from './import-rows.js';
import { DncScrubber, toReadable } from './dnc.js';
import { PhoneNormalizer } from './phone.js';

/** Lead fields a CSV column can map to; `custom.<key>` goes into the lead's custom JSON. */
export type LeadField =
  | 'phone'
  | 'alt_phone'
  | 'first_name'
  | 'last_name'
  | 'email'
  | 'address'
  | 'city'
  | 'state'
  | 'postal_code'
  | 'country'
  | 'timezone'
  | 'priority'
  | `custom.${string}`;

const FIELDS = new Set(['phone', 'alt_phone', 'first_name', 'last_name', 'email', 'address', 'city', 'state', 'postal_code', 'country', 'timezone', 'priority']);

/** How a file maps to leads. */
export interface LeadImportMapping {
  /** CSV header → lead field. Several columns may map to `alt_phone`. Unmapped columns are ignored. */
  columns: Record<string, LeadField>;
  /** Region of numbers written without a country code, and of leads without a country (default `US`). */
  defaultCountry?: string;
  /** Import only numbers of these line types (where rules need it, e.g. no mobiles without consent). */
  lineTypes?: NumberType[];
  /** Field delimiter (default `,`). */
  delimiter?: string;
}

/** Progress, reported after every committed batch. */
export interface ImportProgress {
  importId: string;
  processedRows: number;
  imported: number;
  duplicates: number;
  invalid: number;
  dnc: number;
}

/** A row that was not imported. `row` is the data row number: 1 is the first row after the header. */
export interface ImportRowError {
  row: number;
  kind: 'invalid' | 'duplicate' | 'dnc';
  reason: string;
}

/** The final report of an import. */
export interface ImportReport extends ImportProgress {
  status: 'completed' | 'cancelled';
  totalRows: number;
  /** The first rows not imported (all of them are in `lead_import_errors`). */
  errors: ImportRowError[];
  errorsTruncated: boolean;
}

/** Input of {@link importLeads}. */
export interface ImportLeadsInput {
  tenantId: string;
  listId: string;
  source: Readable | AsyncIterable<Buffer | string>;
  mapping: LeadImportMapping;
  fileName?: string;
  createdBy?: string;
  /** Resumes this import (same list, same file): rows up to its `resume_row` are skipped. */
  importId?: string;
  /** Rows per transaction (default 2000). */
  batchSize?: number;
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
  /** Time source (default `Date.now`). */
  now?: () => number;
  /** Errors kept in the returned report (default 100). */
  maxReportedErrors?: number;
}

/** Checks a mapping; throws DIALER_ERR_VALIDATION listing every problem. */
export function validateMapping(mapping: LeadImportMapping): void {
  const problems: string[] = [];
  if (!mapping || typeof mapping.columns !== 'object' || mapping.columns === null) problems.push('columns must map CSV headers to lead fields');
  else {
    const targets = Object.values(mapping.columns);
    for (const [col, f] of Object.entries(mapping.columns)) {
      if (!(FIELDS.has(f) || (typeof f === 'string' && /^custom\.[A-Za-z0-9_.-]{1,64}$/.test(f)))) problems.push(`column ${col}: unknown field ${String(f)}`);
    }
    if (targets.filter((f) => f === 'phone').length !== 1) problems.push('exactly one column must map to phone');
    for (const f of FIELDS) if (f !== 'alt_phone' && targets.filter((t) => t === f).length > 1) problems.push(`${f} is mapped twice`);
  }
  if (mapping?.delimiter !== undefined && (typeof mapping.delimiter !== 'string' || mapping.delimiter.length !== 1)) problems.push('delimiter must be one character');
  try {
    new PhoneNormalizer({ defaultCountry: mapping?.defaultCountry ?? 'US' });
  } catch {
    problems.push(`unknown defaultCountry ${String(mapping?.defaultCountry)}`);
  }
  if (problems.length > 0) throw new DialerError('DIALER_ERR_VALIDATION', `invalid import mapping: ${problems.join('; ')}`, { details: problems });
}

/**
 * Streams a CSV file into a list. Every row is validated on its own: phones
 * are normalised to E.164 (libphonenumber-js max metadata), duplicates in the
 * file and in the list are skipped (the list's unique `(list_id, phone)`),
 * numbers on a DNC list (global, tenant, the list's campaign) are reported,
 * not imported, and the time zone is taken from the file or derived from the
 * number and address. A bad row is reported with its row number and reason
 * and never aborts the file.
 *
 * Rows are committed in batches, each in one transaction with the import's
 * counters and `resume_row`; an import interrupted in the middle (crash,
 * database error, abort) is resumed by calling again with its `importId`
 * and the same file. Memory stays bounded whatever the file size.
 */
export async function importLeads(store: Store, input: ImportLeadsInput): Promise<ImportReport> {
  validateMapping(input.mapping);
  const now = input.now ?? Date.now;
  const scope = store.tenant(input.tenantId);
  const list = await scope.selectFrom('lists').select(['id', 'campaign_id']).where('id', '=', input.listId).executeTakeFirst();
  if (!list) throw new DialerError('DIALER_ERR_NOT_FOUND', `list ${input.listId} not found`);

  const counters = { processedRows: 0, imported: 0, duplicates: 0, invalid: 0, dnc: 0 };
  let importId: string;
  let resumeRow = 0;
  if (input.importId) {
    const prev = await scope.selectFrom('lead_imports').selectAll().where('id', '=', input.importId).executeTakeFirst();
    if (!prev || prev.list_id !== input.listId) throw new DialerError('DIALER_ERR_NOT_FOUND', `import ${input.importId} not found for list ${input.listId}`);
    if (prev.status === 'completed') throw new DialerError('DIALER_ERR_CONFLICT', `import ${input.importId} is already complete`);
    importId = prev.id;
    resumeRow = prev.resume_row;
    Object.assign(counters, { processedRows: prev.processed_rows, imported: prev.imported, duplicates: prev.duplicates, invalid: prev.invalid, dnc: prev.dnc });
    await scope.updateTable('lead_imports').set({ status: 'running', error: null }).where('id', '=', importId).execute();
  } else {
    importId = newId(now());
    await scope
      .insertInto('lead_imports', {
        id: importId,
        list_id: input.listId,
        status: 'running',
        file_name: input.fileName ?? null,
        mapping: toJson(input.mapping),
        created_by: input.createdBy ?? null,
        created_at: now(),
        started_at: now(),
      })
      .execute();
  }

  const normalizer = new PhoneNormalizer({ defaultCountry: input.mapping.defaultCountry ?? 'US', lineTypes: input.mapping.lineTypes ?? [] });
  const defaultCountry = normalizer.defaultCountry;
  const scrubber = new DncScrubber(store, { tenantId: input.tenantId, campaignId: list.campaign_id, nowMs: now() });
  const batchSize = Math.max(1, input.batchSize ?? 2000);
  const maxErrors = input.maxReportedErrors ?? 100;
  const reported: ImportRowError[] = [];
  let truncated = false;

  const parser = parse({
    bom: true,
    delimiter: input.mapping.delimiter ?? ',',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
  });
  pipeline(toReadable(input.source), parser, (err) => {
    if (err) parser.destroy(err);
  });
  // Records csv-parse could not read (e.g. an unclosed quote), by the count of records read before them.
  const skips: number[] = [];
  parser.on('skip', (e: { records?: number }) => {
    skips.push(e.records ?? 0);
  });
  let skipped = 0;
  const takeSkips = (beforeRecords: number): void => {
    while (skips.length > 0 && skips[0]! < beforeRecords) {
      const s = skips.shift()!;
      skipped++;
      const r = s - 1 + skipped;
      if (r > resumeRow) bad.push({ row: r, kind: 'invalid', reason: 'malformed CSV record (unclosed quote?)' });
    }
  };

  let plan: Plan | undefined;
  let row = 0;
  let good: PlannedRow[] = [];
  let bad: ImportRowError[] = [];
  const t0 = now();

  const commit = async (lastRow: number): Promise<void> => {
    const rows = good;
    const errors = bad;
    good = [];
    bad = [];
    const at = now();
    // DNC scrub.
    const hits = await scrubber.check(rows.map((r) => r.phone));
    const toInsert: PlannedRow[] = [];
    const seen = new Set<string>();
    for (const r of rows) {
      if (seen.has(r.phone)) {
        errors.push({ row: r.row, kind: 'duplicate', reason: 'phone appears earlier in the file' });
        continue;
      }
      seen.add(r.phone);
      const hit = hits.get(r.phone);
      if (hit) errors.push({ row: r.row, kind: 'dnc', reason: `on the ${hit.scope} DNC list (${hit.isPrefix ? `prefix ${hit.entry}` : 'number'})` });
      else toInsert.push(r);
    }
    await store.db.transaction().execute(async (trx) => {
      let inserted = new Set<string>();
      if (toInsert.length > 0) {
        inserted = await insertLeads(trx, store.dialect, input.tenantId, input.listId, list.campaign_id, toInsert, at);
      }
      for (const r of toInsert) if (!inserted.has(r.phone)) errors.push({ row: r.row, kind: 'duplicate', reason: 'phone already in the list' });
      const byKind = { invalid: 0, duplicate: 0, dnc: 0 };
      for (const e of errors) byKind[e.kind]++;
      if (errors.length > 0) {
        errors.sort((a, b) => a.row - b.row);
        for (const part of chunks(errors, 4000)) {
          await trx
            .insertInto('lead_import_errors')
            .values(part.map((e) => ({ tenant_id: input.tenantId, import_id: importId, row_number: e.row, kind: e.kind, reason: e.reason.slice(0, 500), raw: null })))
            .execute();
        }
      }
      counters.processedRows = lastRow;
      counters.imported += inserted.size;
      counters.duplicates += byKind.duplicate;
      counters.invalid += byKind.invalid;
      counters.dnc += byKind.dnc;
      await trx
        .updateTable('lead_imports')
        .set({
          processed_rows: counters.processedRows,
          imported: counters.imported,
          duplicates: counters.duplicates,
          invalid: counters.invalid,
          dnc: counters.dnc,
          resume_row: lastRow,
        })
        .where('tenant_id', '=', input.tenantId)
        .where('id', '=', importId)
        .execute();
    });
    for (const e of errors) {
      if (reported.length < maxErrors) reported.push(e);
      else truncated = true;
    }
    input.onProgress?.({ importId, ...counters });
  };

  // SQLite: a larger page cache while importing keeps the phone indexes in memory (restored after).
  let restoreCache: number | undefined;
  if (store.dialect === 'sqlite') {
    const r = await sql<{ cache_size: number }>`pragma cache_size`.execute(store.db);
    restoreCache = Number(r.rows[0]?.cache_size ?? -2000);
    if (restoreCache > -32_768 && restoreCache < 32_768) await sql.raw('pragma cache_size = -32768').execute(store.db);
    else restoreCache = undefined;
  }
  try {
    for await (const { record: rec, info } of parser as AsyncIterable<{ record: string[]; info: { records: number } }>) {
      if (!plan) {
        plan = planFrom(rec, input.mapping);
        continue;
      }
      takeSkips(info.records);
      row = info.records - 1 + skipped;
      if (row <= resumeRow) continue;
      input.signal?.throwIfAborted();
      const planned = planRow(rec, row, plan, normalizer, defaultCountry);
      if ('error' in planned) bad.push({ row, kind: 'invalid', reason: planned.error });
      else good.push(planned);
      if (good.length + bad.length >= batchSize) await commit(row);
    }
    takeSkips(Number.MAX_SAFE_INTEGER);
    if (skipped > 0) row = Math.max(row, ...bad.map((b) => b.row));
    if (!plan) throw new DialerError('DIALER_ERR_IMPORT', 'the file is empty (no header row)');
    if (good.length + bad.length > 0 || row > counters.processedRows) await commit(Math.max(row, resumeRow));
  } catch (err) {
    parser.destroy();
    if (restoreCache !== undefined) await sql.raw(`pragma cache_size = ${restoreCache}`).execute(store.db).catch(() => undefined);
    const aborted = input.signal?.aborted === true;
    const message = (err as Error).message ?? String(err);
    await scope
      .updateTable('lead_imports')
      .set({ status: aborted ? 'cancelled' : 'failed', error: message.slice(0, 1000), finished_at: now() })
      .where('id', '=', importId)
      .execute()
      .catch(() => undefined);
    if (aborted) {
      return { importId, ...counters, status: 'cancelled', totalRows: row, errors: reported, errorsTruncated: truncated };
    }
    if (isDialerError(err)) {
      throw new DialerError(err.code, err.message, { details: { importId, resumeRow: counters.processedRows, ...(err.details as object) }, cause: err });
    }
    throw new DialerError('DIALER_ERR_IMPORT', `import stopped at row ${counters.processedRows}; resume it with importId ${importId}: ${message}`, {
      details: { importId, resumeRow: counters.processedRows },
      cause: err,
    });
  }
  if (restoreCache !== undefined) await sql.raw(`pragma cache_size = ${restoreCache}`).execute(store.db);
  const finished = now();
  await scope
    .updateTable('lead_imports')
    .set({ status: 'completed', total_rows: row, processed_rows: row, finished_at: finished })
    .where('id', '=', importId)
    .execute();
  await scope.updateTable('lists').set({ updated_at: finished }).where('id', '=', input.listId).execute();
  void t0;
  return { importId, ...counters, processedRows: row, status: 'completed', totalRows: row, errors: reported, errorsTruncated: truncated };
}

/** An import as stored. */
export async function getImport(store: Store, tenantId: string, importId: string) {
  const row = await store.tenant(tenantId).selectFrom('lead_imports').selectAll().where('id', '=', importId).executeTakeFirst();
  if (!row) throw new DialerError('DIALER_ERR_NOT_FOUND', `import ${importId} not found`);
  return { ...row, mapping: fromJson<LeadImportMapping | null>(row.mapping, null) };
}

/** The rows an import did not take, in row order, paged by row number. */
export async function listImportErrors(
  store: Store,
  tenantId: string,
  importId: string,
  options: { afterRow?: number; limit?: number; kind?: ImportRowError['kind'] } = {},
): Promise<ImportRowError[]> {
  let q = store
    .tenant(tenantId)
    .selectFrom('lead_import_errors')
    .select(['row_number', 'kind', 'reason'])
    .where('import_id', '=', importId)
    .where('row_number', '>', options.afterRow ?? 0);
  if (options.kind) q = q.where('kind', '=', options.kind);
  const rows = await q.orderBy('row_number').limit(Math.min(10_000, options.limit ?? 1000)).execute();
  return rows.map((r) => ({ row: r.row_number, kind: r.kind as ImportRowError['kind'], reason: r.reason }));
}
