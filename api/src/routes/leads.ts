import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Selectable } from 'kysely';
import { DialerError, fromJson, toJson, type LeadsTable, type TenantScope } from '@dialer/core';
import type { Access } from '../http/access.js';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ANYONE, rule, scopeOf, STAFF } from '../http/route-kit.js';
import { JsonObject, LeadIdParams, MsOrNull, noContent, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleList } from './lists.js';

/** E.164: `+`, country code, up to 15 digits. */
export const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164, e.g. +12125550123' });

export const Lead = Type.Object({
  id: Type.Integer(),
  listId: Type.String(),
  campaignId: StrOrNull,
  phone: Type.String(),
  altPhones: Type.Array(Type.String()),
  firstName: StrOrNull,
  lastName: StrOrNull,
  email: StrOrNull,
  address: StrOrNull,
  city: StrOrNull,
  state: StrOrNull,
  postalCode: StrOrNull,
  country: StrOrNull,
  timezone: StrOrNull,
  status: Type.String(),
  disposition: StrOrNull,
  attempts: Type.Integer(),
  lastCallAt: MsOrNull,
  nextCallAfter: Type.Integer(),
  priority: Type.Integer(),
  custom: JsonObject,
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

export function toLead(r: Selectable<LeadsTable>) {
  return {
    id: Number(r.id), listId: r.list_id, campaignId: r.campaign_id, phone: r.phone, altPhones: fromJson<string[]>(r.alt_phones, []), firstName: r.first_name, lastName: r.last_name,
    email: r.email, address: r.address, city: r.city, state: r.state, postalCode: r.postal_code, country: r.country, timezone: r.timezone, status: r.status, disposition: r.disposition,
    attempts: r.attempts, lastCallAt: r.last_call_at, nextCallAfter: r.next_call_after, priority: r.priority, custom: fromJson<Record<string, unknown>>(r.custom, {}),
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** Loads a lead the principal may see (agents: leads of their calls and callbacks), or 404. */
export async function visibleLead(db: TenantScope, access: Access, id: number) {
  const l = await db.selectFrom('leads').selectAll().where('id', '=', id).executeTakeFirst();
  if (!l || !(await access.canSeeLead(l.id))) throw new DialerError('DIALER_ERR_NOT_FOUND', `lead ${id} not found`);
  return l;
}

/** Contact fields anyone who may edit a lead can change (agents included, during a call). */
const ContactFields = {
  firstName: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  lastName: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  email: Type.Optional(Type.Union([Type.String({ maxLength: 320 }), Type.Null()])),
  address: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
  city: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  state: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  postalCode: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
  country: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Z]{2}$' }), Type.Null()])),
  timezone: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  altPhones: Type.Optional(Type.Array(Phone, { maxItems: 10 })),
  custom: Type.Optional(JsonObject),
};
/** Dialling fields only staff change. */
const StaffFields = {
  status: Type.Optional(Type.Union(['new', 'callable', 'callback', 'done', 'dnc', 'invalid'].map((x) => Type.Literal(x)))),
  priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
  nextCallAfter: Type.Optional(Type.Integer({ minimum: 0 })),
};

function leadColumns(b: Record<string, unknown>): Record<string, unknown> {
  const map: [string, string][] = [
    ['firstName', 'first_name'], ['lastName', 'last_name'], ['email', 'email'], ['address', 'address'], ['city', 'city'], ['state', 'state'], ['postalCode', 'postal_code'],
    ['country', 'country'], ['timezone', 'timezone'], ['status', 'status'], ['priority', 'priority'], ['nextCallAfter', 'next_call_after'],
  ];
  const out: Record<string, unknown> = {};
  for (const [k, c] of map) if (b[k] !== undefined) out[c] = b[k];
  if (b['altPhones'] !== undefined) out['alt_phones'] = toJson(b['altPhones']);
  if (b['custom'] !== undefined) out['custom'] = toJson(b['custom']);
  return out;
}

const tags = ['leads'];

/** Leads: search, create, edit, delete. Imports, exports, DNC and dispositions have their own routes. */
export function leadRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/leads',
      {
        config: rule(ANYONE, 'leads:read'),
        schema: {
          tags,
          summary: 'Search leads (agents: the leads of their calls and callbacks)',
          querystring: Type.Object({
            ...PageQuery,
            phone: Type.Optional(Type.String({ maxLength: 20, description: 'Exact number, or a prefix ending in *.' })),
            q: Type.Optional(Type.String({ minLength: 2, maxLength: 100, description: 'Part of the name or e-mail.' })),
            status: Type.Optional(Type.String()),
            listId: Type.Optional(Type.String()),
            campaignId: Type.Optional(Type.String()),
          }),
          response: replies(Page(Lead)),
        },
      },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        const qy = req.query;
        let q = db.selectFrom('leads').selectAll();
        if (qy.phone) q = qy.phone.endsWith('*') ? q.where('phone', 'like', `${qy.phone.slice(0, -1).replace(/[^0-9+]/g, '')}%`) : q.where('phone', '=', qy.phone);
        if (qy.q) {
          const like = `%${qy.q.toLowerCase().replace(/[%_]/g, '')}%`;
          q = q.where((eb) => eb.or([eb(eb.fn('lower', ['first_name']), 'like', like), eb(eb.fn('lower', ['last_name']), 'like', like), eb(eb.fn('lower', ['email']), 'like', like)]));
        }
        if (qy.status) q = q.where('status', '=', qy.status as never);
        if (qy.listId) q = q.where('list_id', '=', qy.listId);
        if (qy.campaignId) q = q.where('campaign_id', '=', qy.campaignId);
        const f = await access.leadFilter('leads');
        if (f) q = q.where(f as never);
        return paginate(q, 'id', qy, toLead);
      },
    );

    app.post(
      '/leads',
      {
        config: rule(STAFF, 'leads:write'),
        schema: { tags, summary: 'Add one lead to a list', body: Type.Object({ listId: Type.String(), phone: Phone, ...ContactFields, ...StaffFields }, { additionalProperties: false }), response: replies(Lead, 201) },
      },
      async (req, reply) => {
        const { p, db, access, now } = scopeOf(req, s);
        const list = await visibleList(db, access, req.body.listId);
        if (await db.selectFrom('leads').select('id').where('list_id', '=', list.id).where('phone', '=', req.body.phone).executeTakeFirst()) {
          throw new DialerError('DIALER_ERR_CONFLICT', `the list already has ${req.body.phone}`);
        }
        const ins = await db
          .insertInto('leads', { list_id: list.id, campaign_id: list.campaign_id, phone: req.body.phone, first_name: null, last_name: null, email: null, address: null, city: null, state: null, postal_code: null, country: null, timezone: null, disposition: null, day_key: null, last_call_at: null, claimed_by: null, claimed_until: null, created_at: now, updated_at: now, ...(leadColumns(req.body) as object) } as never)
          .returning('id')
          .executeTakeFirstOrThrow();
        const lead = toLead(await db.selectFrom('leads').selectAll().where('id', '=', Number(ins.id)).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'lead.created', entity: 'lead', entityId: lead.id, after: { listId: lead.listId }, now });
        return reply.code(201).send(lead);
      },
    );

    app.get('/leads/:id', { config: rule(ANYONE, 'leads:read'), schema: { tags, summary: 'Get a lead', params: LeadIdParams, response: replies(Lead) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      return toLead(await visibleLead(db, access, req.params.id));
    });

    app.patch(
      '/leads/:id',
      {
        config: rule(ANYONE, 'leads:write'),
        schema: { tags, summary: 'Edit a lead (agents: contact fields of their own leads)', params: LeadIdParams, body: Type.Object({ ...ContactFields, ...StaffFields }, { additionalProperties: false }), response: replies(Lead) },
      },
      async (req) => {
        const { p, db, access, now } = scopeOf(req, s);
        const before = await visibleLead(db, access, req.params.id);
        const b = req.body as Record<string, unknown>;
        if (p.role === 'agent' && Object.keys(StaffFields).some((k) => b[k] !== undefined)) throw new DialerError('DIALER_ERR_FORBIDDEN', 'agents edit contact fields only');
        const cols = leadColumns(b);
        if (Object.keys(cols).length) await db.updateTable('leads').set({ ...cols, updated_at: now } as never).where('id', '=', before.id).execute();
        const after = toLead(await db.selectFrom('leads').selectAll().where('id', '=', before.id).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'lead.updated', entity: 'lead', entityId: before.id, after: Object.keys(b), now });
        return after;
      },
    );

    app.delete('/leads/:id', { config: rule(STAFF, 'leads:write'), schema: { tags, summary: 'Delete a lead', params: LeadIdParams, response: noContent } }, async (req, reply) => {
      const { p, db, access, now } = scopeOf(req, s);
      const before = await visibleLead(db, access, req.params.id);
      await db.deleteFrom('leads').where('id', '=', before.id).execute();
      await audit(db, req, p, { action: 'lead.deleted', entity: 'lead', entityId: before.id, before: { listId: before.list_id }, now });
      return reply.code(204).send(null);
    });
  };
}
