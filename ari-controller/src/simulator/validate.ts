import { ARI_OPERATIONS, type AriOperationId, type AriOperationSpec, type AriParamSpec } from '../ari/generated/operations.js';

interface Route {
  readonly id: AriOperationId;
  readonly spec: AriOperationSpec;
  readonly re: RegExp;
  readonly names: string[];
  readonly literals: number;
}

const ROUTES: Route[] = Object.entries(ARI_OPERATIONS as Record<string, AriOperationSpec>)
  .map(([id, spec]) => {
    const names: string[] = [];
    const segs = spec.path.split('/').filter(Boolean);
    const re = new RegExp(
      `^/${segs
        .map((s) => {
          const m = /^\{(.+)\}$/.exec(s);
          if (!m) return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(m[1]!);
          return '([^/]+)';
        })
        .join('/')}$`,
    );
    return { id: id as AriOperationId, spec, re, names, literals: segs.filter((s) => !s.startsWith('{')).length };
  })
  // Literal segments win: POST /channels/externalMedia is not originateWithId.
  .sort((a, b) => b.literals - a.literals);

/** A request matched to an operation of the schema. */
export interface MatchedRequest {
  readonly id: AriOperationId;
  readonly spec: AriOperationSpec;
  readonly pathParams: Record<string, string>;
}

/** Finds the operation for `method path` (path below `/ari`), or says why not: 404 unknown path, 405 wrong method. */
export function matchRoute(method: string, path: string): MatchedRequest | { status: 404 | 405 } {
  let pathKnown = false;
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (r.spec.method !== method) continue;
    const pathParams: Record<string, string> = {};
    r.names.forEach((n, i) => (pathParams[n] = decodeURIComponent(m[i + 1]!)));
    return { id: r.id, spec: r.spec, pathParams };
  }
  return { status: pathKnown ? 405 : 404 };
}

/** A validation failure: Asterisk answers 400 with this message. */
export interface ValidationProblem {
  readonly status: number;
  readonly message: string;
}

function coerce(p: AriParamSpec, raw: unknown): { value?: unknown; problem?: string } {
  if (p.in === 'body') return { value: raw };
  const s = String(raw);
  switch (p.type) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(s.trim())) return { problem: `${p.name} must be an integer` };
      const n = Number(s);
      if (p.min !== undefined && n < p.min) return { problem: `${p.name} must be >= ${p.min}` };
      if (p.max !== undefined && n > p.max) return { problem: `${p.name} must be <= ${p.max}` };
      return { value: n };
    }
    case 'boolean':
      if (s !== 'true' && s !== 'false') return { problem: `${p.name} must be true or false` };
      return { value: s === 'true' };
    default:
      if (p.values) {
        const items = p.multiple ? s.split(',') : [s];
        const bad = items.find((v) => !p.values!.includes(v));
        if (bad !== undefined) return { problem: `Invalid value for ${p.name}: ${bad} (allowed: ${p.values.join(', ')})` };
      }
      return { value: s };
  }
}

/**
 * Validates a request against the operation's parameters from the schema:
 * types, ranges and allowable values. Required query parameters are left to
 * the handlers, which answer with Asterisk's own messages ("Endpoint must be
 * specified"); unknown parameters are reported (Asterisk ignores them, but a
 * client sending one has a bug).
 */
export function validateParams(
  m: MatchedRequest,
  query: URLSearchParams,
  body: Record<string, unknown> | undefined,
): { params: Record<string, unknown>; problem?: ValidationProblem; unknown: string[] } {
  const params: Record<string, unknown> = {};
  const known = new Set(m.spec.params.map((p) => p.name));
  const unknown = [...new Set(query.keys())].filter((k) => !known.has(k) && k !== 'api_key');
  for (const p of m.spec.params) {
    let raw: unknown;
    if (p.in === 'path') raw = m.pathParams[p.name];
    else if (p.in === 'query') raw = query.has(p.name) ? query.getAll(p.name).join(',') : undefined;
    else raw = body?.[p.name];
    if (raw === undefined || raw === '') continue;
    const r = coerce(p, raw);
    if (r.problem) return { params, problem: { status: 400, message: r.problem }, unknown };
    params[p.name] = r.value;
  }
  return { params, unknown };
}

/** Required parameters of an operation that are missing (for the generic "Missing parameter" answer). */
export function missingRequired(m: MatchedRequest, params: Record<string, unknown>): string[] {
  return m.spec.params.filter((p) => p.required && p.in !== 'path' && params[p.name] === undefined).map((p) => p.name);
}
