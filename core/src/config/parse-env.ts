import { Kind, type TSchema } from '@sinclair/typebox';

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/**
 * Converts a raw environment string into the shape the schema expects.
 * Returns the string unchanged when it cannot convert, so the schema check
 * reports the problem with the original value.
 */
export function coerceEnvValue(raw: string, schema: TSchema): unknown {
  const kind = (schema as { [Kind]?: string })[Kind];
  const s = raw.trim();
  switch (kind) {
    case 'Integer':
    case 'Number': {
      if (s === '') return raw;
      const n = Number(s);
      return Number.isFinite(n) ? n : raw;
    }
    case 'Boolean': {
      const l = s.toLowerCase();
      if (TRUE.has(l)) return true;
      if (FALSE.has(l)) return false;
      return raw;
    }
    case 'Array': {
      if (s.startsWith('[')) return tryJson(s);
      const items = s === '' ? [] : s.split(',').map((x) => x.trim());
      const itemSchema = (schema as { items?: TSchema }).items;
      return itemSchema ? items.map((x) => coerceEnvValue(x, itemSchema)) : items;
    }
    case 'Object':
    case 'Record':
      return tryJson(s);
    case 'Union': {
      const anyOf = (schema as { anyOf?: TSchema[] }).anyOf ?? [];
      for (const member of anyOf) {
        const k = (member as { [Kind]?: string })[Kind];
        if (k === 'Literal' || k === 'String') continue;
        const v = coerceEnvValue(raw, member);
        if (v !== raw) return v;
      }
      return raw;
    }
    default:
      return raw;
  }
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** Parses a `KEY=VALUE` file (the format systemd's EnvironmentFile= reads). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().replace(/^export\s+/, '');
    let value = line.slice(eq + 1).trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
    }
    out[key] = value;
  }
  return out;
}
