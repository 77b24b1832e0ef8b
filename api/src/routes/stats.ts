import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CampaignHistoryPoint, CampaignStats, DialerError } from '@dialer/core';
import { ANYONE, rule, scopeOf, STAFF } from '../http/route-kit.js';
import { IdParams, MsOrNull, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { stateSeries } from '../stats/state-history.js';

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

const StatePointBody = Type.Object({ t: Type.Integer({ description: 'The moment counted (ms since the epoch).' }), ready: Type.Integer(), paused: Type.Integer(), onCall: Type.Integer(), wrapUp: Type.Integer() });
const DayQuery = Type.Object({
  day: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC day, YYYY-MM-DD (default: today). Kept two days.' })),
});
const StateHistoryQuery = Type.Object({
  ...DayQuery.properties,
  stepMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, default: 1, description: 'Minutes between points.' })),
});
const DAY_MS = 86_400_000;

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

    /** Start of a requested UTC day; a day that is not a real date is a 400. */
    const dayStart = (d: string | undefined): { day: string; start: number } => {
      const dd = d ?? day();
      const start = Date.parse(`${dd}T00:00:00Z`);
      if (Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== dd) throw new DialerError('DIALER_ERR_VALIDATION', `day ${dd} is not a date (YYYY-MM-DD)`);
      return { day: dd, start };
    };

    app.get(
      '/stats/campaigns/:id/history',
      {
        config: rule(STAFF, 'stats:read'),
        schema: {
          tags,
          summary: "A campaign's figures minute by minute over a UTC day (abandon rate, answer rate, dial level, agents by state), sampled from the dialer's snapshots",
          params: IdParams,
          querystring: DayQuery,
          response: replies(Type.Object({ campaignId: Type.String(), day: Type.String(), stepMs: Type.Integer(), points: Type.Array(CampaignHistoryPoint) })),
        },
      },
      async (req) => {
        const { p, db, access } = scopeOf(req, s);
        const { day: d } = dayStart(req.query.day);
        const c = await db.selectFrom('campaigns').select('id').where('id', '=', req.params.id).executeTakeFirst();
        if (!c || !(await access.canSeeCampaign(c))) throw new DialerError('DIALER_ERR_NOT_FOUND', `campaign ${req.params.id} not found`);
        return { campaignId: c.id, day: d, stepMs: 60_000, points: await s.stats.campaignHistory(p.tenantId, c.id, d) };
      },
    );

    app.get(
      '/stats/agents/history',
      {
        config: rule(STAFF, 'stats:read'),
        schema: {
          tags,
          summary: 'Visible agents by state over a UTC day, from the agent state log (supervisors: their teams)',
          querystring: StateHistoryQuery,
          response: replies(Type.Object({ day: Type.String(), stepMs: Type.Integer(), points: Type.Array(StatePointBody) })),
        },
      },
      async (req) => {
        const { db, access, now } = scopeOf(req, s);
        const { day: d, start } = dayStart(req.query.day);
        const stepMs = (req.query.stepMinutes ?? 1) * 60_000;
        const end = Math.min(start + DAY_MS - 1, now);
        if (end < start) return { day: d, stepMs, points: [] };
        let q = db
          .selectFrom('agent_state_log')
          .select(['agent_id', 'state', 'started_at', 'ended_at'])
          // A state held longer than a day is a log a crash left open: not looked for before the day before.
          .where('started_at', '>=', start - DAY_MS)
          .where('started_at', '<=', end)
          .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', start)]));
        if (!access.unrestricted) {
          const mine = await access.agentIds();
          if (mine.length === 0) return { day: d, stepMs, points: [] };
          q = q.where('agent_id', 'in', mine);
        }
        const rows = await q.execute();
        const spans = rows.map((r) => ({ agentId: r.agent_id, state: r.state, startedAt: Number(r.started_at), endedAt: r.ended_at === null ? null : Number(r.ended_at) }));
        if (spans.length === 0) return { day: d, stepMs, points: [] };
        // From the first minute step at or after the day's first activity (or the day's start).
        let first = end;
        for (const x of spans) if (x.startedAt < first) first = x.startedAt;
        first = Math.max(start, first);
        const from = start + Math.floor((first - start) / stepMs) * stepMs;
        return { day: d, stepMs, points: stateSeries(spans, from, end, stepMs) };
      },
    );

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
