import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CampaignStats, DialerError } from '@dialer/core';
import { ANYONE, rule, scopeOf, STAFF } from '../http/route-kit.js';
import { IdParams, MsOrNull, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

const CampaignToday = Type.Object({
  dialed: Type.Integer(), answered: Type.Integer(), human: Type.Integer(), machine: Type.Integer(), connected: Type.Integer(), abandoned: Type.Integer(),
  ended: Type.Integer(), talkMs: Type.Integer(), waitMs: Type.Integer(), dispositions: Type.Integer(),
});
const CampaignStatsBody = Type.Object({
  campaignId: Type.String(),
  day: Type.String({ description: 'UTC day the counters are for.' }),
  live: Type.Union([CampaignStats, Type.Null()], { description: 'The dialer\'s latest once-a-second snapshot (null when none in the last 10 s).' }),
  today: CampaignToday,
});
const AgentStatsBody = Type.Object({
  agentId: Type.String(),
  day: Type.String(),
  state: StrOrNull,
  sinceMs: MsOrNull,
  callId: StrOrNull,
  calls: Type.Integer(),
  talkMs: Type.Integer(),
  dispositions: Type.Integer(),
  stateMs: Type.Record(Type.String(), Type.Integer()),
});

const tags = ['stats'];

/** Real-time statistics per campaign and agent, from live counters (memory, or Redis when scaled out), never from table scans. */
export function statsRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    const day = () => new Date(s.ctx.clock.now()).toISOString().slice(0, 10);
    const campaignStats = async (tenantId: string, id: string) => ({ campaignId: id, day: day(), live: s.stats.liveCampaign(tenantId, id), today: await s.stats.campaign(tenantId, id) });
    const agentStats = async (tenantId: string, id: string) => ({ agentId: id, day: day(), ...(await s.stats.agent(tenantId, id)) });

    app.get('/stats/campaigns', { config: rule(STAFF, 'stats:read'), schema: { tags, summary: 'Live statistics of every visible campaign active today', response: replies(Type.Object({ items: Type.Array(CampaignStatsBody) })) } }, async (req) => {
      const { p, access } = scopeOf(req, s);
      let ids = await s.stats.campaignsToday(p.tenantId);
      if (!access.unrestricted) {
        const mine = new Set(await access.campaignIds());
        ids = ids.filter((id) => mine.has(id));
      }
      return { items: await Promise.all(ids.sort().map((id) => campaignStats(p.tenantId, id))) };
    });

    app.get('/stats/campaigns/:id', { config: rule(STAFF, 'stats:read'), schema: { tags, summary: 'Live statistics of a campaign', params: IdParams, response: replies(CampaignStatsBody) } }, async (req) => {
      const { p, db, access } = scopeOf(req, s);
      const c = await db.selectFrom('campaigns').select('id').where('id', '=', req.params.id).executeTakeFirst();
      if (!c || !(await access.canSeeCampaign(c))) throw new DialerError('DIALER_ERR_NOT_FOUND', `campaign ${req.params.id} not found`);
      return campaignStats(p.tenantId, c.id);
    });

    app.get('/stats/agents', { config: rule(STAFF, 'stats:read'), schema: { tags, summary: 'Live statistics of every visible agent seen today', response: replies(Type.Object({ items: Type.Array(AgentStatsBody) })) } }, async (req) => {
      const { p, access } = scopeOf(req, s);
      let ids = await s.stats.agentsToday(p.tenantId);
      if (!access.unrestricted) {
        const mine = new Set(await access.agentIds());
        ids = ids.filter((id) => mine.has(id));
      }
      return { items: await Promise.all(ids.sort().map((id) => agentStats(p.tenantId, id))) };
    });

    app.get('/stats/agents/:id', { config: rule(ANYONE, 'stats:read'), schema: { tags, summary: 'Live statistics of an agent (agents: their own)', params: IdParams, response: replies(AgentStatsBody) } }, async (req) => {
      const { p, db, access } = scopeOf(req, s);
      const a = await db.selectFrom('agents').select('id').where('id', '=', req.params.id).executeTakeFirst();
      if (!a || !(await access.canSeeAgent(a.id))) throw new DialerError('DIALER_ERR_NOT_FOUND', `agent ${req.params.id} not found`);
      return agentStats(p.tenantId, a.id);
    });
  };
}
