import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DialerError, newId, type TenantScope } from '@dialer/core';
import { Access } from '../http/access.js';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ADMIN, ANYONE, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, noContent, replies } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

const Team = Type.Object({ id: Type.String(), name: Type.String(), supervisorIds: Type.Array(Type.String()), createdAt: Type.Integer(), updatedAt: Type.Integer() });

async function withSupervisors(db: TenantScope, rows: { id: string; name: string; created_at: number; updated_at: number }[]) {
  const ids = rows.map((r) => r.id);
  const sups = ids.length ? await db.selectFrom('team_supervisors').select(['team_id', 'user_id']).where('team_id', 'in', ids).execute() : [];
  return rows.map((r) => ({ id: r.id, name: r.name, supervisorIds: sups.filter((x) => x.team_id === r.id).map((x) => x.user_id), createdAt: r.created_at, updatedAt: r.updated_at }));
}

async function visibleTeam(db: TenantScope, access: Access, id: string) {
  const t = await db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
  if (!t || !(await access.canSeeTeam(id))) throw new DialerError('DIALER_ERR_NOT_FOUND', `team ${id} not found`);
  return t;
}

const tags = ['teams'];
const NameBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

/** Teams and their supervisors. Supervisors see the teams they supervise; agents their own team. */
export function teamRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/teams', { config: rule(ANYONE, 'teams:read'), schema: { tags, summary: 'List teams', querystring: Type.Object(PageQuery), response: replies(Page(Team)) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      let q = db.selectFrom('teams').selectAll();
      if (!access.unrestricted) {
        const mine = await access.teamIds();
        q = mine.length ? q.where('id', 'in', mine) : q.where('id', '=', '');
      }
      const page = await paginate(q, 'id', req.query, (r) => r);
      return { items: await withSupervisors(db, page.items), nextCursor: page.nextCursor };
    });

    app.post('/teams', { config: rule(ADMIN, 'teams:write'), schema: { tags, summary: 'Create a team', body: NameBody, response: replies(Team, 201) } }, async (req, reply) => {
      const { p, db, now } = scopeOf(req, s);
      if (await db.selectFrom('teams').select('id').where('name', '=', req.body.name).executeTakeFirst()) throw new DialerError('DIALER_ERR_CONFLICT', `team ${req.body.name} exists`);
      const id = newId(now);
      await db.insertInto('teams', { id, name: req.body.name, created_at: now, updated_at: now }).execute();
      const [t] = await withSupervisors(db, [await db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirstOrThrow()]);
      await audit(db, req, p, { action: 'team.created', entity: 'team', entityId: id, after: t, now });
      return reply.code(201).send(t!);
    });

    app.get('/teams/:id', { config: rule(ANYONE, 'teams:read'), schema: { tags, summary: 'Get a team', params: IdParams, response: replies(Team) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      return (await withSupervisors(db, [await visibleTeam(db, access, req.params.id)]))[0]!;
    });

    app.patch('/teams/:id', { config: rule(ADMIN, 'teams:write'), schema: { tags, summary: 'Rename a team', params: IdParams, body: NameBody, response: replies(Team) } }, async (req) => {
      const { p, db, access, now } = scopeOf(req, s);
      const before = await visibleTeam(db, access, req.params.id);
      await db.updateTable('teams').set({ name: req.body.name, updated_at: now }).where('id', '=', before.id).execute();
      const [after] = await withSupervisors(db, [await db.selectFrom('teams').selectAll().where('id', '=', before.id).executeTakeFirstOrThrow()]);
      await audit(db, req, p, { action: 'team.updated', entity: 'team', entityId: before.id, before: { name: before.name }, after: { name: req.body.name }, now });
      return after!;
    });

    app.delete('/teams/:id', { config: rule(ADMIN, 'teams:write'), schema: { tags, summary: 'Delete a team (its agents and campaigns keep existing, without a team)', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p, db, access, now } = scopeOf(req, s);
      const before = await visibleTeam(db, access, req.params.id);
      await db.deleteFrom('teams').where('id', '=', before.id).execute();
      s.directory.invalidate(p.tenantId);
      await audit(db, req, p, { action: 'team.deleted', entity: 'team', entityId: before.id, before: { name: before.name }, now });
      return reply.code(204).send(null);
    });

    app.put(
      '/teams/:id/supervisors',
      {
        config: rule(ADMIN, 'teams:write'),
        schema: {
          tags,
          summary: 'Set the supervisors of a team',
          params: IdParams,
          body: Type.Object({ userIds: Type.Array(Type.String(), { maxItems: 200, uniqueItems: true }) }, { additionalProperties: false }),
          response: replies(Team),
        },
      },
      async (req) => {
        const { p, db, access, now } = scopeOf(req, s);
        const team = await visibleTeam(db, access, req.params.id);
        const ids = req.body.userIds;
        const found = ids.length ? await db.selectFrom('users').select(['id', 'role']).where('id', 'in', ids).execute() : [];
        const bad = ids.filter((id) => !found.some((u) => u.id === id && (u.role === 'supervisor' || u.role === 'admin')));
        if (bad.length) throw new DialerError('DIALER_ERR_VALIDATION', 'every supervisor must be an existing supervisor or admin user', { details: { userIds: bad } });
        await db.db.transaction().execute(async (trx) => {
          const t = db.withDb(trx);
          await t.deleteFrom('team_supervisors').where('team_id', '=', team.id).execute();
          if (ids.length) await t.insertInto('team_supervisors', ids.map((user_id) => ({ team_id: team.id, user_id }))).execute();
        });
        const [after] = await withSupervisors(db, [team]);
        await audit(db, req, p, { action: 'team.supervisors_set', entity: 'team', entityId: team.id, after: { supervisorIds: ids }, now });
        return after!;
      },
    );
  };
}
