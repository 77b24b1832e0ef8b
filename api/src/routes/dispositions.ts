import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Selectable } from 'kysely';
import { DialerError, newId, type DispositionsTable, type TenantScope } from '@dialer/core';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ADMIN, ANYONE, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, NumOrNull, noContent, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

const Disposition = Type.Object({
  id: Type.String(),
  setId: Type.String(),
  code: Type.String(),
  label: Type.String(),
  isSale: Type.Boolean(),
  isDnc: Type.Boolean(),
  isCallback: Type.Boolean(),
  callbackScope: StrOrNull,
  isFinal: Type.Boolean(),
  isHuman: Type.Boolean(),
  recycleDelayS: NumOrNull,
  hotkey: StrOrNull,
  sortOrder: Type.Integer(),
});
const DispositionSet = Type.Object({ id: Type.String(), name: Type.String(), dispositions: Type.Array(Disposition), createdAt: Type.Integer() });

function toDisposition(r: Selectable<DispositionsTable>) {
  return {
    id: r.id, setId: r.set_id, code: r.code, label: r.label, isSale: r.is_sale === 1, isDnc: r.is_dnc === 1, isCallback: r.is_callback === 1, callbackScope: r.callback_scope,
    isFinal: r.is_final === 1, isHuman: r.is_human === 1, recycleDelayS: r.recycle_delay_s, hotkey: r.hotkey, sortOrder: r.sort_order,
  };
}

const DispositionFields = {
  label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  isSale: Type.Optional(Type.Boolean()),
  isDnc: Type.Optional(Type.Boolean({ description: 'Disposing with it adds the number to the do-not-call list.' })),
  isCallback: Type.Optional(Type.Boolean()),
  callbackScope: Type.Optional(Type.Union([Type.Literal('agent'), Type.Literal('anyone'), Type.Null()])),
  isFinal: Type.Optional(Type.Boolean({ description: 'The lead is not dialled again.' })),
  isHuman: Type.Optional(Type.Boolean()),
  recycleDelayS: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 365 * 86400 }), Type.Null()])),
  hotkey: Type.Optional(Type.Union([Type.String({ maxLength: 8 }), Type.Null()])),
  sortOrder: Type.Optional(Type.Integer({ minimum: -10000, maximum: 10000 })),
};

function columns(b: Record<string, unknown>): Record<string, unknown> {
  const map: [string, string, boolean][] = [
    ['label', 'label', false], ['isSale', 'is_sale', true], ['isDnc', 'is_dnc', true], ['isCallback', 'is_callback', true], ['callbackScope', 'callback_scope', false],
    ['isFinal', 'is_final', true], ['isHuman', 'is_human', true], ['recycleDelayS', 'recycle_delay_s', false], ['hotkey', 'hotkey', false], ['sortOrder', 'sort_order', false],
  ];
  const out: Record<string, unknown> = {};
  for (const [k, c, flag] of map) if (b[k] !== undefined) out[c] = flag ? (b[k] ? 1 : 0) : b[k];
  return out;
}

async function loadSet(db: TenantScope, id: string) {
  const set = await db.selectFrom('disposition_sets').selectAll().where('id', '=', id).executeTakeFirst();
  if (!set) throw new DialerError('DIALER_ERR_NOT_FOUND', `disposition set ${id} not found`);
  const ds = await db.selectFrom('dispositions').selectAll().where('set_id', '=', id).orderBy('sort_order').orderBy('code').execute();
  return { id: set.id, name: set.name, dispositions: ds.map(toDisposition), createdAt: set.created_at };
}

const tags = ['dispositions'];

/** Disposition sets and their codes (what an agent picks after a call). */
export function dispositionRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/disposition-sets', { config: rule(ANYONE, 'dispositions:read'), schema: { tags, summary: 'List disposition sets with their codes', querystring: Type.Object(PageQuery), response: replies(Page(DispositionSet)) } }, async (req) => {
      const { db } = scopeOf(req, s);
      const page = await paginate(db.selectFrom('disposition_sets').select('id'), 'id', req.query, (r) => r.id);
      return { items: await Promise.all(page.items.map((id) => loadSet(db, id))), nextCursor: page.nextCursor };
    });

    app.post(
      '/disposition-sets',
      {
        config: rule(ADMIN, 'dispositions:write'),
        schema: {
          tags,
          summary: 'Create a disposition set, optionally with its codes',
          body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), dispositions: Type.Optional(Type.Array(Type.Object({ code: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }), ...DispositionFields, label: Type.String({ minLength: 1, maxLength: 100 }) }), { maxItems: 200 })) }, { additionalProperties: false }),
          response: replies(DispositionSet, 201),
        },
      },
      async (req, reply) => {
        const { p, db, now } = scopeOf(req, s);
        const codes = (req.body.dispositions ?? []).map((d) => d.code);
        if (new Set(codes).size !== codes.length) throw new DialerError('DIALER_ERR_VALIDATION', 'disposition codes must be unique in a set');
        const id = newId(now);
        await db.db.transaction().execute(async (trx) => {
          const t = db.withDb(trx);
          await t.insertInto('disposition_sets', { id, name: req.body.name, created_at: now }).execute();
          for (const d of req.body.dispositions ?? []) {
            await t.insertInto('dispositions', { id: newId(now), set_id: id, code: d.code, label: d.label, callback_scope: null, recycle_delay_s: null, hotkey: null, created_at: now, ...(columns(d) as object) } as never).execute();
          }
        });
        const set = await loadSet(db, id);
        await audit(db, req, p, { action: 'disposition_set.created', entity: 'disposition_set', entityId: id, after: set, now });
        return reply.code(201).send(set);
      },
    );

    app.get('/disposition-sets/:id', { config: rule(ANYONE, 'dispositions:read'), schema: { tags, summary: 'Get a disposition set', params: IdParams, response: replies(DispositionSet) } }, async (req) => {
      const { db } = scopeOf(req, s);
      return loadSet(db, req.params.id);
    });

    app.patch(
      '/disposition-sets/:id',
      { config: rule(ADMIN, 'dispositions:write'), schema: { tags, summary: 'Rename a disposition set', params: IdParams, body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }), response: replies(DispositionSet) } },
      async (req) => {
        const { p, db, now } = scopeOf(req, s);
        const before = await loadSet(db, req.params.id);
        await db.updateTable('disposition_sets').set({ name: req.body.name }).where('id', '=', before.id).execute();
        await audit(db, req, p, { action: 'disposition_set.updated', entity: 'disposition_set', entityId: before.id, before: { name: before.name }, after: { name: req.body.name }, now });
        return loadSet(db, before.id);
      },
    );

    app.delete('/disposition-sets/:id', { config: rule(ADMIN, 'dispositions:write'), schema: { tags, summary: 'Delete a disposition set', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p, db, now } = scopeOf(req, s);
      const before = await loadSet(db, req.params.id);
      await db.deleteFrom('disposition_sets').where('id', '=', before.id).execute();
      await audit(db, req, p, { action: 'disposition_set.deleted', entity: 'disposition_set', entityId: before.id, before, now });
      return reply.code(204).send(null);
    });

    app.post(
      '/disposition-sets/:id/dispositions',
      {
        config: rule(ADMIN, 'dispositions:write'),
        schema: { tags, summary: 'Add a disposition code to a set', params: IdParams, body: Type.Object({ code: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }), ...DispositionFields, label: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }), response: replies(Disposition, 201) },
      },
      async (req, reply) => {
        const { p, db, now } = scopeOf(req, s);
        const set = await loadSet(db, req.params.id);
        if (set.dispositions.some((d) => d.code === req.body.code)) throw new DialerError('DIALER_ERR_CONFLICT', `code ${req.body.code} exists in the set`);
        const id = newId(now);
        await db.insertInto('dispositions', { id, set_id: set.id, code: req.body.code, label: req.body.label, callback_scope: null, recycle_delay_s: null, hotkey: null, created_at: now, ...(columns(req.body) as object) } as never).execute();
        const d = toDisposition(await db.selectFrom('dispositions').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'disposition.created', entity: 'disposition', entityId: id, after: d, now });
        return reply.code(201).send(d);
      },
    );

    app.patch(
      '/dispositions/:id',
      { config: rule(ADMIN, 'dispositions:write'), schema: { tags, summary: 'Update a disposition code', params: IdParams, body: Type.Object(DispositionFields, { additionalProperties: false }), response: replies(Disposition) } },
      async (req) => {
        const { p, db, now } = scopeOf(req, s);
        const before = await db.selectFrom('dispositions').selectAll().where('id', '=', req.params.id).executeTakeFirst();
        if (!before) throw new DialerError('DIALER_ERR_NOT_FOUND', `disposition ${req.params.id} not found`);
        const cols = columns(req.body);
        if (Object.keys(cols).length) await db.updateTable('dispositions').set(cols as never).where('id', '=', before.id).execute();
        const after = toDisposition(await db.selectFrom('dispositions').selectAll().where('id', '=', before.id).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'disposition.updated', entity: 'disposition', entityId: before.id, before: toDisposition(before), after, now });
        return after;
      },
    );

    app.delete('/dispositions/:id', { config: rule(ADMIN, 'dispositions:write'), schema: { tags, summary: 'Delete a disposition code', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p, db, now } = scopeOf(req, s);
      const before = await db.selectFrom('dispositions').selectAll().where('id', '=', req.params.id).executeTakeFirst();
      if (!before) throw new DialerError('DIALER_ERR_NOT_FOUND', `disposition ${req.params.id} not found`);
      await db.deleteFrom('dispositions').where('id', '=', before.id).execute();
      await audit(db, req, p, { action: 'disposition.deleted', entity: 'disposition', entityId: before.id, before: toDisposition(before), now });
      return reply.code(204).send(null);
    });
  };
}
