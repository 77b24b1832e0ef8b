/** Splits one CSV line (RFC 4180 quoting) into cells. */
export function parseCsvLine(line: string, delimiter = ','): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === delimiter) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** Guesses the delimiter of a header line (comma, semicolon, tab or pipe). */
export function sniffDelimiter(header: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t', '|']) {
    const n = header.split(d).length - 1;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/** The header and first rows of a CSV file, for the mapping screen. */
export function previewCsv(text: string, rows = 5): { delimiter: string; header: string[]; rows: string[][] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const delimiter = sniffDelimiter(lines[0] ?? '');
  return {
    delimiter,
    header: parseCsvLine(lines[0] ?? '', delimiter),
    rows: lines.slice(1, rows + 1).map((l) => parseCsvLine(l, delimiter)),
  };
}

/** Lead fields a column can map to; anything else goes to custom fields. */
export const LEAD_FIELDS = [
  'phone',
  'alt_phone',
  'first_name',
  'last_name',
  'email',
  'address',
  'city',
  'state',
  'postal_code',
  'country',
  'timezone',
  'priority',
] as const;
export type LeadField = (typeof LEAD_FIELDS)[number];

const SYNONYMS: Record<LeadField, string[]> = {
  phone: ['phone', 'phonenumber', 'phone_number', 'number', 'tel', 'telephone', 'mobile', 'cell', 'msisdn'],
  alt_phone: ['altphone', 'alt_phone', 'alternatephone', 'phone2', 'secondaryphone', 'otherphone'],
  first_name: ['firstname', 'first', 'givenname', 'forename', 'fname'],
  last_name: ['lastname', 'last', 'surname', 'familyname', 'lname'],
  email: ['email', 'emailaddress', 'mail'],
  address: ['address', 'address1', 'street', 'streetaddress'],
  city: ['city', 'town'],
  state: ['state', 'province', 'region', 'county'],
  postal_code: ['postalcode', 'postcode', 'zip', 'zipcode'],
  country: ['country', 'countrycode'],
  timezone: ['timezone', 'tz', 'time_zone'],
  priority: ['priority', 'rank'],
};

/** The mapping: a lead field, `custom.<name>`, or `skip`, per column. */
export type ColumnTarget = LeadField | `custom.${string}` | 'skip';

/** Guesses a target per column from the header names; each lead field is used once. */
export function guessMapping(header: string[]): ColumnTarget[] {
  const used = new Set<LeadField>();
  return header.map((h) => {
    const norm = h.toLowerCase().replace(/[^a-z0-9_]/g, '');
    const squashed = norm.replace(/_/g, '');
    for (const f of LEAD_FIELDS) {
      if (used.has(f)) continue;
      if (SYNONYMS[f].some((s) => s.replace(/_/g, '') === squashed)) {
        used.add(f);
        return f;
      }
    }
    const name = norm.replace(/^_+|_+$/g, '') || 'column';
    return `custom.${name}` as ColumnTarget;
  });
}

/** Problems with a mapping that block an upload. */
export function mappingProblems(m: ColumnTarget[]): string[] {
  const problems: string[] = [];
  if (!m.includes('phone')) problems.push('Map one column to the phone number.');
  const seen = new Map<string, number>();
  for (const t of m) if (t !== 'skip') seen.set(t, (seen.get(t) ?? 0) + 1);
  // Several columns may hold alternate numbers; any other field comes from one column.
  for (const [t, n] of seen) if (n > 1 && t !== 'alt_phone') problems.push(`${t} is mapped from ${n} columns.`);
  return problems;
}
