import { Type, type TSchema } from '@sinclair/typebox';
import { DialerError } from '@dialer/core';

/** `?limit=&cursor=` on every list route. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Items per page (1-500).' })),
  cursor: Type.Optional(Type.String({ maxLength: 400, description: 'The `nextCursor` of the previous page.' })),
};

/** A page of items with the cursor of the next one (null on the last page). */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

/** Encodes the keyset position after `id` (ids are UUIDv7 or integers, so they sort by creation). */
export function encodeCursor(id: string | number): string {
  return Buffer.from(JSON.stringify([id])).toString('base64url');
}

/** Decodes a cursor; a tampered one is a 400, never a 500. */
export function decodeCursor(cursor: string | undefined): string | number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 1 && (typeof v[0] === 'string' || (typeof v[0] === 'number' && Number.isInteger(v[0])))) return v[0] as string | number;
  } catch {
    // fall through
  }
  throw new DialerError('DIALER_ERR_VALIDATION', 'cursor is not valid', { details: [{ in: 'querystring', path: '/cursor', message: 'is not a cursor this API issued' }] });
}

/** Minimal shape of a Kysely select we paginate (kept loose so any table fits). */
interface Pageable<R> {
  where(col: never, op: never, v: never): Pageable<R>;
  orderBy(col: never, dir: never): Pageable<R>;
  limit(n: number): Pageable<R>;
  execute(): Promise<R[]>;
}

/**
 * Keyset pagination, newest first: `WHERE id < cursor ORDER BY id DESC LIMIT n+1`.
 * `idCol` is the (qualified) id column; ids sort by creation.
 */
export async function paginate<R, O>(
  qb: { execute(): Promise<R[]> },
  idCol: string,
  page: { limit?: number | undefined; cursor?: string | undefined },
  map: (row: R) => O,
  idOf: (row: R) => string | number = (r) => (r as { id: string | number }).id,
): Promise<{ items: O[]; nextCursor: string | null }> {
  const limit = page.limit ?? 50;
  let q = qb as unknown as Pageable<R>;
  const after = decodeCursor(page.cursor);
  if (after !== undefined) q = q.where(idCol as never, '<' as never, after as never);
  const rows = await q.orderBy(idCol as never, 'desc' as never).limit(limit + 1).execute();
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return { items: slice.map(map), nextCursor: more ? encodeCursor(idOf(slice[slice.length - 1]!)) : null };
}
