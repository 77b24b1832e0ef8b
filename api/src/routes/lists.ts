import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Selectable } from 'kysely';
import { DialerError, newId, type ListsTable, type TenantScope } from '@dialer/core';
import type { Access } from '../http/access.js';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { rule, scopeOf, STAFF } from '../http/route-kit.js';
import { IdParams, noContent, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

export const List = Type.Object({ id: Type.String(), name: Type.String(), campaignId: StrOrNull, status: Type.String(), mixWeight: Type.Integer(), leads: Type.Integer(), createdAt: Type.Integer(), updatedAt: Type.Integer() });

function toList(r: Selectable<ListsTable>, leads = 0) {
  return { id: r.id, name: r.name, campaignId: r.campaign_id, status: r.status, mixWeight: r.mix_weight, leads, createdAt: r.created_at, updatedAt: r.updated_at };
}

/** Loads a list the principal may see (supervisors: lists of their campaigns), or 404. */
export async function visibleList(db: TenantScope, access: Access, id: string) {
  const l = await db.selectFrom('lists').selectAll().where('id', '=', id).executeTakeFirst();
  const ok = l && (access.unrestricted || (l.campaign_id !== null && (await access.campaignIds()).includes(l.campaign_id)));
  if (!l || !ok) throw new DialerError('DIALER_ERR_NOT_FOUND', `list ${id} not found`);
  return l;
}

async function counts(db: TenantScope, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('leads').select(['list_id', (eb) => eb.fn.countAll<number>().as('n')]).where('list_id', 'in', ids).groupBy('list_id').execute();
  return new Map(rows.map((r) => [r.list_id, Number(r.n)]));
}

const tags = ['lists'];
const Fields = {
  campaignId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive')])),
  mixWeight: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
};

/** Lead lists (each belongs to a campaign, or none yet). */
export function listRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    const campaignAllowed = async (db: TenantScope, access: Access, campaignId: string | null | undefined) => {
      if (campaignId === undefined) return;
      if (campaignId === null) {
        if (!access.unrestricted) throw new DialerError('DIALER_ERR_FORBIDDEN', 'supervisors keep lists inside their campaigns');
        return;
      }
      const c = await db.selectFrom('campaigns').select('id').where('id', '=', campaignId).executeTakeFirst();
      if (!c || !(await access.canSeeCampaign(c))) throw new DialerError('DIALER_ERR_VALIDATION', `campaign ${campaignId} does not exist`);
    };

    app.get('/lists', { config: rule(STAFF, 'leads:read'), schema: { tags, summary: 'List lead lists', querystring: Type.Object({ ...PageQuery, campaignId: Type.Optional(Type.String()) }), response: replies(Page(List)) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      let q = db.selectFrom('lists').selectAll();
      if (req.query.campaignId) q = q.where('campaign_id', '=', req.query.campaignId);
      if (!access.unrestricted) {
        const mine = await access.campaignIds();
        q = mine.length ? q.where('campaign_id', 'in', mine) : q.where('id', '=', '');
      }
      const page = await paginate(q, 'id', req.query, (r) => r);
      const n = await counts(db, page.items.map((r) => r.id));
      return { items: page.items.map((r) => toList(r, n.get(r.id) ?? 0)), nextCursor: page.nextCursor };
    });

    app.post(
      '/lists',
      { config: rule(STAFF, 'leads:write'), schema: { tags, summary: 'Create a lead list', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), ...Fields }, { additionalProperties: false }), response: replies(List, 201) } },
      async (req, reply) => {
        const { p, db, access, now } = scopeOf(req, s);
        await campaignAllowed(db, access, req.body.campaignId ?? (access.unrestricted ? null : undefined));
        if (!access.unrestricted && !req.body.campaignId) throw new DialerError('DIALER_ERR_VALIDATION', 'campaignId is required');
        const id = newId(now);
        await db.insertInto('lists', { id, name: req.body.name, campaign_id: req.body.campaignId ?? null, status: req.body.status ?? 'active', mix_weight: req.body.mixWeight ?? 1, created_at: now, updated_at: now }).execute();
        const l = toList(await db.selectFrom('lists').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'list.created', entity: 'list', entityId: id, after: l, now });
        return reply.code(201).send(l);
      },
    );

    app.get('/lists/:id', { config: rule(STAFF, 'leads:read'), schema: { tags, summary: 'Get a lead list', params: IdParams, response: replies(List) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      const l = await visibleList(db, access, req.params.id);
      return toList(l, (await counts(db, [l.id])).get(l.id) ?? 0);
    });

    app.patch(
      '/lists/:id',
      { config: rule(STAFF, 'leads:write'), schema: { tags, summary: 'Update a lead list', params: IdParams, body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ...Fields }, { additionalProperties: false }), response: replies(List) } },
      async (req) => {
        const { p, db, access, now } = scopeOf(req, s);
        const before = await visibleList(db, access, req.params.id);
        await campaignAllowed(db, access, req.body.campaignId);
        const b = req.body;
        await db
          .updateTable('lists')
          .set({
            updated_at: now,
            ...(b.name !== undefined ? { name: b.name } : {}),
            ...(b.campaignId !== undefined ? { campaign_id: b.campaignId } : {}),
            ...(b.status !== undefined ? { status: b.status } : {}),
            ...(b.mixWeight !== undefined ? { mix_weight: b.mixWeight } : {}),
          })
          .where('id', '=', before.id)
          .execute();
        if (b.campaignId !== undefined) await db.updateTable('leads').set({ campaign_id: b.campaignId, updated_at: now }).where('list_id', '=', before.id).execute();
        const after = await db.selectFrom('lists').selectAll().where('id', '=', before.id).executeTakeFirstOrThrow();
        await audit(db, req, p, { action: 'list.updated', entity: 'list', entityId: before.id, before: toList(before), after: toList(after), now });
        return toList(after, (await counts(db, [after.id])).get(after.id) ?? 0);
      },
    );

    app.delete('/lists/:id', { config: rule(STAFF, 'leads:write'), schema: { tags, summary: 'Delete a lead list and its leads', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p, db, access, now } = scopeOf(req, s);
      const before = await visibleList(db, access, req.params.id);
      await db.deleteFrom('lists').where('id', '=', before.id).execute();
      await audit(db, req, p, { action: 'list.deleted', entity: 'list', entityId: before.id, before: toList(before), now });
      return reply.code(204).send(null);
    });
  };
}
