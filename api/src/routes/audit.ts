import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fromJson } from '@dialer/core';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ADMIN, rule, scopeOf } from '../http/route-kit.js';
import { replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

const Entry = Type.Object({
  id: Type.String(),
  actorType: Type.String(),
  actorId: StrOrNull,
  action: Type.String(),
  entity: Type.String(),
  entityId: StrOrNull,
  before: Type.Unknown(),
  after: Type.Unknown(),
  ip: StrOrNull,
  requestId: StrOrNull,
  createdAt: Type.Integer(),
});

/** The audit log: every change made through the API, newest first. */
export function auditRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/audit',
      {
        config: rule(ADMIN, 'audit:read'),
        schema: {
          tags: ['audit'],
          summary: 'Search the audit log',
          querystring: Type.Object({
            ...PageQuery,
            entity: Type.Optional(Type.String()),
            entityId: Type.Optional(Type.String()),
            actorId: Type.Optional(Type.String()),
            action: Type.Optional(Type.String()),
            from: Type.Optional(Type.Integer()),
            to: Type.Optional(Type.Integer()),
          }),
          response: replies(Page(Entry)),
        },
      },
      async (req) => {
        const { db } = scopeOf(req, s);
        const qy = req.query;
        let q = db.selectFrom('audit_log').selectAll();
        if (qy.entity) q = q.where('entity', '=', qy.entity);
        if (qy.entityId) q = q.where('entity_id', '=', qy.entityId);
        if (qy.actorId) q = q.where('actor_id', '=', qy.actorId);
        if (qy.action) q = q.where('action', '=', qy.action);
        if (qy.from !== undefined) q = q.where('created_at', '>=', qy.from);
        if (qy.to !== undefined) q = q.where('created_at', '<', qy.to);
        return paginate(q, 'id', qy, (r) => ({
          id: r.id, actorType: r.actor_type, actorId: r.actor_id, action: r.action, entity: r.entity, entityId: r.entity_id,
          before: fromJson<unknown>(r.before, null), after: fromJson<unknown>(r.after, null), ip: r.ip, requestId: r.request_id, createdAt: r.created_at,
        }));
      },
    );
  };
}
