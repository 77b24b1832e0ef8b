import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Selectable } from 'kysely';
import { DialerError, newId, type Role as RoleName, type TenantScope, type UsersTable } from '@dialer/core';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from '../auth/passwords.js';
import { Access } from '../http/access.js';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ADMIN, ADMIN_SUP, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, MsOrNull, noContent, replies, Role, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  status: Type.String(),
  lockedUntil: MsOrNull,
  lastLoginAt: MsOrNull,
  agentId: StrOrNull,
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

type UserRow = Selectable<UsersTable> & { agent_id: string | null };

function toUser(r: UserRow) {
  return { id: r.id, email: r.email, name: r.name, role: r.role, status: r.status, lockedUntil: r.locked_until, lastLoginAt: r.last_login_at, agentId: r.agent_id, createdAt: r.created_at, updatedAt: r.updated_at };
}

function usersQuery(db: TenantScope) {
  return db.selectFrom('users').leftJoin('agents', 'agents.user_id', 'users.id').selectAll('users').select('agents.id as agent_id');
}

async function visibleUser(db: TenantScope, access: Access, id: string): Promise<UserRow> {
  const u = await usersQuery(db).where('users.id', '=', id).executeTakeFirst();
  const ok = u && (access.unrestricted || u.id === access.p.userId || (u.agent_id !== null && (await access.canSeeAgent(u.agent_id))));
  if (!u || !ok) throw new DialerError('DIALER_ERR_NOT_FOUND', `user ${id} not found`);
  return u;
}

async function assertNotLastAdmin(db: TenantScope, userId: string): Promise<void> {
  const admins = await db.selectFrom('users').select('id').where('role', '=', 'admin').where('status', '=', 'active').execute();
  if (admins.length === 1 && admins[0]!.id === userId) throw new DialerError('DIALER_ERR_CONFLICT', 'the last active admin of a tenant cannot be removed, disabled or demoted');
}

const tags = ['users'];

/** Users of the tenant. Admins manage them; supervisors see the users of their teams' agents. */
export function userRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/users',
      {
        config: rule(ADMIN_SUP, 'users:read'),
        schema: {
          tags,
          summary: 'List users',
          querystring: Type.Object({ ...PageQuery, role: Type.Optional(Role), q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the e-mail or name.' })) }),
          response: replies(Page(User)),
        },
      },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        let q = usersQuery(db);
        if (req.query.role) q = q.where('users.role', '=', req.query.role);
        if (req.query.q) {
          const like = `%${req.query.q.toLowerCase()}%`;
          q = q.where((eb) => eb.or([eb('users.email', 'like', like), eb('users.name', 'like', like)]));
        }
        if (!access.unrestricted) {
          const agents = await access.agentIds();
          const me = access.p.userId ?? '';
          q = q.where((eb) => eb.or([eb('users.id', '=', me), ...(agents.length ? [eb('agents.id', 'in', agents)] : [])]));
        }
        return paginate(q, 'users.id', req.query, toUser);
      },
    );

    app.post(
      '/users',
      {
        config: rule(ADMIN, 'users:write'),
        schema: {
          tags,
          summary: 'Create a user',
          description: 'An agent user usually also needs an agent row (POST /agents, or `agent` here).',
          body: Type.Object(
            {
              email: Type.String({ format: 'email', maxLength: 320 }),
              name: Type.String({ minLength: 1, maxLength: 200 }),
              role: Role,
              password: Type.Optional(Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX })),
              agent: Type.Optional(
                Type.Object({
                  extension: Type.String({ pattern: '^[0-9A-Za-z_-]{1,32}$' }),
                  teamId: Type.Optional(Type.String()),
                  phoneKind: Type.Optional(Type.Union([Type.Literal('webrtc'), Type.Literal('sip')])),
                  sipEndpoint: Type.Optional(Type.String({ maxLength: 100 })),
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: replies(User, 201),
        },
      },
      async (req, reply) => {
        const { p, db, now } = scopeOf(req, s);
        const email = req.body.email.toLowerCase();
        if (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()) throw new DialerError('DIALER_ERR_CONFLICT', `a user with e-mail ${email} exists`);
        if (req.body.agent && req.body.role !== 'agent') throw new DialerError('DIALER_ERR_VALIDATION', 'only agent users get an agent row');
        if (req.body.agent?.teamId && !(await db.selectFrom('teams').select('id').where('id', '=', req.body.agent.teamId).executeTakeFirst())) {
          throw new DialerError('DIALER_ERR_VALIDATION', `team ${req.body.agent.teamId} does not exist`);
        }
        const id = newId(now);
        await db.insertInto('users', { id, email, name: req.body.name, role: req.body.role, password_hash: req.body.password ? await hashPassword(req.body.password, s.passwordCost) : null, created_at: now, updated_at: now }).execute();
        if (req.body.agent) {
          await db
            .insertInto('agents', { id: newId(now), user_id: id, team_id: req.body.agent.teamId ?? null, extension: req.body.agent.extension, phone_kind: req.body.agent.phoneKind ?? 'webrtc', sip_endpoint: req.body.agent.sipEndpoint ?? null, created_at: now, updated_at: now })
            .execute();
          s.directory.invalidate(p.tenantId);
        }
        const u = toUser(await usersQuery(db).where('users.id', '=', id).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'user.created', entity: 'user', entityId: id, after: u, now });
        return reply.code(201).send(u);
      },
    );

    app.get('/users/:id', { config: rule(ADMIN_SUP, 'users:read'), schema: { tags, summary: 'Get a user', params: IdParams, response: replies(User) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      return toUser(await visibleUser(db, access, req.params.id));
    });

    app.patch(
      '/users/:id',
      {
        config: rule(ADMIN, 'users:write'),
        schema: {
          tags,
          summary: 'Update a user (name, role, status, password)',
          description: 'Changing the role, status or password ends the user\'s logins.',
          params: IdParams,
          body: Type.Object(
            {
              name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
              role: Type.Optional(Role),
              status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
              password: Type.Optional(Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX })),
            },
            { additionalProperties: false },
          ),
          response: replies(User),
        },
      },
      async (req) => {
        const { p, db, access, now } = scopeOf(req, s);
        const before = await visibleUser(db, access, req.params.id);
        const demotes = (req.body.role !== undefined && req.body.role !== 'admin') || req.body.status === 'disabled';
        if (before.role === 'admin' && demotes) await assertNotLastAdmin(db, before.id);
        await db
          .updateTable('users')
          .set({
            updated_at: now,
            ...(req.body.name !== undefined ? { name: req.body.name } : {}),
            ...(req.body.role !== undefined ? { role: req.body.role as RoleName } : {}),
            ...(req.body.status !== undefined ? { status: req.body.status } : {}),
            ...(req.body.password !== undefined ? { password_hash: await hashPassword(req.body.password, s.passwordCost) } : {}),
          })
          .where('id', '=', before.id)
          .execute();
        if (req.body.role !== undefined || req.body.status !== undefined || req.body.password !== undefined) await s.sessions.revokeUser(p.tenantId, before.id);
        const after = toUser(await usersQuery(db).where('users.id', '=', before.id).executeTakeFirstOrThrow());
        await audit(db, req, p, { action: 'user.updated', entity: 'user', entityId: before.id, before: toUser(before), after, now });
        return after;
      },
    );

    app.delete('/users/:id', { config: rule(ADMIN, 'users:write'), schema: { tags, summary: 'Delete a user', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p, db, access, now } = scopeOf(req, s);
      const before = await visibleUser(db, access, req.params.id);
      if (before.role === 'admin') await assertNotLastAdmin(db, before.id);
      await db.deleteFrom('users').where('id', '=', before.id).execute();
      s.directory.invalidate(p.tenantId);
      await audit(db, req, p, { action: 'user.deleted', entity: 'user', entityId: before.id, before: toUser(before), now });
      return reply.code(204).send(null);
    });

    app.post('/users/:id/unlock', { config: rule(ADMIN, 'users:write'), schema: { tags, summary: 'Unlock a user locked out by failed logins', params: IdParams, response: replies(User) } }, async (req) => {
      const { p, db, access, now } = scopeOf(req, s);
      const before = await visibleUser(db, access, req.params.id);
      await db.updateTable('users').set({ locked_until: null, failed_logins: 0, updated_at: now }).where('id', '=', before.id).execute();
      await audit(db, req, p, { action: 'user.unlocked', entity: 'user', entityId: before.id, now });
      return toUser(await usersQuery(db).where('users.id', '=', before.id).executeTakeFirstOrThrow());
    });
  };
}
