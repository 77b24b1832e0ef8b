import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Selectable } from 'kysely';
import { DialerError, fromJson, newId, toJson, type ApiKeysTable, type Role as RoleName } from '@dialer/core';
import { generateApiKey } from '../auth/api-keys.js';
import { ALL_SCOPES } from '../auth/principal.js';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ADMIN_DEV, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, MsOrNull, noContent, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

const KeyRole = Type.Union([Type.Literal('admin'), Type.Literal('supervisor'), Type.Literal('developer')]);

const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The visible start of the key, `dk_<prefix>_...`.' }),
  role: Type.String(),
  scopes: Type.Array(Type.String()),
  userId: StrOrNull,
  expiresAt: MsOrNull,
  revokedAt: MsOrNull,
  lastUsedAt: MsOrNull,
  createdAt: Type.Integer(),
});

function toKey(r: Selectable<ApiKeysTable>) {
  return { id: r.id, name: r.name, prefix: r.prefix, role: r.role, scopes: fromJson<string[]>(r.scopes, []), userId: r.user_id, expiresAt: r.expires_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at, createdAt: r.created_at };
}

const tags = ['api-keys'];

/** API keys for integrations: scoped, revocable, stored as hashes; the key itself is shown once. */
export function apiKeyRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/api-keys', { config: rule(ADMIN_DEV, 'api_keys:read'), schema: { tags, summary: 'List API keys (developers see their own)', querystring: Type.Object(PageQuery), response: replies(Page(ApiKey)) } }, async (req) => {
      const { p, db } = scopeOf(req, s);
      let q = db.selectFrom('api_keys').selectAll();
      if (p.role !== 'admin') q = q.where('user_id', '=', p.userId ?? '');
      return paginate(q, 'id', req.query, toKey);
    });

    app.post(
      '/api-keys',
      {
        config: rule(ADMIN_DEV, 'api_keys:write'),
        schema: {
          tags,
          summary: 'Create an API key (the response is the only time the key is shown)',
          description: 'Developers create developer keys; admins any role but agent. Scopes: `*` or `<resource>:read|write`.',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 200 }),
              role: Type.Optional(KeyRole),
              scopes: Type.Array(Type.Union(ALL_SCOPES.map((x) => Type.Literal(x))), { minItems: 1, uniqueItems: true }),
              expiresAt: Type.Optional(Type.Integer({ description: 'Epoch ms.' })),
            },
            { additionalProperties: false },
          ),
          response: replies(Type.Object({ apiKey: ApiKey, key: Type.String({ description: 'Send as `Authorization: Bearer <key>` or `X-API-Key`.' }) }), 201),
        },
      },
      async (req, reply) => {
        const { p, db, now } = scopeOf(req, s);
        const role: RoleName = req.body.role ?? 'developer';
        if (p.role !== 'admin' && role !== p.role) throw new DialerError('DIALER_ERR_FORBIDDEN', `a ${p.role} can only create ${p.role} keys`);
        if (p.kind === 'api_key' && !p.scopes.has('*')) throw new DialerError('DIALER_ERR_FORBIDDEN', 'only a key with scope * can create keys');
        if (req.body.expiresAt !== undefined && req.body.expiresAt <= now) throw new DialerError('DIALER_ERR_VALIDATION', 'expiresAt is in the past');
        const { key, prefix, hash } = generateApiKey();
        const id = newId(now);
        await db
          .insertInto('api_keys', { id, user_id: p.userId, name: req.body.name, prefix, key_hash: hash, role, scopes: toJson(req.body.scopes), expires_at: req.body.expiresAt ?? null, revoked_at: null, last_used_at: null, created_at: now })
          .execute();
        const row = toKey(await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'api_key.created', entity: 'api_key', entityId: id, after: row, now });
        return reply.code(201).send({ apiKey: row, key });
      },
    );

    app.delete('/api-keys/:id', { config: rule(ADMIN_DEV, 'api_keys:write'), schema: { tags, summary: 'Revoke an API key', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p, db, now } = scopeOf(req, s);
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', req.params.id).executeTakeFirst();
      if (!row || (p.role !== 'admin' && row.user_id !== p.userId)) throw new DialerError('DIALER_ERR_NOT_FOUND', `API key ${req.params.id} not found`);
      await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', row.id).where('revoked_at', 'is', null).execute();
      s.apiKeys.invalidate();
      await audit(db, req, p, { action: 'api_key.revoked', entity: 'api_key', entityId: row.id, before: toKey(row), now });
      return reply.code(204).send(null);
    });
  };
}
