import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Selectable } from 'kysely';
import { DialerError, fromJson, newId, toJson, type TenantsTable } from '@dialer/core';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from '../auth/passwords.js';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ADMIN, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, JsonObject, noContent, replies } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

const Tenant = Type.Object({
  id: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  status: Type.String(),
  platform: Type.Boolean({ description: 'Admins of the platform tenant manage the other tenants.' }),
  settings: JsonObject,
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

function toTenant(r: Selectable<TenantsTable>) {
  const settings = fromJson<Record<string, unknown>>(r.settings, {});
  return { id: r.id, name: r.name, slug: r.slug, status: r.status, platform: settings['platform'] === true, settings, createdAt: r.created_at, updatedAt: r.updated_at };
}

const tags = ['tenants'];

/** Tenants: every admin sees and edits its own; admins of the platform tenant create, list, suspend and delete the others. */
export function tenantRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    const db = s.ctx.store.db;
    const isPlatform = async (tenantId: string): Promise<boolean> => {
      const t = await db.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirst();
      return fromJson<{ platform?: boolean }>(t?.settings, {}).platform === true;
    };
    // Tenants are the one table above the tenant scope; each route checks own-or-platform itself.
    const load = async (callerTenant: string, id: string) => {
      if (id !== callerTenant && !(await isPlatform(callerTenant))) throw new DialerError('DIALER_ERR_NOT_FOUND', `tenant ${id} not found`);
      const t = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
      if (!t) throw new DialerError('DIALER_ERR_NOT_FOUND', `tenant ${id} not found`);
      return t;
    };

    app.get(
      '/tenants',
      { config: rule(ADMIN, 'tenants:read'), schema: { tags, summary: 'List tenants (the platform admin sees all, others their own)', querystring: Type.Object(PageQuery), response: replies(Page(Tenant)) } },
      async (req) => {
        const { p } = scopeOf(req, s);
        let q = db.selectFrom('tenants').selectAll();
        if (!(await isPlatform(p.tenantId))) q = q.where('id', '=', p.tenantId);
        return paginate(q, 'id', req.query, toTenant);
      },
    );

    app.post(
      '/tenants',
      {
        config: rule(ADMIN, 'tenants:write'),
        schema: {
          tags,
          summary: 'Create a tenant and its first administrator (platform admins)',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 200 }),
              slug: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' }),
              settings: Type.Optional(JsonObject),
              admin: Type.Object({
                email: Type.String({ format: 'email', maxLength: 320 }),
                name: Type.String({ minLength: 1, maxLength: 200 }),
                password: Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX }),
              }),
            },
            { additionalProperties: false },
          ),
          response: replies(Tenant, 201),
        },
      },
      async (req, reply) => {
        const { p, now } = scopeOf(req, s);
        if (!(await isPlatform(p.tenantId))) throw new DialerError('DIALER_ERR_FORBIDDEN', 'only admins of the platform tenant create tenants');
        const exists = await db.selectFrom('tenants').select('id').where('slug', '=', req.body.slug).executeTakeFirst();
        if (exists) throw new DialerError('DIALER_ERR_CONFLICT', `tenant slug ${req.body.slug} is taken`);
        const id = newId(now);
        const settings = { ...(req.body.settings ?? {}) };
        delete settings['platform'];
        await db.insertInto('tenants').values({ id, name: req.body.name, slug: req.body.slug, status: 'active', settings: toJson(settings), created_at: now, updated_at: now }).execute();
        const scope = s.ctx.store.tenant(id);
        await scope
          .insertInto('users', {
            id: newId(now),
            email: req.body.admin.email.toLowerCase(),
            name: req.body.admin.name,
            role: 'admin',
            password_hash: await hashPassword(req.body.admin.password, s.passwordCost),
            created_at: now,
            updated_at: now,
          })
          .execute();
        const t = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        await audit(s.ctx.store.tenant(p.tenantId), req, p, { action: 'tenant.created', entity: 'tenant', entityId: id, after: toTenant(t), now });
        return reply.code(201).send(toTenant(t));
      },
    );

    app.get('/tenants/:id', { config: rule(ADMIN, 'tenants:read'), schema: { tags, summary: 'Get a tenant', params: IdParams, response: replies(Tenant) } }, async (req) => {
      const { p } = scopeOf(req, s);
      return toTenant(await load(p.tenantId, req.params.id));
    });

    app.patch(
      '/tenants/:id',
      {
        config: rule(ADMIN, 'tenants:write'),
        schema: {
          tags,
          summary: 'Rename a tenant, change its settings, or (platform admins) suspend it',
          params: IdParams,
          body: Type.Object(
            {
              name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
              status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
              settings: Type.Optional(JsonObject),
            },
            { additionalProperties: false },
          ),
          response: replies(Tenant),
        },
      },
      async (req) => {
        const { p, now } = scopeOf(req, s);
        const before = await load(p.tenantId, req.params.id);
        if (req.body.status !== undefined && (req.params.id === p.tenantId || !(await isPlatform(p.tenantId)))) {
          throw new DialerError('DIALER_ERR_FORBIDDEN', 'only a platform admin changes the status of another tenant');
        }
        const settings = req.body.settings ? { ...req.body.settings, platform: fromJson<{ platform?: boolean }>(before.settings, {}).platform === true } : undefined;
        await db
          .updateTable('tenants')
          .set({
            updated_at: now,
            ...(req.body.name !== undefined ? { name: req.body.name } : {}),
            ...(req.body.status !== undefined ? { status: req.body.status } : {}),
            ...(settings ? { settings: toJson(settings) } : {}),
          })
          .where('id', '=', req.params.id)
          .execute();
        const after = await db.selectFrom('tenants').selectAll().where('id', '=', req.params.id).executeTakeFirstOrThrow();
        await audit(s.ctx.store.tenant(p.tenantId), req, p, { action: 'tenant.updated', entity: 'tenant', entityId: req.params.id, before: toTenant(before), after: toTenant(after), now });
        return toTenant(after);
      },
    );

    app.delete('/tenants/:id', { config: rule(ADMIN, 'tenants:write'), schema: { tags, summary: 'Delete a tenant and all its data (platform admins)', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p, now } = scopeOf(req, s);
      if (req.params.id === p.tenantId) throw new DialerError('DIALER_ERR_FORBIDDEN', 'a tenant cannot delete itself');
      const before = await load(p.tenantId, req.params.id);
      await db.deleteFrom('tenants').where('id', '=', req.params.id).execute();
      await audit(s.ctx.store.tenant(p.tenantId), req, p, { action: 'tenant.deleted', entity: 'tenant', entityId: req.params.id, before: toTenant(before), now });
      return reply.code(204).send(null);
    });
  };
}
