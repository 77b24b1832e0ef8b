import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DialerError } from '@dialer/core';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN, verifyPassword } from '../auth/passwords.js';
import { audit } from '../http/audit.js';
import { ANYONE, rule, scopeOf } from '../http/route-kit.js';
import { noContent, replies, Role, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

const SessionBody = Type.Object({
  accessToken: Type.String(),
  accessTokenExpiresAt: Type.Integer({ description: 'Epoch ms.' }),
  refreshToken: Type.String({ description: 'Single use: each refresh returns a new one.' }),
  refreshTokenExpiresAt: Type.Integer(),
  user: Type.Object({ id: Type.String(), tenantId: Type.String(), email: Type.String(), name: Type.String(), role: Role, agentId: StrOrNull }),
});

const tags = ['auth'];

/** Login, token refresh and logout, the caller's identity, password change, and WebSocket tokens. */
export function authRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/auth/login',
      {
        config: { auth: false },
        schema: {
          tags,
          summary: 'Log in with e-mail and password',
          description: 'Rate-limited per address and per e-mail (429); repeated failures lock the account (423).',
          security: [],
          body: Type.Object(
            {
              email: Type.String({ minLength: 3, maxLength: 320 }),
              password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }),
              tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Tenant slug or id, when the e-mail exists in several tenants.' })),
            },
            { additionalProperties: false },
          ),
          response: replies(SessionBody),
        },
      },
      async (req) => s.sessions.login({ email: req.body.email, password: req.body.password, tenant: req.body.tenant, ip: req.ip }),
    );

    app.post(
      '/auth/refresh',
      {
        config: { auth: false },
        schema: {
          tags,
          summary: 'Exchange a refresh token for new tokens',
          description: 'The refresh token is rotated. Presenting an already-used one revokes the whole login.',
          security: [],
          body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
          response: replies(SessionBody),
        },
      },
      async (req) => s.sessions.refresh(req.body.refreshToken),
    );

    app.post(
      '/auth/logout',
      {
        config: { auth: false },
        schema: {
          tags,
          summary: 'End a login (revokes its refresh tokens)',
          security: [],
          body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
          response: noContent,
        },
      },
      async (req, reply) => {
        await s.sessions.logout(req.body.refreshToken);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/auth/me',
      {
        config: rule(ANYONE, null),
        schema: {
          tags,
          summary: 'Who am I',
          response: replies(
            Type.Object({
              kind: Type.Union([Type.Literal('user'), Type.Literal('api_key')]),
              tenantId: Type.String(),
              role: Role,
              userId: StrOrNull,
              apiKeyId: StrOrNull,
              agentId: StrOrNull,
              scopes: Type.Array(Type.String()),
              email: StrOrNull,
              name: StrOrNull,
            }),
          ),
        },
      },
      async (req) => {
        const { p, db } = scopeOf(req, s);
        const u = p.kind === 'user' && p.userId ? await db.selectFrom('users').select(['email', 'name']).where('id', '=', p.userId).executeTakeFirst() : undefined;
        return { kind: p.kind, tenantId: p.tenantId, role: p.role, userId: p.userId, apiKeyId: p.apiKeyId, agentId: p.agentId, scopes: [...p.scopes], email: u?.email ?? null, name: u?.name ?? null };
      },
    );

    app.post(
      '/auth/password',
      {
        config: rule(ANYONE, null),
        schema: {
          tags,
          summary: 'Change my password',
          description: 'Every other login of the user is ended.',
          body: Type.Object(
            { currentPassword: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }), newPassword: Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX }) },
            { additionalProperties: false },
          ),
          response: noContent,
        },
      },
      async (req, reply) => {
        const { p, db, now } = scopeOf(req, s);
        if (p.kind !== 'user' || !p.userId) throw new DialerError('DIALER_ERR_FORBIDDEN', 'API keys have no password');
        const u = await db.selectFrom('users').select(['password_hash']).where('id', '=', p.userId).executeTakeFirst();
        if (!u?.password_hash || !(await verifyPassword(req.body.currentPassword, u.password_hash))) {
          throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'current password is wrong');
        }
        await db.updateTable('users').set({ password_hash: await hashPassword(req.body.newPassword, s.passwordCost), updated_at: now }).where('id', '=', p.userId).execute();
        await s.sessions.revokeUser(p.tenantId, p.userId);
        await audit(db, req, p, { action: 'user.password_changed', entity: 'user', entityId: p.userId, now });
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/auth/ws-token',
      {
        config: rule(ANYONE, null),
        schema: {
          tags,
          summary: 'Get a single-use token for the real-time WebSocket',
          description: 'Valid for 60 s and one connection: open `GET /api/v1/ws?token=<token>`.',
          response: replies(Type.Object({ token: Type.String(), expiresAt: Type.Integer(), url: Type.String() })),
        },
      },
      async (req) => {
        const { p } = scopeOf(req, s);
        const t = s.sessions.issueWsToken(p);
        return { ...t, url: `/api/v1/ws?token=${encodeURIComponent(t.token)}` };
      },
    );
  };
}
