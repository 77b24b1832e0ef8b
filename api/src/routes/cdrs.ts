import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Selectable } from 'kysely';
import { DialerError, type CdrsTable } from '@dialer/core';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ANYONE, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, MsOrNull, NumOrNull, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

const Cdr = Type.Object({
  id: Type.String(),
  callId: Type.String(),
  campaignId: StrOrNull,
  leadId: NumOrNull,
  agentId: StrOrNull,
  direction: Type.String(),
  phone: Type.String(),
  callerId: StrOrNull,
  startAt: Type.Integer(),
  ringAt: MsOrNull,
  answerAt: MsOrNull,
  bridgeAt: MsOrNull,
  endAt: Type.Integer(),
  durationMs: Type.Integer(),
  talkMs: Type.Integer(),
  waitMs: NumOrNull,
  hangupCause: NumOrNull,
  hangupCauseText: StrOrNull,
  hangupBy: StrOrNull,
  dialStatus: StrOrNull,
  outcome: StrOrNull,
  amdStatus: StrOrNull,
  abandoned: Type.Boolean(),
  disposition: StrOrNull,
  recordingId: StrOrNull,
  hasTranscript: Type.Boolean(),
});

function toCdr(r: Selectable<CdrsTable>) {
  return {
    id: r.id, callId: r.call_id, campaignId: r.campaign_id, leadId: r.lead_id, agentId: r.agent_id, direction: r.direction, phone: r.phone, callerId: r.caller_id,
    startAt: r.start_at, ringAt: r.ring_at, answerAt: r.answer_at, bridgeAt: r.bridge_at, endAt: r.end_at, durationMs: r.duration_ms, talkMs: r.talk_ms, waitMs: r.wait_ms,
    hangupCause: r.hangup_cause, hangupCauseText: r.hangup_cause_text, hangupBy: r.hangup_by, dialStatus: r.dial_status, outcome: r.outcome, amdStatus: r.amd_status,
    abandoned: r.abandoned === 1, disposition: r.disposition, recordingId: r.recording_id, hasTranscript: r.has_transcript === 1,
  };
}

const tags = ['cdrs'];

/** Call detail records: one per finished call, written by the controller. */
export function cdrRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/cdrs',
      {
        config: rule(ANYONE, 'cdrs:read'),
        schema: {
          tags,
          summary: 'Search call detail records (agents: their own; supervisors: their teams\' and campaigns\')',
          querystring: Type.Object({
            ...PageQuery,
            campaignId: Type.Optional(Type.String()),
            agentId: Type.Optional(Type.String()),
            leadId: Type.Optional(Type.Integer()),
            phone: Type.Optional(Type.String({ maxLength: 32 })),
            outcome: Type.Optional(Type.String({ maxLength: 32 })),
            from: Type.Optional(Type.Integer({ description: 'start_at >= from (epoch ms)' })),
            to: Type.Optional(Type.Integer({ description: 'start_at < to (epoch ms)' })),
          }),
          response: replies(Page(Cdr)),
        },
      },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        const qy = req.query;
        let q = db.selectFrom('cdrs').selectAll();
        if (qy.campaignId) q = q.where('campaign_id', '=', qy.campaignId);
        if (qy.agentId) q = q.where('agent_id', '=', qy.agentId);
        if (qy.leadId) q = q.where('lead_id', '=', qy.leadId);
        if (qy.phone) q = q.where('phone', '=', qy.phone);
        if (qy.outcome) q = q.where('outcome', '=', qy.outcome);
        if (qy.from !== undefined) q = q.where('start_at', '>=', qy.from);
        if (qy.to !== undefined) q = q.where('start_at', '<', qy.to);
        const f = await access.callFilter('cdrs');
        if (f) q = q.where(f as never);
        return paginate(q, 'id', qy, toCdr);
      },
    );

    app.get('/cdrs/:id', { config: rule(ANYONE, 'cdrs:read'), schema: { tags, summary: 'Get a CDR (by its id or its call id)', params: IdParams, response: replies(Cdr) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      const r = await db.selectFrom('cdrs').selectAll().where((eb) => eb.or([eb('id', '=', req.params.id), eb('call_id', '=', req.params.id)])).executeTakeFirst();
      if (!r || !(await access.canSeeCall(r))) throw new DialerError('DIALER_ERR_NOT_FOUND', `CDR ${req.params.id} not found`);
      return toCdr(r);
    });
  };
}
