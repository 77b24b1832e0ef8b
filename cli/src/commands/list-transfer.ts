import { closeSync, createWriteStream, openSync, readSync, type WriteStream } from 'node:fs';
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Option, type Command } from 'commander';
import { CliError, EXIT, usage } from '../exit.js';
import type { Io } from '../io.js';
import { act, intOption } from '../program.js';
import { renderTable, when } from '../output/table.js';
import { fileSize, uploadFile } from '../upload.js';
import { collect, eachPage, fetchPages, moreHint, withPaging, type Page, type PageOptions } from './common.js';
import { campaignId } from './campaign.js';
import type { Lead } from './lead.js';
import { listId, type LeadList } from './list.js';

/** Quotes a CSV field when it needs it (RFC 4180), and defuses spreadsheet formulas (as the API's exports do). */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  // A cell starting with = + - @ runs as a formula in spreadsheets (CSV injection).
  if (/^[=+\-@\t\r]/.test(s) && !/^[+-]?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes to a file or stdout, waiting for the stream to drain so big exports stay in bounded memory. */
export class Sink {
  private readonly file: WriteStream | undefined;
  // Bytes for stdout go through a decoder so a character split across chunks stays whole.
  private readonly decoder = new StringDecoder('utf8');
  constructor(
    private readonly io: Io,
    path: string | undefined,
  ) {
    this.file = path && path !== '-' ? createWriteStream(path, { mode: 0o640 }) : undefined;
  }
  async write(s: string | Uint8Array): Promise<void> {
    if (!this.file) {
      this.io.out.write(typeof s === 'string' ? s : this.decoder.write(Buffer.from(s.buffer, s.byteOffset, s.byteLength)));
      return;
    }
    if (!this.file.write(s)) await new Promise<void>((r) => this.file!.once('drain', () => r()));
  }
  async close(): Promise<void> {
    if (!this.file) return;
    await new Promise<void>((resolve, reject) => this.file!.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/** Lead fields a CSV column can map to (besides `custom.<key>`). */
export const LEAD_FIELDS = ['phone', 'alt_phone', 'first_name', 'last_name', 'email', 'address', 'city', 'state', 'postal_code', 'country', 'timezone', 'priority'] as const;

/** The import's counters and, at the end, its report. */
export interface ImportReport {
  id: string;
  listId: string;
  status: string;
  fileName: string | null;
  totalRows: number;
  processedRows: number;
  imported: number;
  duplicates: number;
  invalid: number;
  dnc: number;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  errors?: Array<{ row: number; kind: string; reason: string }>;
  errorsTruncated?: boolean;
}

/** The header line of a CSV file (read from the first 64 KiB), split on `delimiter`. */
export function csvHeader(path: string, delimiter = ','): string[] {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
    const first = text.split(/\r?\n/, 1)[0] ?? '';
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < first.length; i++) {
      const c = first[i]!;
      if (quoted) {
        if (c === '"' && first[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === delimiter) {
        out.push(cur);
        cur = '';
      } else cur += c;
    }
    out.push(cur);
    return out.map((h) => h.trim());
  } finally {
    closeSync(fd);
  }
}

/**
 * The column mapping: headers named like a lead field (any case, spaces or
 * dashes for underscores) map themselves; `--map Header=field` adds or
 * overrides. Exported for tests.
 */
export function buildMapping(header: readonly string[], maps: readonly string[]): Record<string, string> {
  const columns: Record<string, string> = {};
  const known = new Set<string>(LEAD_FIELDS);
  for (const h of header) {
    const norm = h.toLowerCase().replace(/[\s-]+/g, '_');
    if (known.has(norm)) columns[h] = norm;
  }
  for (const m of maps) {
    const eq = m.lastIndexOf('=');
    if (eq <= 0 || eq === m.length - 1) throw usage(`--map ${JSON.stringify(m)}: expected column=field`);
    const col = m.slice(0, eq);
    const field = m.slice(eq + 1);
    if (!known.has(field) && !/^custom\.[A-Za-z0-9_.-]{1,64}$/.test(field)) throw usage(`--map ${m}: unknown field ${field}; use ${LEAD_FIELDS.join(', ')} or custom.<key>`);
    if (header.length > 0 && !header.includes(col)) throw usage(`--map ${m}: the file has no column ${JSON.stringify(col)} (columns: ${header.join(', ')})`);
    // One column maps to one field: an explicit mapping replaces the automatic one, and takes the field from any other column.
    for (const [c, f] of Object.entries(columns)) if (f === field && field !== 'alt_phone' && c !== col) delete columns[c];
    columns[col] = field;
  }
  return columns;
}

function renderReport(r: ImportReport, listName: string): string {
  let s = `import ${r.id} into list ${listName}: ${r.status}${r.error ? ` (${r.error})` : ''}\n`;
  s += `  rows ${r.totalRows}: imported ${r.imported}, duplicates ${r.duplicates}, invalid ${r.invalid}, on a DNC list ${r.dnc}\n`;
  const errs = r.errors ?? [];
  if (errs.length > 0) {
    s += '  rows not imported:\n';
    s += renderTable(errs.slice(0, 20), [
      { header: '    ROW', get: (e) => e.row, right: true },
      { header: 'KIND', get: (e) => e.kind },
      { header: 'REASON', get: (e) => e.reason, max: 100 },
    ]);
    const total = r.duplicates + r.invalid + r.dnc;
    if (total > 20) s += `  (${total - Math.min(20, errs.length)} more: dialerctl list import-errors ${r.id})\n`;
  }
  return s;
}

/** `list import`, `list imports`, `list import-errors`. */
export function importList(l: Command, io: Io): void {
  l.command('import <file>')
    .description('import a CSV of leads into a list, streaming it with a progress bar; prints the import report')
    .option('--campaign <campaign>', 'the campaign (id or name); a new list named after the file is created in it unless --list is given')
    .option('--list <list>', 'an existing list (id or name)')
    .option('--list-name <name>', 'name of the new list (default: the file name)')
    .option('--map <column=field>', 'map a CSV column to a lead field or custom.<key> (repeatable); columns named like a field map themselves', collect)
    .option('--default-country <CC>', 'region of numbers without a country code (default US)')
    .option('--delimiter <char>', 'field delimiter', ',')
    .option('--resume <importId>', 'resume an interrupted import of the same file into the same list')
    .addHelpText(
      'after',
      `
Fields: ${LEAD_FIELDS.join(', ')}, custom.<key>.
Example:
  dialerctl list import march.csv --campaign "Spring renewals" --map Mobile=phone --map "First Name=first_name" --map Plan=custom.plan`,
    )
    .action(
      act(io, async (ctx, file: string, o: { campaign?: string; list?: string; listName?: string; map?: string[]; defaultCountry?: string; delimiter: string; resume?: string }) => {
        if (o.delimiter.length !== 1) throw usage('--delimiter must be one character');
        if (!o.list && !o.campaign) throw usage('give --campaign (a new list is created) or --list');
        fileSize(file);
        const header = csvHeader(file, o.delimiter);
        const columns = buildMapping(header, o.map ?? []);
        if (!Object.values(columns).includes('phone')) throw usage(`no column maps to phone (columns: ${header.join(', ')}); add --map <column>=phone`);
        const api = await ctx.api();
        let list: LeadList;
        if (o.list) {
          list = await api.get<LeadList>(`/api/v1/lists/${await listId(api, o.list)}`);
        } else {
          const camp = await campaignId(api, o.campaign!);
          list = await api.post<LeadList>('/api/v1/lists', { name: o.listName ?? basename(file), campaignId: camp });
          ctx.note(`created list ${list.name} (${list.id})`);
        }
        const mapping = { columns, ...(o.defaultCountry ? { defaultCountry: o.defaultCountry.toUpperCase() } : {}), ...(o.delimiter !== ',' ? { delimiter: o.delimiter } : {}) };
        ctx.note(`mapping: ${Object.entries(columns).map(([c, f]) => `${c}→${f}`).join(', ')}`);

        // While the file streams, read the running import's row counter for the progress line.
        let rows = '';
        const poll = setInterval(() => {
          api
            .get<Page<ImportReport>>('/api/v1/imports', { query: { listId: list.id, limit: 1 } })
            .then((p) => {
              const run = p.items[0];
              if (run && run.status === 'running') rows = `${run.processedRows.toLocaleString('en-US')} rows`;
            })
            .catch(() => undefined);
        }, 1000);
        poll.unref();
        let report: ImportReport;
        try {
          report = await uploadFile<ImportReport>(api, io, {
            path: file,
            url: `/api/v1/lists/${list.id}/imports`,
            query: { mapping: JSON.stringify(mapping), fileName: basename(file), importId: o.resume },
            contentType: 'text/csv',
            label: 'importing',
            suffix: () => rows,
            signal: io.signal,
          });
        } finally {
          clearInterval(poll);
        }
        ctx.print(report, () => renderReport(report, list.name));
      }),
    );

  withPaging(l.command('imports').description('imports of a list (or all), newest first'))
    .option('--list <list>', 'list id or name')
    .action(
      act(io, async (ctx, o: PageOptions & { list?: string }) => {
        const api = await ctx.api();
        const page = await fetchPages<ImportReport>(api, '/api/v1/imports', { listId: o.list ? await listId(api, o.list) : undefined }, o);
        ctx.table(
          page,
          page.items,
          [
            { header: 'ID', get: (r) => r.id, max: 36 },
            { header: 'LIST', get: (r) => r.listId, max: 36 },
            { header: 'FILE', get: (r) => r.fileName },
            { header: 'STATUS', get: (r) => r.status },
            { header: 'ROWS', get: (r) => r.processedRows, right: true },
            { header: 'IMPORTED', get: (r) => r.imported, right: true },
            { header: 'DUP', get: (r) => r.duplicates, right: true },
            { header: 'INVALID', get: (r) => r.invalid, right: true },
            { header: 'DNC', get: (r) => r.dnc, right: true },
            { header: 'STARTED', get: (r) => when(r.startedAt) },
          ],
          moreHint(page),
        );
      }),
    );

  l.command('import-errors <importId>')
    .description('every row an import did not take, in row order')
    .addOption(new Option('--kind <kind>', 'invalid, duplicate or dnc').choices(['invalid', 'duplicate', 'dnc']))
    .addOption(new Option('--limit <n>', 'rows per request').argParser(intOption('--limit', 1, 10_000)).default(1000))
    .action(
      act(io, async (ctx, id: string, o: { kind?: string; limit: number }) => {
        const api = await ctx.api();
        const all: Array<{ row: number; kind: string; reason: string }> = [];
        let after: number | undefined;
        for (;;) {
          const p = await api.get<{ items: typeof all; nextAfterRow: number | null }>(`/api/v1/imports/${encodeURIComponent(id)}/errors`, { query: { kind: o.kind, limit: o.limit, afterRow: after } });
          all.push(...p.items);
          if (p.nextAfterRow === null) break;
          after = p.nextAfterRow;
        }
        ctx.table({ items: all }, all, [
          { header: 'ROW', get: (e) => e.row, right: true },
          { header: 'KIND', get: (e) => e.kind },
          { header: 'REASON', get: (e) => e.reason, max: 120 },
        ]);
      }),
    );
}

/** `list export <list>`: every lead of a list as CSV (streamed by the API) or JSON lines. */
export function exportList(l: Command, io: Io): void {
  l.command('export <list>')
    .description('export the leads of a list as CSV (streamed by the API; columns named like the import fields) or JSON lines')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addOption(new Option('--format <format>', 'csv or jsonl').choices(['csv', 'jsonl']).default('csv'))
    .option('--custom <keys>', 'custom fields to add as custom.<key> columns (comma-separated)')
    .option('--status <status>', 'only leads in this status')
    .action(
      act(io, async (ctx, ref: string, o: { output?: string; format: 'csv' | 'jsonl'; custom?: string; status?: string }) => {
        const api = await ctx.api();
        const id = await listId(api, ref);
        const sink = new Sink(io, o.output);
        let n = 0;
        try {
          if (o.format === 'csv') {
            const res = await api.response('GET', `/api/v1/lists/${id}/export`, { query: { status: o.status, customKeys: o.custom }, timeoutMs: 0, headers: { accept: 'text/csv' } });
            // Count records, not newlines: a quoted field may hold a line break ("" toggles twice, so it cancels).
            let quoted = false;
            let lines = 0;
            for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
              for (let i = 0; i < chunk.length; i++) {
                const b = chunk[i]!;
                if (b === 0x22) quoted = !quoted;
                else if (b === 0x0a && !quoted) lines++;
              }
              await sink.write(chunk);
            }
            n = Math.max(0, lines - 1);
          } else {
            for await (const page of eachPage<Lead>(api, '/api/v1/leads', { listId: id, status: o.status })) {
              n += page.length;
              await sink.write(page.map((lead) => `${JSON.stringify(lead)}\n`).join(''));
            }
          }
        } catch (err) {
          await sink.close().catch(() => undefined);
          throw err instanceof CliError ? err : new CliError(`export failed after ${n} leads: ${(err as Error).message}`, EXIT.error);
        }
        await sink.close();
        if (o.output && o.output !== '-') ctx.note(`exported ${n} leads to ${o.output}`);
      }),
    );
}
