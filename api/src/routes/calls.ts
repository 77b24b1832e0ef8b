import { Type, type TObject } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Selectable } from 'kysely';
import { DialerError, fromJson, type CallsTable, type Role as RoleName, type TenantScope } from '@dialer/core';
import type { Principal } from '../auth/principal.js';
import type { Access } from '../http/access.js';
import { audit } from '../http/audit.js';
import { command, defined } from '../http/commands.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ADMIN_SUP, ANYONE, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, JsonObject, MsOrNull, NumOrNull, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

export const Call = Type.Object({
  id: Type.String(),
  campaignId: StrOrNull,
  leadId: NumOrNull,
  agentId: StrOrNull,
  direction: Type.String(),
  phone: Type.String(),
  callerId: StrOrNull,
  state: Type.String(),
  dialStatus: StrOrNull,
  amdStatus: StrOrNull,
  outcome: StrOrNull,
  hangupCause: NumOrNull,
  hangupCauseText: StrOrNull,
  hangupBy: StrOrNull,
  disposition: StrOrNull,
  notes: StrOrNull,
  recordingId: StrOrNull,
  abandoned: Type.Boolean(),
  nodeId: StrOrNull,
  meta: JsonObject,
  createdAt: Type.Integer(),
  ringAt: MsOrNull,
  answerAt: MsOrNull,
  connectAt: MsOrNull,
  endAt: MsOrNull,
  updatedAt: Type.Integer(),
});

export function toCall(r: Selectable<CallsTable>) {
  return {
    id: r.id, campaignId: r.campaign_id, leadId: r.lead_id, agentId: r.agent_id, direction: r.direction, phone: r.phone, callerId: r.caller_id, state: r.state,
    dialStatus: r.dial_status, amdStatus: r.amd_status, outcome: r.outcome, hangupCause: r.hangup_cause, hangupCauseText: r.hangup_cause_text, hangupBy: r.hangup_by,
    disposition: r.disposition, notes: r.notes, recordingId: r.recording_id, abandoned: r.abandoned === 1, nodeId: r.node_id, meta: fromJson<Record<string, unknown>>(r.meta, {}),
    createdAt: r.created_at, ringAt: r.ring_at, answerAt: r.answer_at, connectAt: r.connect_at, endAt: r.end_at, updatedAt: r.updated_at,
  };
}

/** Loads a call the principal may see (agents: their own), or 404. */
export async function visibleCall(db: TenantScope, access: Access, id: string) {
  const c = await db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
  if (!c || !(await access.canSeeCall(c))) throw new DialerError('DIALER_ERR_NOT_FOUND', `call ${id} not found`);
  return c;
}

const CommandReply = Type.Object({ ok: Type.Literal(true), result: Type.Optional(Type.Unknown()) });
const tags = ['calls'];

/** Calls: the live list and history, originate, and actions sent to the call controller as typed bus commands. */
export function callRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/calls',
      {
        config: rule(ANYONE, 'calls:read'),
        schema: {
          tags,
          summary: 'List calls: live ones by default (agents see their own; supervisors their teams\' and campaigns\')',
          querystring: Type.Object({
            ...PageQuery,
            state: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('ended'), Type.Literal('all')], { default: 'live' })),
            campaignId: Type.Optional(Type.String()),
            agentId: Type.Optional(Type.String()),
            leadId: Type.Optional(Type.Integer()),
          }),
          response: replies(Page(Call)),
        },
      },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        let q = db.selectFrom('calls').selectAll();
        const st = req.query.state ?? 'live';
        if (st === 'live') q = q.where('state', '!=', 'ended');
        else if (st === 'ended') q = q.where('state', '=', 'ended');
        if (req.query.campaignId) q = q.where('campaign_id', '=', req.query.campaignId);
        if (req.query.agentId) q = q.where('agent_id', '=', req.query.agentId);
        if (req.query.leadId) q = q.where('lead_id', '=', req.query.leadId);
        const f = await access.callFilter('calls');
        if (f) q = q.where(f as never);
        return paginate(q, 'id', req.query, toCall);
      },
    );

    app.get('/calls/:id', { config: rule(ANYONE, 'calls:read'), schema: { tags, summary: 'Get a call', params: IdParams, response: replies(Call) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      return toCall(await visibleCall(db, access, req.params.id));
    });

    app.post(
      '/calls',
      {
        config: rule(ANYONE, 'calls:write'),
        schema: {
          tags,
          summary: 'Originate a call (manual dial or click-to-call)',
          description: 'Sent to the call controller as `cmd.call.originate`; the reply (e.g. the new call id) is returned. An agent dials as itself.',
          body: Type.Object(
            {
              phone: Type.String({ pattern: '^\\+?[0-9*#]{2,20}$' }),
              campaignId: Type.Optional(Type.String()),
              leadId: Type.Optional(Type.Integer({ minimum: 1 })),
              agentId: Type.Optional(Type.String()),
              callerId: Type.Optional(Type.String({ maxLength: 32 })),
              ringTimeoutS: Type.Optional(Type.Integer({ minimum: 1, maximum: 300 })),
            },
            { additionalProperties: false },
          ),
          response: replies(CommandReply, 202),
        },
      },
      async (req, reply) => {
        const { p, db, access, now } = scopeOf(req, s);
        const b = req.body;
        let agentId = b.agentId;
        if (p.role === 'agent') {
          if (agentId !== undefined && agentId !== p.agentId) throw new DialerError('DIALER_ERR_FORBIDDEN', 'an agent dials as itself');
          if (!p.agentId) throw new DialerError('DIALER_ERR_FORBIDDEN', 'this user has no agent row');
          agentId = p.agentId;
        } else if (agentId !== undefined && !(await access.canSeeAgent(agentId))) {
          throw new DialerError('DIALER_ERR_NOT_FOUND', `agent ${agentId} not found`);
        }
        if (b.campaignId !== undefined) {
          const c = await db.selectFrom('campaigns').select('id').where('id', '=', b.campaignId).executeTakeFirst();
          if (!c || !(await access.canSeeCampaign(c))) throw new DialerError('DIALER_ERR_NOT_FOUND', `campaign ${b.campaignId} not found`);
        }
        // An agent may dial any lead of its campaigns by id (preview and manual modes), so check the lead's campaign, not past calls.
        if (b.leadId !== undefined) {
          const lead = await db.selectFrom('leads').select(['id', 'campaign_id', 'list_id']).where('id', '=', b.leadId).executeTakeFirst();
          const camps = access.unrestricted ? null : await access.campaignIds();
          if (!lead || (camps !== null && !(lead.campaign_id !== null && camps.includes(lead.campaign_id)) && !(await access.canSeeLead(lead.id)))) {
            throw new DialerError('DIALER_ERR_NOT_FOUND', `lead ${b.leadId} not found`);
          }
        }
        const out = await command(s, p, 'cmd.call.originate', defined({ phone: b.phone, campaignId: b.campaignId, leadId: b.leadId, agentId, callerId: b.callerId, ringTimeoutS: b.ringTimeoutS }));
        await audit(db, req, p, { action: 'call.originate', entity: 'call', entityId: null, after: { campaignId: b.campaignId ?? null, leadId: b.leadId ?? null, agentId: agentId ?? null }, now });
        return reply.code(202).send(out);
      },
    );

    /** A call-scoped action: who may send it, its body, and the command it becomes. */
    const action = (
      path: string,
      summary: string,
      body: TObject | null,
      roles: readonly RoleName[],
      send: (callId: string, body: Record<string, unknown>, p: Principal, userId: string) => Promise<{ ok: true; result?: unknown }>,
    ) => {
      app.post(
        `/calls/:id/${path}`,
        { config: rule(roles, 'calls:write'), schema: { tags, summary, params: IdParams, ...(body ? { body } : {}), response: replies(CommandReply) } },
        async (req) => {
          const { p, db, access, now } = scopeOf(req, s);
          const call = await visibleCall(db, access, req.params.id);
          if (call.state === 'ended') throw new DialerError('DIALER_ERR_INVALID_STATE', `call ${call.id} has ended`);
          const out = await send(call.id, (req.body ?? {}) as Record<string, unknown>, p, p.userId ?? p.apiKeyId ?? 'api');
          await audit(db, req, p, { action: `call.${path.replace('/', '.')}`, entity: 'call', entityId: call.id, after: req.body ?? null, now });
          return out;
        },
      );
    };

    action('hangup', 'Hang up a call', Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }), ANYONE, (callId, b, p) =>
      command(s, p, 'cmd.call.hangup', defined({ callId, reason: b['reason'] as string | undefined })),
    );
    action(
      'transfer',
      'Transfer a call: blind, warm (consult, then complete or cancel) or three-way',
      Type.Object(
        {
          action: Type.Union([Type.Literal('blind'), Type.Literal('warm'), Type.Literal('complete'), Type.Literal('cancel'), Type.Literal('three_way')]),
          target: Type.Optional(
            Type.Union([
              Type.Object({ kind: Type.Literal('queue'), campaignId: Type.String() }),
              Type.Object({ kind: Type.Literal('agent'), agentId: Type.String() }),
              Type.Object({ kind: Type.Literal('number'), phone: Type.String({ pattern: '^\\+?[0-9*#]{2,20}$' }) }),
            ]),
          ),
        },
        { additionalProperties: false },
      ),
      ANYONE,
      (callId, b, p) => {
        // A three-way joins the consult already under way: it needs no target.
        const needsTarget = b['action'] === 'blind' || b['action'] === 'warm';
        if (needsTarget && !b['target']) throw new DialerError('DIALER_ERR_VALIDATION', `a ${String(b['action'])} transfer needs a target`, { details: [{ in: 'body', path: '/target', message: 'is required' }] });
        return command(s, p, 'cmd.call.transfer', defined({ callId, action: b['action'] as 'blind', target: b['target'] as never }));
      },
    );
    action('hold', 'Put a call on hold or take it off', Type.Object({ hold: Type.Boolean() }, { additionalProperties: false }), ANYONE, (callId, b, p) =>
      command(s, p, 'cmd.call.hold', { callId, hold: b['hold'] as boolean }),
    );
    action('mute', 'Mute or unmute the agent on a call', Type.Object({ mute: Type.Boolean() }, { additionalProperties: false }), ANYONE, (callId, b, p) =>
      command(s, p, 'cmd.call.mute', { callId, mute: b['mute'] as boolean }),
    );
    action('dtmf', 'Send DTMF digits on a call', Type.Object({ digits: Type.String({ pattern: '^[0-9A-D*#]{1,32}$' }) }, { additionalProperties: false }), ANYONE, (callId, b, p) =>
      command(s, p, 'cmd.call.dtmf', { callId, digits: b['digits'] as string }),
    );
    action(
      'record',
      'Start, stop, pause or resume recording a call',
      Type.Object({ action: Type.Union([Type.Literal('start'), Type.Literal('stop'), Type.Literal('pause'), Type.Literal('resume')]) }, { additionalProperties: false }),
      ANYONE,
      (callId, b, p) => command(s, p, 'cmd.call.record', { callId, action: b['action'] as 'start' }),
    );
    for (const mode of ['listen', 'whisper', 'barge'] as const) {
      action(mode, `${mode[0]!.toUpperCase()}${mode.slice(1)}: supervisor monitoring`, null, ADMIN_SUP, (callId, _b, p, userId) => command(s, p, 'cmd.call.monitor', { callId, supervisorId: userId, mode }));
    }
    action('monitor/stop', 'Stop monitoring a call', null, ADMIN_SUP, (callId, _b, p, userId) => command(s, p, 'cmd.call.monitor', { callId, supervisorId: userId, mode: 'stop' }));
  };
}
