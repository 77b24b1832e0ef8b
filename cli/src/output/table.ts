/** One column of a table: a header and how to get the cell from a row. */
export interface Column<R> {
  header: string;
  get: (row: R) => unknown;
  /** Right-align (numbers). */
  right?: boolean;
  /** Longest cell before it is cut with an ellipsis (default 48). */
  max?: number;
}

/** A cell as text: dates as ISO minutes, null as `-`, objects as compact JSON. */
export function cell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => cell(x)).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/[\r\n\t]+/g, ' ');
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}

/** Renders rows as an aligned text table with a header line; an empty list says so. */
export function renderTable<R>(rows: readonly R[], columns: readonly Column<R>[], empty = '(none)'): string {
  if (rows.length === 0) return `${empty}\n`;
  const cells = rows.map((r) => columns.map((c) => cut(cell(c.get(r)), c.max ?? 48)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: readonly string[]): string =>
    vals
      .map((v, i) => (columns[i]!.right ? v.padStart(widths[i]!) : i === vals.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join('\n')}\n`;
}

/** Renders one object as `key  value` lines, in the order given (or every key). */
export function renderRecord(obj: Record<string, unknown>, keys?: readonly string[]): string {
  const ks = keys ?? Object.keys(obj);
  const width = Math.max(0, ...ks.map((k) => k.length));
  return `${ks.map((k) => `${k.padEnd(width)}  ${cut(cell(obj[k]), 200)}`).join('\n')}\n`;
}

/** Milliseconds since the epoch (or an ISO string) as `YYYY-MM-DD HH:MM:SS` UTC. */
export function when(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  const d = typeof v === 'number' ? new Date(v) : typeof v === 'string' ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) return String(v);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** Seconds as `1h02m03s`, `4m05s`, `12s`. */
export function duration(seconds: unknown): string | null {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return null;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m${String(r).padStart(2, '0')}s`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

/** A ratio 0..1 as a percentage with one decimal. */
export function percent(v: unknown): string | null {
  return typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : null;
}
