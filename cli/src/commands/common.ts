import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { ApiClient } from '../client.js';
import { CliError, EXIT, usage } from '../exit.js';
import { intOption } from '../program.js';

/** A page of a list route. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Options every list command takes. */
export interface PageOptions {
  limit?: number;
  cursor?: string;
  all?: boolean;
}

/** Adds `--limit`, `--cursor` and `--all` to a list command. */
export function withPaging(cmd: Command): Command {
  return cmd
    .addOption(new Option('--limit <n>', 'items per page (1-500)').argParser(intOption('--limit', 1, 500)))
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--all', 'follow every page (careful with big tables)');
}

/** Fetches one page, or every page with `--all` (up to `maxItems`). */
export async function fetchPages<T>(api: ApiClient, path: string, query: Record<string, string | number | boolean | undefined>, o: PageOptions, maxItems = 100_000): Promise<Page<T>> {
  const first = await api.get<Page<T>>(path, { query: { ...query, limit: o.limit ?? (o.all ? 500 : undefined), cursor: o.cursor } });
  if (!o.all) return first;
  const items = [...first.items];
  let next = first.nextCursor;
  while (next && items.length < maxItems) {
    const p = await api.get<Page<T>>(path, { query: { ...query, limit: o.limit ?? 500, cursor: next } });
    items.push(...p.items);
    next = p.nextCursor;
  }
  return { items, nextCursor: next };
}

/** Walks every page of a list route, page by page (exports). */
export async function* eachPage<T>(api: ApiClient, path: string, query: Record<string, string | number | boolean | undefined>, limit = 500): AsyncGenerator<T[]> {
  let cursor: string | undefined;
  for (;;) {
    const p = await api.get<Page<T>>(path, { query: { ...query, limit, cursor } });
    if (p.items.length > 0) yield p.items;
    if (!p.nextCursor) return;
    cursor = p.nextCursor;
  }
}

/** The footer under a paged table: how to get the next page. */
export function moreHint(p: Page<unknown>): string | undefined {
  return p.nextCursor ? `(more: add --cursor ${p.nextCursor}, or --all)` : undefined;
}

/** A `key=value` value: JSON when it parses (numbers, booleans, null, arrays, objects), else the string. */
export function parseValue(raw: string): unknown {
  const t = raw.trim();
  if (t === '') return '';
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(t) || t.startsWith('{') || t.startsWith('[') || t.startsWith('"')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      throw usage(`value ${JSON.stringify(raw)} looks like JSON but does not parse`);
    }
  }
  return raw;
}

/**
 * Builds a request body from `--set key=value` pairs (`a.b=1` nests) and an
 * optional `--file body.json`. Later sources win: file, then sets, then the
 * explicit options.
 */
export function bodyFrom(o: { set?: string[]; file?: string }, explicit: Record<string, unknown> = {}): Record<string, unknown> {
  let body: Record<string, unknown> = {};
  if (o.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(o.file, 'utf8'));
    } catch (err) {
      throw usage(`--file ${o.file}: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw usage(`--file ${o.file} must hold a JSON object`);
    body = parsed as Record<string, unknown>;
  }
  for (const pair of o.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usage(`--set ${JSON.stringify(pair)}: expected key=value`);
    const path = pair.slice(0, eq).split('.');
    let node = body;
    for (const k of path.slice(0, -1)) {
      const next = node[k];
      if (!next || typeof next !== 'object' || Array.isArray(next)) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = parseValue(pair.slice(eq + 1));
  }
  for (const [k, v] of Object.entries(explicit)) if (v !== undefined) body[k] = v;
  return body;
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A comma-separated list option. */
export function csvList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Resolves `ref` (an id, or a name) to an id by scanning a list route.
 * Names are matched case-insensitively; two matches are an error that lists both ids.
 */
export async function resolveByName(api: ApiClient, path: string, ref: string, what: string, nameOf: (item: Record<string, unknown>) => unknown = (i) => i['name']): Promise<string> {
  if (UUID_RE.test(ref)) return ref;
  const want = ref.toLowerCase();
  const hits: string[] = [];
  for await (const page of eachPage<Record<string, unknown>>(api, path, {})) {
    for (const item of page) if (String(nameOf(item) ?? '').toLowerCase() === want) hits.push(String(item['id']));
  }
  if (hits.length === 0) throw new CliError(`no ${what} named ${JSON.stringify(ref)}`, EXIT.notFound);
  if (hits.length > 1) throw usage(`${hits.length} ${what}s are named ${JSON.stringify(ref)}; use an id: ${hits.join(', ')}`);
  return hits[0]!;
}

/**
 * A point in time for `--from`/`--to`: epoch milliseconds, an ISO date or
 * date-time (dates are UTC midnight), `now`, `today` (UTC midnight), or a
 * relative `-15m`, `-2h`, `-7d`.
 */
export function parseTime(raw: string, now: number, name: string): number {
  const t = raw.trim();
  if (/^\d{11,14}$/.test(t)) return Number(t);
  if (t === 'now') return now;
  if (t === 'today') return Math.floor(now / 86_400_000) * 86_400_000;
  const rel = /^-(\d+)([smhd])$/.exec(t);
  if (rel) return now - Number(rel[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t);
  if (Number.isNaN(ms)) throw usage(`${name} ${JSON.stringify(raw)}: use an ISO date (2025-01-31), a date-time, epoch ms, now, today, or -7d`);
  return ms;
}
