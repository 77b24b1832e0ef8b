import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createMessage, DialerError, newId, type CampaignStatus, type TenantScope } from '@dialer/core';
import type { Access } from '../http/access.js';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ADMIN, ADMIN_SUP, ANYONE, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, noContent, replies } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { Campaign, campaignColumns, CampaignFields, toCampaign } from './campaign-schema.js';

/** Loads a campaign the principal may see, or 404. */
export async function visibleCampaign(db: TenantScope, access: Access, id: string) {
  const c = await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  if (!c || !(await access.canSeeCampaign(c))) throw new DialerError('DIALER_ERR_NOT_FOUND', `campaign ${id} not found`);
  return c;
}

/** Which status each control action moves to, and from which statuses it is allowed. */
const TRANSITIONS: Record<'start' | 'pause' | 'stop', { to: CampaignStatus; from: CampaignStatus[] }> = {
  start: { to: 'running', from: ['stopped', 'paused'] },
  pause: { to: 'paused', from: ['running'] },
  stop: { to: 'stopped', from: ['running', 'paused'] },
};

const tags = ['campaigns'];

/** Campaigns: settings, control (start, pause, stop), agent assignment. */
export function campaignRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    const checkRefs = async (db: TenantScope, b: Record<string, unknown>) => {
      if (typeof b['teamId'] === 'string' && !(await db.selectFrom('teams').select('id').where('id', '=', b['teamId']).executeTakeFirst())) {
        throw new DialerError('DIALER_ERR_VALIDATION', `team ${String(b['teamId'])} does not exist`);
      }
      if (typeof b['dispositionSetId'] === 'string' && !(await db.selectFrom('disposition_sets').select('id').where('id', '=', b['dispositionSetId']).executeTakeFirst())) {
        throw new DialerError('DIALER_ERR_VALIDATION', `disposition set ${String(b['dispositionSetId'])} does not exist`);
      }
    };

    app.get(
      '/campaigns',
      {
        config: rule(ANYONE, 'campaigns:read'),
        schema: { tags, summary: 'List campaigns (supervisors: their teams\'; agents: those they are assigned to)', querystring: Type.Object({ ...PageQuery, status: Type.Optional(Type.String()) }), response: replies(Page(Campaign)) },
      },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        let q = db.selectFrom('campaigns').selectAll();
        if (req.query.status) q = q.where('status', '=', req.query.status);
        if (!access.unrestricted) {
          const ids = await access.campaignIds();
          q = ids.length ? q.where('id', 'in', ids) : q.where('id', '=', '');
        }
        return paginate(q, 'id', req.query, toCampaign);
      },
    );

    app.post(
      '/campaigns',
      {
        config: rule(ADMIN, 'campaigns:write'),
        schema: { tags, summary: 'Create a campaign (stopped)', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), ...CampaignFields }, { additionalProperties: false }), response: replies(Campaign, 201) },
      },
      async (req, reply) => {
        const { p, db, now } = scopeOf(req, s);
        const body = req.body as Record<string, unknown> & { name: string };
        if (await db.selectFrom('campaigns').select('id').where('name', '=', body.name).executeTakeFirst()) throw new DialerError('DIALER_ERR_CONFLICT', `campaign ${body.name} exists`);
        await checkRefs(db, body);
        const id = newId(now);
        await db.insertInto('campaigns', { id, name: body.name, status: 'stopped', created_at: now, updated_at: now, ...(campaignColumns(body) as object) } as never).execute();
        const c = toCampaign(await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'campaign.created', entity: 'campaign', entityId: id, after: c, now });
        return reply.code(201).send(c);
      },
    );

    app.get('/campaigns/:id', { config: rule(ANYONE, 'campaigns:read'), schema: { tags, summary: 'Get a campaign', params: IdParams, response: replies(Campaign) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      return toCampaign(await visibleCampaign(db, access, req.params.id)) ;
    });

    app.patch(
      '/campaigns/:id',
      {
        config: rule(ADMIN_SUP, 'campaigns:write'),
        schema: { tags, summary: 'Update a campaign\'s settings (supervisors: their teams\' campaigns)', params: IdParams, body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ...CampaignFields }, { additionalProperties: false }), response: replies(Campaign) },
      },
      async (req) => {
        const { p, db, access, now } = scopeOf(req, s);
        const before = await visibleCampaign(db, access, req.params.id);
        const body = req.body as Record<string, unknown> & { name?: string };
        if (p.role === 'supervisor' && 'teamId' in body && body['teamId'] !== before.team_id) throw new DialerError('DIALER_ERR_FORBIDDEN', 'supervisors cannot move a campaign to another team');
        await checkRefs(db, body);
        await db
          .updateTable('campaigns')
          .set({ updated_at: now, ...(body.name !== undefined ? { name: body.name } : {}), ...(campaignColumns(body) as object) } as never)
          .where('id', '=', before.id)
          .execute();
        const after = toCampaign(await db.selectFrom('campaigns').selectAll().where('id', '=', before.id).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'campaign.updated', entity: 'campaign', entityId: before.id, before: toCampaign(before), after, now });
        return after ;
      },
    );

    app.delete('/campaigns/:id', { config: rule(ADMIN, 'campaigns:write'), schema: { tags, summary: 'Delete a stopped campaign', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p, db, access, now } = scopeOf(req, s);
      const before = await visibleCampaign(db, access, req.params.id);
      if (before.status !== 'stopped') throw new DialerError('DIALER_ERR_CAMPAIGN_STATE', 'stop the campaign before deleting it');
      await db.deleteFrom('campaigns').where('id', '=', before.id).execute();
      await audit(db, req, p, { action: 'campaign.deleted', entity: 'campaign', entityId: before.id, before: toCampaign(before), now });
      return reply.code(204).send(null);
    });

    for (const action of ['start', 'pause', 'stop'] as const) {
      app.post(
        `/campaigns/:id/${action}`,
        {
          config: rule(ADMIN_SUP, 'campaigns:write'),
          schema: {
            tags,
            summary: `${action[0]!.toUpperCase()}${action.slice(1)} a campaign`,
            description: 'Updates the status, writes the audit log and publishes `campaign.state`, which the dialer follows.',
            params: IdParams,
            response: replies(Campaign),
          },
        },
        async (req) => {
          const { p, db, access, now } = scopeOf(req, s);
          const c = await visibleCampaign(db, access, req.params.id);
          const t = TRANSITIONS[action];
          const from = c.status as CampaignStatus;
          if (!t.from.includes(from)) throw new DialerError('DIALER_ERR_CAMPAIGN_STATE', `cannot ${action} a ${from} campaign`);
          // Conditional update: two supervisors pressing at once produce one transition.
          const r = await db.updateTable('campaigns').set({ status: t.to, updated_at: now }).where('id', '=', c.id).where('status', '=', from).executeTakeFirst();
          if (Number(r.numUpdatedRows) !== 1) throw new DialerError('DIALER_ERR_CONFLICT', 'the campaign changed meanwhile; reload and retry');
          await audit(db, req, p, { action: `campaign.${action}`, entity: 'campaign', entityId: c.id, before: { status: from }, after: { status: t.to }, now });
          const data: { campaignId: string; status: CampaignStatus; previous: CampaignStatus; byUserId?: string } = { campaignId: c.id, status: t.to, previous: from };
          if (p.userId) data.byUserId = p.userId;
          await s.ctx.bus.publish(createMessage('campaign.state', p.tenantId, data, { clock: s.ctx.clock, source: s.ctx.nodeId }));
          return toCampaign(await db.selectFrom('campaigns').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow()) ;
        },
      );
    }

    app.get('/campaigns/:id/agents', { config: rule(ANYONE, 'campaigns:read'), schema: { tags, summary: 'Agents assigned to a campaign', params: IdParams, response: replies(Type.Object({ agentIds: Type.Array(Type.String()) })) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      const c = await visibleCampaign(db, access, req.params.id);
      let rows = (await db.selectFrom('campaign_agents').select('agent_id').where('campaign_id', '=', c.id).execute()).map((r) => r.agent_id);
      if (access.p.role === 'agent') rows = rows.filter((a) => a === access.p.agentId);
      return { agentIds: rows };
    });

    app.put(
      '/campaigns/:id/agents',
      {
        config: rule(ADMIN_SUP, 'campaigns:write'),
        schema: { tags, summary: 'Set the agents assigned to a campaign', params: IdParams, body: Type.Object({ agentIds: Type.Array(Type.String(), { maxItems: 5000, uniqueItems: true }) }, { additionalProperties: false }), response: replies(Type.Object({ agentIds: Type.Array(Type.String()) })) },
      },
      async (req) => {
        const { p, db, access, now } = scopeOf(req, s);
        const c = await visibleCampaign(db, access, req.params.id);
        const ids = req.body.agentIds;
        const found = ids.length ? (await db.selectFrom('agents').select('id').where('id', 'in', ids).execute()).map((r) => r.id) : [];
        const allowed = new Set(access.unrestricted ? found : (await access.agentIds()).filter((id) => found.includes(id)));
        const bad = ids.filter((id) => !allowed.has(id));
        if (bad.length) throw new DialerError('DIALER_ERR_VALIDATION', 'unknown agents (or outside your teams)', { details: { agentIds: bad } });
        await db.db.transaction().execute(async (trx) => {
          const t = db.withDb(trx);
          await t.deleteFrom('campaign_agents').where('campaign_id', '=', c.id).execute();
          if (ids.length) await t.insertInto('campaign_agents', ids.map((agent_id) => ({ campaign_id: c.id, agent_id }))).execute();
        });
        await audit(db, req, p, { action: 'campaign.agents_set', entity: 'campaign', entityId: c.id, after: { agentIds: ids }, now });
        return { agentIds: ids };
      },
    );
  };
}
