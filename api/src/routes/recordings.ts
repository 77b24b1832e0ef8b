import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Selectable } from 'kysely';
import { DialerError, type RecordingsTable } from '@dialer/core';
import { looksLikeApiKey } from '../auth/api-keys.js';
import { hasScope, type Principal } from '../auth/principal.js';
import { Access } from '../http/access.js';
import { credentialOf } from '../http/auth-hook.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ANYONE, rule, scopeOf } from '../http/route-kit.js';
import { ErrorBody, IdParams, MsOrNull, NumOrNull, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

const Recording = Type.Object({
  id: Type.String(),
  callId: Type.String(),
  format: Type.String(),
  channels: Type.Integer(),
  durationMs: NumOrNull,
  sizeBytes: NumOrNull,
  consent: Type.String(),
  status: Type.String(),
  startedAt: MsOrNull,
  endedAt: MsOrNull,
  createdAt: Type.Integer(),
  downloadable: Type.Boolean(),
});

function toRecording(r: Selectable<RecordingsTable>) {
  return {
    id: r.id, callId: r.call_id, format: r.format, channels: r.channels, durationMs: r.duration_ms, sizeBytes: r.size_bytes, consent: r.consent, status: r.status,
    startedAt: r.started_at, endedAt: r.ended_at, createdAt: r.created_at, downloadable: r.status === 'saved' && r.path !== null,
  };
}

const MIME: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mpeg', ogg: 'audio/ogg', opus: 'audio/ogg', gsm: 'audio/gsm' };

/** Parses a single `bytes=` range against a size; null for none, 'bad' when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'bad' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return header.includes(',') ? null : 'bad';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'bad';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'bad';
  return { start, end };
}

const tags = ['recordings'];

/** Recordings: metadata, and downloads with authorization and HTTP range requests. */
export function recordingRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    const visible = async (access: Access, id: string) => {
      const r = await access.db.selectFrom('recordings').innerJoin('calls', 'calls.id', 'recordings.call_id').selectAll('recordings').select(['calls.agent_id', 'calls.campaign_id']).where('recordings.id', '=', id).executeTakeFirst();
      if (!r || !(await access.canSeeCall(r))) throw new DialerError('DIALER_ERR_NOT_FOUND', `recording ${id} not found`);
      return r;
    };

    app.get(
      '/recordings',
      { config: rule(ANYONE, 'recordings:read'), schema: { tags, summary: 'List recordings', querystring: Type.Object({ ...PageQuery, callId: Type.Optional(Type.String()) }), response: replies(Page(Recording)) } },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        let q = db.selectFrom('recordings').innerJoin('calls', 'calls.id', 'recordings.call_id').selectAll('recordings').where('calls.tenant_id', '=', access.p.tenantId);
        if (req.query.callId) q = q.where('recordings.call_id', '=', req.query.callId);
        const f = await access.callFilter('calls');
        if (f) q = q.where(f as never);
        return paginate(q, 'recordings.id', req.query, toRecording);
      },
    );

    app.get('/recordings/:id', { config: rule(ANYONE, 'recordings:read'), schema: { tags, summary: 'Get a recording', params: IdParams, response: replies(Recording) } }, async (req) => {
      const { access } = scopeOf(req, s);
      return toRecording(await visible(access, req.params.id));
    });

    app.post(
      '/recordings/:id/download-url',
      {
        config: rule(ANYONE, 'recordings:read'),
        schema: { tags, summary: 'A short-lived URL for an <audio> element (which cannot send headers)', params: IdParams, response: replies(Type.Object({ url: Type.String(), expiresAt: Type.Integer() })) },
      },
      async (req) => {
        const { p, access } = scopeOf(req, s);
        const r = await visible(access, req.params.id);
        const t = s.tokens.sign({ typ: 'download', sub: p.userId ?? p.apiKeyId ?? 'api', tid: p.tenantId, role: p.role, res: `recording:${r.id}`, ...(p.agentId ? { aid: p.agentId } : {}) }, 300);
        return { url: `/api/v1/recordings/${r.id}/download?token=${encodeURIComponent(t.token)}`, expiresAt: t.expiresAt };
      },
    );

    /** Bearer (token or API key with recordings:read), or a download token for this very recording. */
    const principalFor = async (req: FastifyRequest, id: string, q: string | undefined): Promise<Principal> => {
      if (q) {
        const c = s.tokens.verify(q, 'download');
        if (c.res !== `recording:${id}`) throw new DialerError('DIALER_ERR_FORBIDDEN', 'the download token is for another recording');
        return { kind: 'user', tenantId: c.tid, role: c.role, userId: c.sub, apiKeyId: null, agentId: c.aid ?? null, scopes: new Set(['*']) };
      }
      const cred = credentialOf(req);
      if (!cred) throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'send Authorization: Bearer <access token or API key>, or use a download URL');
      const p = looksLikeApiKey(cred) ? await s.apiKeys.authenticate(cred) : s.sessions.principalOfAccessToken(cred);
      if (!hasScope(p, 'recordings:read')) throw new DialerError('DIALER_ERR_FORBIDDEN', 'API key lacks scope recordings:read');
      return p;
    };

    app.get(
      '/recordings/:id/download',
      {
        // Authenticated in the handler: either a bearer credential or the `token` of a download URL.
        config: { auth: false },
        schema: {
          tags,
          summary: 'Download a recording (supports Range requests)',
          params: IdParams,
          querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 2000 })) }),
          response: { 200: Type.Unsafe({ type: 'string', format: 'binary' }), 206: Type.Unsafe({ type: 'string', format: 'binary' }), '4xx': ErrorBody },
        },
      },
      async (req, reply) => {
        const p = await principalFor(req, req.params.id, req.query.token);
        const access = new Access(p, s.ctx.store.tenant(p.tenantId));
        const r = await visible(access, req.params.id);
        if (r.status !== 'saved' || !r.path) throw new DialerError('DIALER_ERR_NOT_FOUND', `recording ${r.id} has no saved file (status ${r.status})`);
        const file = isAbsolute(r.path) ? r.path : resolve(s.config.recordingsDir ?? s.dataDir, r.path);
        let size: number;
        try {
          size = (await stat(file)).size;
        } catch {
          throw new DialerError('DIALER_ERR_NOT_FOUND', `the file of recording ${r.id} is missing on this node`);
        }
        const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
        void reply.header('accept-ranges', 'bytes').header('cache-control', 'private, no-store');
        if (range === 'bad') {
          return reply.code(416).header('content-range', `bytes */${size}`).send({ error: new DialerError('DIALER_ERR_VALIDATION', 'range not satisfiable', { status: 416 }).toJSON() });
        }
        void reply.header('content-type', MIME[r.format] ?? 'application/octet-stream').header('content-disposition', `attachment; filename="${r.id}.${r.format}"`);
        if (range) {
          return reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', String(range.end - range.start + 1)).send(createReadStream(file, { start: range.start, end: range.end }));
        }
        return reply.code(200).header('content-length', String(size)).send(createReadStream(file));
      },
    );
  };
}
