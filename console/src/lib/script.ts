/**
 * Fills a call script: `{{first_name}}`, `{{custom.plan}}` or `{{ first_name | there }}`
 * (a fallback after `|`) are replaced by the lead's fields. Unknown fields
 * become the fallback or an empty string; the result is plain text (the view
 * escapes it), so a lead's data can never inject markup.
 */
export function fillScript(template: string, fields: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*(?:\|\s*([^}]*?)\s*)?\}\}/g, (_m, path: string, fallback: string | undefined) => {
    const v = lookup(fields, path);
    if (v === undefined || v === null || v === '') return fallback ?? '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

function lookup(fields: Record<string, unknown>, path: string): unknown {
  if (Object.prototype.hasOwnProperty.call(fields, path)) return fields[path];
  let cur: unknown = fields;
  for (const part of path.split('.')) {
    // Custom fields may arrive as a JSON string (the store keeps them as text).
    if (typeof cur === 'string') cur = safeJson(cur);
    if (cur === null || typeof cur !== 'object') return undefined;
    const o = cur as Record<string, unknown>;
    // Scripts name the store's columns (`first_name`); pop-ups from the call controller carry `firstName`.
    cur = Object.prototype.hasOwnProperty.call(o, part) ? o[part] : o[camel(part)];
  }
  return cur;
}

function camel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

/** The names a script refers to (shown to script editors as the fields available). */
export function scriptFields(template: string): string[] {
  const out = new Set<string>();
  for (const m of template.matchAll(/\{\{\s*([A-Za-z0-9_.]+)/g)) out.add(m[1]!);
  return [...out];
}
