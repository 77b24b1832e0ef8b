import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Selectable } from 'kysely';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { DialerError, scheduleCallback, type CallbacksTable, type TenantScope } from '@dialer/core';
import type { Access } from '../http/access.js';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ANYONE, OPERATORS, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, noContent, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleLead } from './leads.js';

const Callback = Type.Object({
  id: Type.String(),
  leadId: Type.Integer(),
  campaignId: Type.String(),
  agentId: StrOrNull,
  scope: Type.String({ description: '`agent` (only that agent) or `anyone` in the campaign.' }),
  dueAt: Type.Integer(),
  status: Type.String(),
  notes: StrOrNull,
  createdBy: StrOrNull,
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

function toCallback(r: Selectable<CallbacksTable>) {
  return { id: r.id, leadId: Number(r.lead_id), campaignId: r.campaign_id, agentId: r.agent_id, scope: r.scope, dueAt: r.due_at, status: r.status, notes: r.notes, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Eb = ExpressionBuilder<any, any>;

/** Agents: their own callbacks and the `anyone` ones of their campaigns; supervisors: their campaigns' and agents'. */
async function filter(access: Access): Promise<((eb: Eb) => Expression<SqlBool>) | null> {
  if (access.unrestricted) return null;
  const camps = await access.campaignIds();
  if (access.p.role === 'agent') {
    const me = access.p.agentId ?? '';
    return (eb) => eb.or([eb('agent_id', '=', me), ...(camps.length ? [eb.and([eb('scope', '=', 'anyone'), eb('campaign_id', 'in', camps)])] : [])]);
  }
  const agents = await access.agentIds();
  if (!camps.length && !agents.length) return () => sql<SqlBool>`1 = 0`;
  return (eb) => eb.or([...(camps.length ? [eb('campaign_id', 'in', camps)] : []), ...(agents.length ? [eb('agent_id', 'in', agents)] : [])]);
}

async function visibleCallback(db: TenantScope, access: Access, id: string) {
  let q = db.selectFrom('callbacks').selectAll().where('id', '=', id);
  const f = await filter(access);
  if (f) q = q.where(f as never);
  const r = await q.executeTakeFirst();
  if (!r) throw new DialerError('DIALER_ERR_NOT_FOUND', `callback ${id} not found`);
  return r;
}

const tags = ['callbacks'];

/** Scheduled callbacks: agent-only or for anyone in the campaign. */
export function callbackRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/callbacks',
      {
        config: rule(ANYONE, 'callbacks:read'),
        schema: {
          tags,
          summary: 'List callbacks (agents: theirs and the open ones of their campaigns)',
          querystring: Type.Object({ ...PageQuery, status: Type.Optional(Type.String()), campaignId: Type.Optional(Type.String()), agentId: Type.Optional(Type.String()), dueBefore: Type.Optional(Type.Integer()) }),
          response: replies(Page(Callback)),
        },
      },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        const qy = req.query;
        let q = db.selectFrom('callbacks').selectAll();
        if (qy.status) q = q.where('status', '=', qy.status);
        if (qy.campaignId) q = q.where('campaign_id', '=', qy.campaignId);
        if (qy.agentId) q = q.where('agent_id', '=', qy.agentId);
        if (qy.dueBefore !== undefined) q = q.where('due_at', '<', qy.dueBefore);
        const f = await filter(access);
        if (f) q = q.where(f as never);
        return paginate(q, 'id', qy, toCallback);
      },
    );

    app.post(
      '/callbacks',
      {
        config: rule(OPERATORS, 'callbacks:write'),
        schema: {
          tags,
          summary: 'Schedule a callback',
          body: Type.Object(
            {
              leadId: Type.Integer({ minimum: 1 }),
              campaignId: Type.String(),
              dueAt: Type.Integer({ description: 'Epoch ms.' }),
              scope: Type.Optional(Type.Union([Type.Literal('agent'), Type.Literal('anyone')])),
              agentId: Type.Optional(Type.String()),
              notes: Type.Optional(Type.String({ maxLength: 2000 })),
            },
            { additionalProperties: false },
          ),
          response: replies(Callback, 201),
        },
      },
      async (req, reply) => {
        const { p, db, access, now } = scopeOf(req, s);
        const b = req.body;
        await visibleLead(db, access, b.leadId);
        const c = await db.selectFrom('campaigns').select('id').where('id', '=', b.campaignId).executeTakeFirst();
        if (!c || !(await access.canSeeCampaign(c))) throw new DialerError('DIALER_ERR_NOT_FOUND', `campaign ${b.campaignId} not found`);
        const scope = b.scope ?? (b.agentId || p.role === 'agent' ? 'agent' : 'anyone');
        let agentId = b.agentId ?? null;
        if (p.role === 'agent') {
          if (agentId !== null && agentId !== p.agentId) throw new DialerError('DIALER_ERR_FORBIDDEN', 'agents schedule callbacks for themselves');
          agentId = scope === 'agent' ? p.agentId : null;
        } else if (agentId !== null && !(await access.canSeeAgent(agentId))) throw new DialerError('DIALER_ERR_NOT_FOUND', `agent ${agentId} not found`);
        if (scope === 'agent' && !agentId) throw new DialerError('DIALER_ERR_VALIDATION', 'an agent callback needs agentId');
        // The dialer's own rule: one pending callback per lead, the lead waits for it.
        const id = await scheduleCallback(s.ctx.store, { tenantId: p.tenantId, leadId: b.leadId, campaignId: b.campaignId, dueAtMs: b.dueAt, agentId: scope === 'agent' ? agentId : null, notes: b.notes ?? null, createdBy: p.userId, nowMs: now });
        const out = toCallback(await db.selectFrom('callbacks').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'callback.created', entity: 'callback', entityId: id, after: out, now });
        return reply.code(201).send(out);
      },
    );

    app.get('/callbacks/:id', { config: rule(ANYONE, 'callbacks:read'), schema: { tags, summary: 'Get a callback', params: IdParams, response: replies(Callback) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      return toCallback(await visibleCallback(db, access, req.params.id));
    });

    app.patch(
      '/callbacks/:id',
      {
        config: rule(OPERATORS, 'callbacks:write'),
        schema: {
          tags,
          summary: 'Move, reassign, complete or cancel a callback',
          params: IdParams,
          body: Type.Object(
            { dueAt: Type.Optional(Type.Integer()), notes: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])), status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('done'), Type.Literal('cancelled')])), agentId: Type.Optional(Type.Union([Type.String(), Type.Null()])) },
            { additionalProperties: false },
          ),
          response: replies(Callback),
        },
      },
      async (req) => {
        const { p, db, access, now } = scopeOf(req, s);
        const before = await visibleCallback(db, access, req.params.id);
        const b = req.body;
        if (b.agentId !== undefined && b.agentId !== null && (p.role === 'agent' ? b.agentId !== p.agentId : !(await access.canSeeAgent(b.agentId)))) throw new DialerError('DIALER_ERR_NOT_FOUND', `agent ${b.agentId} not found`);
        await db
          .updateTable('callbacks')
          .set({
            updated_at: now,
            ...(b.dueAt !== undefined ? { due_at: b.dueAt } : {}),
            ...(b.notes !== undefined ? { notes: b.notes } : {}),
            ...(b.status !== undefined ? { status: b.status } : {}),
            ...(b.agentId !== undefined ? { agent_id: b.agentId, scope: b.agentId ? 'agent' : 'anyone' } : {}),
          })
          .where('id', '=', before.id)
          .execute();
        const after = toCallback(await db.selectFrom('callbacks').selectAll().where('id', '=', before.id).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'callback.updated', entity: 'callback', entityId: before.id, before: toCallback(before), after, now });
        return after;
      },
    );

    app.delete('/callbacks/:id', { config: rule(OPERATORS, 'callbacks:write'), schema: { tags, summary: 'Delete a callback', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p, db, access, now } = scopeOf(req, s);
      const before = await visibleCallback(db, access, req.params.id);
      await db.deleteFrom('callbacks').where('id', '=', before.id).execute();
      await audit(db, req, p, { action: 'callback.deleted', entity: 'callback', entityId: before.id, before: toCallback(before), now });
      return reply.code(204).send(null);
    });
  };
}
