import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createMessage, DialerError, fromJson, newId, toJson, type TenantScope } from '@dialer/core';
import type { Access } from '../http/access.js';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ADMIN, ANYONE, OPERATORS, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, noContent, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

const Skill = Type.Object({ skill: Type.String({ minLength: 1, maxLength: 64 }), level: Type.Integer({ minimum: 0, maximum: 10 }) });
const PhoneKind = Type.Union([Type.Literal('webrtc'), Type.Literal('sip')]);

export const Agent = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  name: Type.String(),
  email: Type.String(),
  teamId: StrOrNull,
  extension: Type.String(),
  skills: Type.Array(Skill),
  phoneKind: Type.String(),
  sipEndpoint: StrOrNull,
  status: Type.String(),
  campaignIds: Type.Array(Type.String()),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

function agentsQuery(db: TenantScope) {
  return db
    .selectFrom('agents')
    .innerJoin('users', 'users.id', 'agents.user_id')
    .selectAll('agents')
    .select(['users.name as user_name', 'users.email as user_email']);
}
type AgentRow = Awaited<ReturnType<ReturnType<typeof agentsQuery>['executeTakeFirstOrThrow']>>;

async function toAgents(db: TenantScope, rows: AgentRow[]) {
  const ids = rows.map((r) => r.id);
  const links = ids.length ? await db.selectFrom('campaign_agents').select(['agent_id', 'campaign_id']).where('agent_id', 'in', ids).execute() : [];
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    name: r.user_name,
    email: r.user_email,
    teamId: r.team_id,
    extension: r.extension,
    skills: fromJson<{ skill: string; level: number }[]>(r.skills, []),
    phoneKind: r.phone_kind,
    sipEndpoint: r.sip_endpoint,
    status: r.status,
    campaignIds: links.filter((l) => l.agent_id === r.id).map((l) => l.campaign_id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

/** Loads an agent the principal may see, or 404. */
export async function visibleAgent(db: TenantScope, access: Access, id: string): Promise<AgentRow> {
  const a = await agentsQuery(db).where('agents.id', '=', id).executeTakeFirst();
  if (!a || !(await access.canSeeAgent(id))) throw new DialerError('DIALER_ERR_NOT_FOUND', `agent ${id} not found`);
  return a;
}

const tags = ['agents'];
const AgentPatch = {
  teamId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  extension: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z_-]{1,32}$' })),
  skills: Type.Optional(Type.Array(Skill, { maxItems: 50 })),
  phoneKind: Type.Optional(PhoneKind),
  sipEndpoint: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
};

/** Agents: the phone and team side of agent users, their state changes (to the controller) and live stats. */
export function agentRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    const teamExists = async (db: TenantScope, teamId: string | null | undefined) => {
      if (teamId && !(await db.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst())) throw new DialerError('DIALER_ERR_VALIDATION', `team ${teamId} does not exist`);
    };

    app.get(
      '/agents',
      { config: rule(ANYONE, 'agents:read'), schema: { tags, summary: 'List agents (supervisors: their teams; agents: themselves)', querystring: Type.Object({ ...PageQuery, teamId: Type.Optional(Type.String()) }), response: replies(Page(Agent)) } },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        let q = agentsQuery(db);
        if (req.query.teamId) q = q.where('agents.team_id', '=', req.query.teamId);
        if (!access.unrestricted) {
          const ids = await access.agentIds();
          q = ids.length ? q.where('agents.id', 'in', ids) : q.where('agents.id', '=', '');
        }
        const page = await paginate(q, 'agents.id', req.query, (r) => r);
        return { items: await toAgents(db, page.items), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/agents',
      {
        config: rule(ADMIN, 'agents:write'),
        schema: {
          tags,
          summary: 'Make a user an agent (phone, extension, team)',
          body: Type.Object({ ...AgentPatch, userId: Type.String(), extension: Type.String({ pattern: '^[0-9A-Za-z_-]{1,32}$' }) }, { additionalProperties: false }),
          response: replies(Agent, 201),
        },
      },
      async (req, reply) => {
        const { p, db, now } = scopeOf(req, s);
        const u = await db.selectFrom('users').select(['id', 'role']).where('id', '=', req.body.userId).executeTakeFirst();
        if (!u) throw new DialerError('DIALER_ERR_VALIDATION', `user ${req.body.userId} does not exist`);
        if (u.role !== 'agent') throw new DialerError('DIALER_ERR_VALIDATION', 'the user must have the agent role');
        if (await db.selectFrom('agents').select('id').where('user_id', '=', u.id).executeTakeFirst()) throw new DialerError('DIALER_ERR_CONFLICT', 'the user is already an agent');
        if (await db.selectFrom('agents').select('id').where('extension', '=', req.body.extension).executeTakeFirst()) throw new DialerError('DIALER_ERR_CONFLICT', `extension ${req.body.extension} is taken`);
        await teamExists(db, req.body.teamId);
        const id = newId(now);
        await db
          .insertInto('agents', {
            id,
            user_id: u.id,
            team_id: req.body.teamId ?? null,
            extension: req.body.extension,
            skills: toJson(req.body.skills ?? []),
            phone_kind: req.body.phoneKind ?? 'webrtc',
            sip_endpoint: req.body.sipEndpoint ?? null,
            status: req.body.status ?? 'active',
            created_at: now,
            updated_at: now,
          })
          .execute();
        s.directory.invalidate(p.tenantId);
        const [a] = await toAgents(db, [await agentsQuery(db).where('agents.id', '=', id).executeTakeFirstOrThrow()]);
        await audit(db, req, p, { action: 'agent.created', entity: 'agent', entityId: id, after: a, now });
        return reply.code(201).send(a!);
      },
    );

    app.get('/agents/:id', { config: rule(ANYONE, 'agents:read'), schema: { tags, summary: 'Get an agent', params: IdParams, response: replies(Agent) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      return (await toAgents(db, [await visibleAgent(db, access, req.params.id)]))[0]!;
    });

    app.patch(
      '/agents/:id',
      { config: rule(ADMIN, 'agents:write'), schema: { tags, summary: 'Update an agent', params: IdParams, body: Type.Object(AgentPatch, { additionalProperties: false }), response: replies(Agent) } },
      async (req) => {
        const { p, db, access, now } = scopeOf(req, s);
        const before = await visibleAgent(db, access, req.params.id);
        await teamExists(db, req.body.teamId);
        const b = req.body;
        if (b.extension && b.extension !== before.extension && (await db.selectFrom('agents').select('id').where('extension', '=', b.extension).executeTakeFirst())) {
          throw new DialerError('DIALER_ERR_CONFLICT', `extension ${b.extension} is taken`);
        }
        await db
          .updateTable('agents')
          .set({
            updated_at: now,
            ...(b.teamId !== undefined ? { team_id: b.teamId } : {}),
            ...(b.extension !== undefined ? { extension: b.extension } : {}),
            ...(b.skills !== undefined ? { skills: toJson(b.skills) } : {}),
            ...(b.phoneKind !== undefined ? { phone_kind: b.phoneKind } : {}),
            ...(b.sipEndpoint !== undefined ? { sip_endpoint: b.sipEndpoint } : {}),
            ...(b.status !== undefined ? { status: b.status } : {}),
          })
          .where('id', '=', before.id)
          .execute();
        s.directory.invalidate(p.tenantId);
        const [after] = await toAgents(db, [await agentsQuery(db).where('agents.id', '=', before.id).executeTakeFirstOrThrow()]);
        await audit(db, req, p, { action: 'agent.updated', entity: 'agent', entityId: before.id, before: (await toAgents(db, [before]))[0], after, now });
        return after!;
      },
    );

    app.delete('/agents/:id', { config: rule(ADMIN, 'agents:write'), schema: { tags, summary: 'Remove an agent row (the user remains)', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p, db, access, now } = scopeOf(req, s);
      const before = await visibleAgent(db, access, req.params.id);
      await db.deleteFrom('agents').where('id', '=', before.id).execute();
      s.directory.invalidate(p.tenantId);
      await audit(db, req, p, { action: 'agent.deleted', entity: 'agent', entityId: before.id, before: { extension: before.extension, userId: before.user_id }, now });
      return reply.code(204).send(null);
    });

    app.post(
      '/agents/:id/state',
      {
        config: rule(OPERATORS, 'agents:write'),
        schema: {
          tags,
          summary: 'Log an agent in or out, make it ready, pause it (with a reason), or end wrap-up',
          description: 'Sent to the call controller as `cmd.agent.state`; its answer is returned. Agents change their own state, supervisors their teams\'.',
          params: IdParams,
          body: Type.Object(
            {
              action: Type.Union([Type.Literal('login'), Type.Literal('logout'), Type.Literal('ready'), Type.Literal('pause'), Type.Literal('wrap_up_done')]),
              reason: Type.Optional(Type.String({ maxLength: 100 })),
              campaignIds: Type.Optional(Type.Array(Type.String(), { maxItems: 50 })),
            },
            { additionalProperties: false },
          ),
          response: replies(Type.Object({ ok: Type.Literal(true), result: Type.Optional(Type.Unknown()) })),
        },
      },
      async (req) => {
        const { p, db, access, now } = scopeOf(req, s);
        const a = await visibleAgent(db, access, req.params.id);
        const data: { agentId: string; action: typeof req.body.action; reason?: string; campaignIds?: string[] } = { agentId: a.id, action: req.body.action };
        if (req.body.reason !== undefined) data.reason = req.body.reason;
        if (req.body.campaignIds !== undefined) {
          const allowed = new Set((await db.selectFrom('campaign_agents').select('campaign_id').where('agent_id', '=', a.id).execute()).map((r) => r.campaign_id));
          const bad = req.body.campaignIds.filter((c) => !allowed.has(c));
          if (bad.length) throw new DialerError('DIALER_ERR_VALIDATION', 'the agent is not assigned to every campaign given', { details: { campaignIds: bad } });
          data.campaignIds = req.body.campaignIds;
        }
        const result = await s.ctx.bus.request(createMessage('cmd.agent.state', p.tenantId, data, { clock: s.ctx.clock, source: s.ctx.nodeId }), { timeoutMs: s.commandTimeoutMs });
        await audit(db, req, p, { action: `agent.${req.body.action}`, entity: 'agent', entityId: a.id, after: data, now });
        return result === undefined ? { ok: true as const } : { ok: true as const, result };
      },
    );
  };
}
