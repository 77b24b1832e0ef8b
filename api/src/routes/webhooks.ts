import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Selectable } from 'kysely';
import { DialerError, fromJson, generateWebhookSecret, newId, toJson, type TenantScope, type WebhookDeliveriesTable, type WebhookEndpointsTable } from '@dialer/core';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { ADMIN_DEV, rule, scopeOf } from '../http/route-kit.js';
import { IdParams, MsOrNull, NumOrNull, replies, noContent, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';
import { SUBSCRIBABLE_EVENTS, webhookBody } from '../webhooks/events.js';

const Endpoint = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: StrOrNull,
  eventTypes: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});
const Delivery = Type.Object({
  id: Type.String({ description: 'Sent as the `webhook-id` header: receivers deduplicate on it.' }),
  endpointId: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  status: Type.String({ description: 'pending, sending, retrying, delivered or dead (dead-lettered; replay it).' }),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Integer(),
  lastStatusCode: NumOrNull,
  lastError: StrOrNull,
  createdAt: Type.Integer(),
  deliveredAt: MsOrNull,
  giveUpAt: MsOrNull,
});
const Attempt = Type.Object({ attempt: Type.Integer(), at: Type.Integer(), statusCode: NumOrNull, error: StrOrNull, durationMs: Type.Integer() });

function toEndpoint(r: Selectable<WebhookEndpointsTable>) {
  return { id: r.id, url: r.url, description: r.description, eventTypes: fromJson<string[]>(r.event_types, []), enabled: r.enabled === 1, createdAt: r.created_at, updatedAt: r.updated_at };
}
function toDelivery(r: Selectable<WebhookDeliveriesTable>) {
  return {
    id: r.id, endpointId: r.endpoint_id, eventId: r.event_id, eventType: r.event_type, status: r.status, attempts: r.attempts, nextAttemptAt: r.next_attempt_at,
    lastStatusCode: r.last_status_code, lastError: r.last_error, createdAt: r.created_at, deliveredAt: r.delivered_at, giveUpAt: r.give_up_at,
  };
}

const EventTypes = Type.Array(Type.Union(SUBSCRIBABLE_EVENTS.map((e) => Type.Literal(e))), { minItems: 1, uniqueItems: true });
const Url = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 });
const tags = ['webhooks'];

async function endpoint(db: TenantScope, id: string) {
  const e = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
  if (!e) throw new DialerError('DIALER_ERR_NOT_FOUND', `webhook endpoint ${id} not found`);
  return e;
}

/** Outbound webhooks: endpoints per tenant, their deliveries and attempts, and manual replay of dead letters. */
export function webhookRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/webhooks/event-types', { config: rule(ADMIN_DEV, 'webhooks:read'), schema: { tags, summary: 'Event types an endpoint can subscribe to', response: replies(Type.Object({ eventTypes: Type.Array(Type.String()) })) } }, async () => ({
      eventTypes: [...SUBSCRIBABLE_EVENTS],
    }));

    app.get('/webhooks/endpoints', { config: rule(ADMIN_DEV, 'webhooks:read'), schema: { tags, summary: 'List webhook endpoints', querystring: Type.Object(PageQuery), response: replies(Page(Endpoint)) } }, async (req) => {
      const { db } = scopeOf(req, s);
      return paginate(db.selectFrom('webhook_endpoints').selectAll(), 'id', req.query, toEndpoint);
    });

    app.post(
      '/webhooks/endpoints',
      {
        config: rule(ADMIN_DEV, 'webhooks:write'),
        schema: {
          tags,
          summary: 'Add a webhook endpoint (the signing secret is shown in this response only)',
          body: Type.Object({ url: Url, description: Type.Optional(Type.String({ maxLength: 500 })), eventTypes: EventTypes, enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          response: replies(Type.Object({ endpoint: Endpoint, secret: Type.String({ description: '`whsec_<base64>`: verify `webhook-signature` with it.' }) }), 201),
        },
      },
      async (req, reply) => {
        const { p, db, now } = scopeOf(req, s);
        const id = newId(now);
        const secret = generateWebhookSecret();
        await db
          .insertInto('webhook_endpoints', { id, url: req.body.url, description: req.body.description ?? null, secret, event_types: toJson(req.body.eventTypes), enabled: req.body.enabled === false ? 0 : 1, created_at: now, updated_at: now })
          .execute();
        s.webhooks.invalidate(p.tenantId);
        const e = toEndpoint(await endpoint(db, id));
        await audit(db, req, p, { action: 'webhook_endpoint.created', entity: 'webhook_endpoint', entityId: id, after: e, now });
        return reply.code(201).send({ endpoint: e, secret });
      },
    );

    app.get('/webhooks/endpoints/:id', { config: rule(ADMIN_DEV, 'webhooks:read'), schema: { tags, summary: 'Get a webhook endpoint', params: IdParams, response: replies(Endpoint) } }, async (req) => {
      const { db } = scopeOf(req, s);
      return toEndpoint(await endpoint(db, req.params.id));
    });

    app.patch(
      '/webhooks/endpoints/:id',
      {
        config: rule(ADMIN_DEV, 'webhooks:write'),
        schema: {
          tags,
          summary: 'Update a webhook endpoint (disable it to pause deliveries; they wait, in order)',
          params: IdParams,
          body: Type.Object({ url: Type.Optional(Url), description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])), eventTypes: Type.Optional(EventTypes), enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          response: replies(Endpoint),
        },
      },
      async (req) => {
        const { p, db, now } = scopeOf(req, s);
        const before = await endpoint(db, req.params.id);
        const b = req.body;
        await db
          .updateTable('webhook_endpoints')
          .set({
            updated_at: now,
            ...(b.url !== undefined ? { url: b.url } : {}),
            ...(b.description !== undefined ? { description: b.description } : {}),
            ...(b.eventTypes !== undefined ? { event_types: toJson(b.eventTypes) } : {}),
            ...(b.enabled !== undefined ? { enabled: b.enabled ? 1 : 0 } : {}),
          })
          .where('id', '=', before.id)
          .execute();
        s.webhooks.invalidate(p.tenantId);
        if (b.enabled) s.worker.wake();
        const after = toEndpoint(await endpoint(db, before.id));
        await audit(db, req, p, { action: 'webhook_endpoint.updated', entity: 'webhook_endpoint', entityId: before.id, before: toEndpoint(before), after, now });
        return after;
      },
    );

    app.delete('/webhooks/endpoints/:id', { config: rule(ADMIN_DEV, 'webhooks:write'), schema: { tags, summary: 'Delete a webhook endpoint and its deliveries', params: IdParams, response: noContent } }, async (req, reply) => {
      const { p, db, now } = scopeOf(req, s);
      const before = await endpoint(db, req.params.id);
      await db.deleteFrom('webhook_endpoints').where('id', '=', before.id).execute();
      s.webhooks.invalidate(p.tenantId);
      await audit(db, req, p, { action: 'webhook_endpoint.deleted', entity: 'webhook_endpoint', entityId: before.id, before: toEndpoint(before), now });
      return reply.code(204).send(null);
    });

    app.post(
      '/webhooks/endpoints/:id/rotate-secret',
      { config: rule(ADMIN_DEV, 'webhooks:write'), schema: { tags, summary: 'Replace the signing secret (shown once)', params: IdParams, response: replies(Type.Object({ secret: Type.String() })) } },
      async (req) => {
        const { p, db, now } = scopeOf(req, s);
        const e = await endpoint(db, req.params.id);
        const secret = generateWebhookSecret();
        await db.updateTable('webhook_endpoints').set({ secret, updated_at: now }).where('id', '=', e.id).execute();
        await audit(db, req, p, { action: 'webhook_endpoint.secret_rotated', entity: 'webhook_endpoint', entityId: e.id, now });
        return { secret };
      },
    );

    app.post(
      '/webhooks/endpoints/:id/test',
      { config: rule(ADMIN_DEV, 'webhooks:write'), schema: { tags, summary: 'Queue a `webhook.test` delivery to the endpoint', params: IdParams, response: replies(Delivery, 202) } },
      async (req, reply) => {
        const { p, db, now } = scopeOf(req, s);
        const e = await endpoint(db, req.params.id);
        const eventId = newId(now);
        await s.webhooks.insert(p.tenantId, [e.id], eventId, 'webhook.test', webhookBody('webhook.test', new Date(now).toISOString(), eventId, { endpointId: e.id }), now);
        const d = await db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', e.id).where('event_id', '=', eventId).executeTakeFirstOrThrow();
        return reply.code(202).send(toDelivery(d));
      },
    );

    app.get(
      '/webhooks/deliveries',
      {
        config: rule(ADMIN_DEV, 'webhooks:read'),
        schema: {
          tags,
          summary: 'List deliveries (e.g. `status=dead` for the dead-letter queue)',
          querystring: Type.Object({ ...PageQuery, endpointId: Type.Optional(Type.String()), status: Type.Optional(Type.String()), eventType: Type.Optional(Type.String()) }),
          response: replies(Page(Delivery)),
        },
      },
      async (req) => {
        const { db } = scopeOf(req, s);
        let q = db.selectFrom('webhook_deliveries').selectAll();
        if (req.query.endpointId) q = q.where('endpoint_id', '=', req.query.endpointId);
        if (req.query.status) q = q.where('status', '=', req.query.status);
        if (req.query.eventType) q = q.where('event_type', '=', req.query.eventType);
        return paginate(q, 'id', req.query, toDelivery);
      },
    );

    app.get(
      '/webhooks/deliveries/:id',
      { config: rule(ADMIN_DEV, 'webhooks:read'), schema: { tags, summary: 'A delivery with its payload and every attempt', params: IdParams, response: replies(Type.Object({ ...Delivery.properties, payload: Type.Unknown(), attemptLog: Type.Array(Attempt) })) } },
      async (req) => {
        const { db } = scopeOf(req, s);
        const d = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', req.params.id).executeTakeFirst();
        if (!d) throw new DialerError('DIALER_ERR_NOT_FOUND', `delivery ${req.params.id} not found`);
        const attempts = await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', d.id).orderBy('attempt').execute();
        return {
          ...toDelivery(d),
          payload: fromJson<unknown>(d.payload, null),
          attemptLog: attempts.map((a) => ({ attempt: a.attempt, at: a.at, statusCode: a.status_code, error: a.error, durationMs: a.duration_ms })),
        };
      },
    );

    app.post(
      '/webhooks/deliveries/:id/replay',
      {
        config: rule(ADMIN_DEV, 'webhooks:write'),
        schema: { tags, summary: 'Send a delivery again (dead letters, or a delivered one the receiver lost); same webhook-id, a fresh retry window', params: IdParams, response: replies(Delivery, 202) },
      },
      async (req, reply) => {
        const { p, db, now } = scopeOf(req, s);
        const d = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', req.params.id).executeTakeFirst();
        if (!d) throw new DialerError('DIALER_ERR_NOT_FOUND', `delivery ${req.params.id} not found`);
        if (d.status !== 'dead' && d.status !== 'delivered') throw new DialerError('DIALER_ERR_INVALID_STATE', `delivery is ${d.status}; it is still being retried`);
        await db
          .updateTable('webhook_deliveries')
          .set({ status: 'pending', next_attempt_at: now, give_up_at: now + s.config.webhookRetryWindowS * 1000 })
          .where('id', '=', d.id)
          .where('status', '=', d.status)
          .execute();
        s.worker.wake();
        await audit(db, req, p, { action: 'webhook_delivery.replayed', entity: 'webhook_delivery', entityId: d.id, before: { status: d.status }, now });
        return reply.code(202).send(toDelivery(await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow()));
      },
    );
  };
}
