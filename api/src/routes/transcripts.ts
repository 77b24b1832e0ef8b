import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql, type Selectable, type SqlBool } from 'kysely';
import { fromJson, type TranscriptSegmentsTable } from '@dialer/core';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ANYONE, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, NumOrNull, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { visibleCall } from './calls.js';

const Segment = Type.Object({
  id: Type.String(),
  callId: Type.String(),
  legId: Type.String(),
  speaker: Type.String(),
  segmentId: Type.String(),
  text: Type.String(),
  isFinal: Type.Boolean(),
  startMs: Type.Number(),
  endMs: Type.Number(),
  confidence: NumOrNull,
  language: StrOrNull,
  provider: Type.String(),
  latencyMs: NumOrNull,
  words: Type.Union([Type.Array(Type.Unknown()), Type.Null()]),
  createdAt: Type.Integer(),
});

function toSegment(r: Selectable<TranscriptSegmentsTable>) {
  return {
    id: r.id, callId: r.call_id, legId: r.leg_id, speaker: r.speaker, segmentId: r.segment_id, text: r.text, isFinal: r.is_final === 1, startMs: r.start_ms, endMs: r.end_ms,
    confidence: r.confidence, language: r.language, provider: r.provider, latencyMs: r.latency_ms, words: fromJson<unknown[] | null>(r.words, null), createdAt: r.created_at,
  };
}

const tags = ['transcripts'];

/** Transcripts: a call's segments in order, and search across calls. */
export function transcriptRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/calls/:id/transcript',
      {
        config: rule(ANYONE, 'transcripts:read'),
        schema: {
          tags,
          summary: 'The transcript of a call, both speakers, in time order',
          params: IdParams,
          querystring: Type.Object({ interim: Type.Optional(Type.Boolean({ default: false, description: 'Include interim segments.' })) }),
          response: replies(Type.Object({ callId: Type.String(), segments: Type.Array(Segment) })),
        },
      },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        const call = await visibleCall(db, access, req.params.id);
        let q = db.selectFrom('transcript_segments').selectAll().where('call_id', '=', call.id);
        if (!req.query.interim) q = q.where('is_final', '=', 1);
        const rows = await q.orderBy('start_ms').orderBy('id').limit(20_000).execute();
        return { callId: call.id, segments: rows.map(toSegment) };
      },
    );

    app.get(
      '/transcripts/search',
      {
        config: rule(ANYONE, 'transcripts:read'),
        schema: {
          tags,
          summary: 'Search final transcript segments by text (newest first)',
          description: 'Case-insensitive substring match, within the calls the caller may see.',
          querystring: Type.Object({
            ...PageQuery,
            q: Type.String({ minLength: 2, maxLength: 200 }),
            campaignId: Type.Optional(Type.String()),
            agentId: Type.Optional(Type.String()),
            speaker: Type.Optional(Type.Union([Type.Literal('customer'), Type.Literal('agent'), Type.Literal('supervisor')])),
            from: Type.Optional(Type.Integer()),
            to: Type.Optional(Type.Integer()),
          }),
          response: replies(Page(Segment)),
        },
      },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        const qy = req.query;
        const needle = `%${qy.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        let q = db
          .selectFrom('transcript_segments')
          .innerJoin('calls', 'calls.id', 'transcript_segments.call_id')
          .selectAll('transcript_segments')
          .where('transcript_segments.is_final', '=', 1)
          .where(sql<SqlBool>`lower(transcript_segments.text) like ${needle} escape '\\'`)
          .where('calls.tenant_id', '=', access.p.tenantId);
        if (qy.campaignId) q = q.where('calls.campaign_id', '=', qy.campaignId);
        if (qy.agentId) q = q.where('calls.agent_id', '=', qy.agentId);
        if (qy.speaker) q = q.where('transcript_segments.speaker', '=', qy.speaker);
        if (qy.from !== undefined) q = q.where('transcript_segments.created_at', '>=', qy.from);
        if (qy.to !== undefined) q = q.where('transcript_segments.created_at', '<', qy.to);
        const f = await access.callFilter('calls');
        if (f) q = q.where(f as never);
        return paginate(q, 'transcript_segments.id', qy, toSegment);
      },
    );
  };
}
