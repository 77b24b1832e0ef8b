import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { addDnc, checkDnc, DialerError, fromJson, importDnc, listDnc, PhoneNormalizer, removeDnc, type DncEntry, type DncScope, type TenantScope } from '@dialer/core';
import type { Access } from '../http/access.js';
import { audit } from '../http/audit.js';
import { ADMIN_SUP, ANYONE, rule, scopeOf, STAFF } from '../http/route-kit.js';
import { MsOrNull, noContent, replies, StrOrNull } from '../http/schemas.js';
import { uploadStream } from '../http/upload.js';
import type { ApiServices } from '../services.js';

const Scope = Type.Union([Type.Literal('global'), Type.Literal('tenant'), Type.Literal('campaign')]);
const Entry = Type.Object({
  id: Type.String(),
  scope: Type.String(),
  campaignId: StrOrNull,
  phone: Type.String({ description: 'E.164, or a prefix when isPrefix (an area-code wildcard).' }),
  isPrefix: Type.Boolean(),
  source: Type.String(),
  reason: StrOrNull,
  createdBy: StrOrNull,
  expiresAt: MsOrNull,
  createdAt: Type.Integer(),
});
function toEntry(e: DncEntry) {
  return { id: e.id, scope: e.scope, campaignId: e.campaignId, phone: e.phone, isPrefix: e.isPrefix, source: e.source, reason: e.reason, createdBy: e.createdBy, expiresAt: e.expiresAtMs, createdAt: e.createdAtMs };
}

const ScopeQuery = {
  scope: Type.Optional(Scope),
  campaignId: Type.Optional(Type.String()),
};

const tags = ['dnc'];

/**
 * Do-not-call lists: the global one (platform admins write it), the tenant's,
 * and each campaign's. Entries are numbers or area-code wildcards (`+1212*`).
 */
export function dncRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    const isPlatform = async (tenantId: string): Promise<boolean> => {
      const t = await s.ctx.store.db.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirst();
      return fromJson<{ platform?: boolean }>(t?.settings, {}).platform === true;
    };
    /** Resolves which list a request means and checks the caller may use it. */
    const target = async (db: TenantScope, access: Access, q: { scope?: DncScope | undefined; campaignId?: string | undefined }, write: boolean) => {
      const scope: DncScope = q.scope ?? (q.campaignId ? 'campaign' : 'tenant');
      if (scope === 'campaign') {
        if (!q.campaignId) throw new DialerError('DIALER_ERR_VALIDATION', 'a campaign list needs campaignId');
        const c = await db.selectFrom('campaigns').select('id').where('id', '=', q.campaignId).executeTakeFirst();
        if (!c || !(await access.canSeeCampaign(c))) throw new DialerError('DIALER_ERR_NOT_FOUND', `campaign ${q.campaignId} not found`);
        return { scope, tenantId: access.p.tenantId, campaignId: c.id };
      }
      if (scope === 'global') {
        if (write && !(access.p.role === 'admin' && (await isPlatform(access.p.tenantId)))) throw new DialerError('DIALER_ERR_FORBIDDEN', 'only platform admins change the global DNC list');
        return { scope, tenantId: null, campaignId: null };
      }
      return { scope, tenantId: access.p.tenantId, campaignId: null };
    };

    app.get(
      '/dnc',
      {
        config: rule(STAFF, 'dnc:read'),
        schema: {
          tags,
          summary: 'List one DNC list, by phone',
          querystring: Type.Object({ ...ScopeQuery, phonePrefix: Type.Optional(Type.String({ maxLength: 20 })), after: Type.Optional(Type.String({ maxLength: 20, description: 'The last phone of the previous page.' })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
          response: replies(Type.Object({ items: Type.Array(Entry), nextAfter: Type.Union([Type.String(), Type.Null()]) })),
        },
      },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        const tg = await target(db, access, req.query, false);
        const limit = req.query.limit ?? 100;
        const rows = await listDnc(s.ctx.store, { ...tg, limit, ...(req.query.phonePrefix ? { phonePrefix: req.query.phonePrefix } : {}), ...(req.query.after ? { after: req.query.after } : {}) });
        return { items: rows.map(toEntry), nextAfter: rows.length === limit ? rows[rows.length - 1]!.phone : null };
      },
    );

    app.post(
      '/dnc',
      {
        config: rule(ANYONE, 'dnc:write'),
        schema: {
          tags,
          summary: 'Add a number or a wildcard (`+1212*`) to a DNC list',
          description: 'Agents may add numbers (a customer asking not to be called) to their tenant\'s or campaigns\' lists.',
          body: Type.Object(
            {
              phone: Type.String({ minLength: 2, maxLength: 40 }),
              ...ScopeQuery,
              reason: Type.Optional(Type.String({ maxLength: 300 })),
              expiresAt: Type.Optional(Type.Integer()),
              defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
            },
            { additionalProperties: false },
          ),
          response: replies(Entry, 201),
        },
      },
      async (req, reply) => {
        const { p, db, access, now } = scopeOf(req, s);
        const tg = await target(db, access, req.body, true);
        if (p.role === 'agent' && tg.scope === 'campaign' && !(await access.campaignIds()).includes(tg.campaignId!)) throw new DialerError('DIALER_ERR_NOT_FOUND', 'campaign not found');
        const e = await addDnc(s.ctx.store, {
          ...tg,
          phone: req.body.phone,
          reason: req.body.reason ?? null,
          source: p.kind === 'api_key' ? 'api' : 'manual',
          createdBy: p.userId,
          expiresAtMs: req.body.expiresAt ?? null,
          ...(req.body.defaultCountry ? { defaultCountry: req.body.defaultCountry } : {}),
          nowMs: now,
        });
        await audit(db, req, p, { action: 'dnc.added', entity: 'dnc', entityId: e.id, after: { scope: e.scope, campaignId: e.campaignId, isPrefix: e.isPrefix }, now });
        return reply.code(201).send(toEntry(e));
      },
    );

    app.delete(
      '/dnc',
      {
        config: rule(ADMIN_SUP, 'dnc:write'),
        schema: { tags, summary: 'Remove a number or wildcard from a DNC list', querystring: Type.Object({ phone: Type.String({ minLength: 2, maxLength: 40 }), ...ScopeQuery }), response: noContent },
      },
      async (req, reply) => {
        const { p, db, access, now } = scopeOf(req, s);
        const tg = await target(db, access, req.query, true);
        if (!(await removeDnc(s.ctx.store, { ...tg, phone: req.query.phone }))) throw new DialerError('DIALER_ERR_NOT_FOUND', 'that number is not on the list');
        await audit(db, req, p, { action: 'dnc.removed', entity: 'dnc', entityId: null, before: { scope: tg.scope, campaignId: tg.campaignId }, now });
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/dnc/check',
      {
        config: rule(ANYONE, 'dnc:read'),
        schema: {
          tags,
          summary: 'Is a number on a DNC list (global, tenant, or the campaign\'s)?',
          body: Type.Object({ phone: Type.String({ minLength: 2, maxLength: 40 }), campaignId: Type.Optional(Type.String()), defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })) }, { additionalProperties: false }),
          response: replies(Type.Object({ phone: Type.String(), dnc: Type.Boolean(), scope: Type.Optional(Type.String()), entry: Type.Optional(Type.String()), isPrefix: Type.Optional(Type.Boolean()), reason: Type.Optional(StrOrNull) })),
        },
      },
      async (req) => {
        const { p, db, access, now } = scopeOf(req, s);
        if (req.body.campaignId) await target(db, access, { campaignId: req.body.campaignId }, false);
        const n = new PhoneNormalizer({ defaultCountry: req.body.defaultCountry ?? 'US' }).normalize(req.body.phone);
        if (!n.ok) throw new DialerError('DIALER_ERR_PHONE_INVALID', n.reason, { details: { phone: req.body.phone } });
        const hit = await checkDnc(s.ctx.store, { tenantId: p.tenantId, campaignId: req.body.campaignId ?? null, nowMs: now }, n.phone.e164);
        return hit ? { phone: n.phone.e164, dnc: true, scope: hit.scope, entry: hit.entry, isPrefix: hit.isPrefix, reason: hit.reason } : { phone: n.phone.e164, dnc: false };
      },
    );

    app.post(
      '/dnc/imports',
      {
        config: rule(ADMIN_SUP, 'dnc:write'),
        schema: {
          tags,
          summary: 'Import numbers and wildcards onto a DNC list from a CSV (streamed)',
          description: 'Body: `Content-Type: text/csv`, with a `phone` column (or `column`), or one number per line. Bad rows are reported, never fatal.',
          consumes: ['text/csv'],
          querystring: Type.Object({ ...ScopeQuery, column: Type.Optional(Type.String({ maxLength: 100 })), reason: Type.Optional(Type.String({ maxLength: 300 })), defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })) }),
          response: replies(Type.Object({ added: Type.Integer(), invalid: Type.Integer(), errors: Type.Array(Type.Object({ row: Type.Integer(), reason: Type.String() })) }), 201),
        },
      },
      async (req, reply) => {
        const { p, db, access, now } = scopeOf(req, s);
        const tg = await target(db, access, req.query, true);
        const report = await importDnc(s.ctx.store, {
          ...tg,
          source: uploadStream(req, s.config.uploadLimitBytes),
          createdBy: p.userId,
          nowMs: now,
          ...(req.query.column ? { column: req.query.column } : {}),
          ...(req.query.reason ? { reason: req.query.reason } : {}),
          ...(req.query.defaultCountry ? { defaultCountry: req.query.defaultCountry } : {}),
        });
        await audit(db, req, p, { action: 'dnc.imported', entity: 'dnc', entityId: null, after: { scope: tg.scope, campaignId: tg.campaignId, added: report.added, invalid: report.invalid }, now });
        return reply.code(201).send(report);
      },
    );
  };
}
