import type { Logger } from 'pino';
import { fromJson, newId, type AnyMessage, type Clock, type EventBus, type Store, type Unsubscribe } from '@dialer/core';
import { WEBHOOK_EVENT_TYPES, webhookBody } from './events.js';

interface EndpointLite {
  id: string;
  events: Set<string>;
}

/**
 * Turns bus messages into webhook deliveries, one per subscribed endpoint.
 * Every API node hears every message; the unique (endpoint, event) key makes
 * the insert happen once, whichever node gets there first.
 */
export class WebhookDispatcher {
  private readonly cache = new Map<string, { at: number; endpoints: EndpointLite[] }>();
  private readonly unsubs: Unsubscribe[] = [];
  private counter = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly retryWindowMs: number,
    private readonly onQueued: () => void,
    private readonly cacheMs = 5000,
  ) {}

  async start(bus: EventBus): Promise<void> {
    for (const type of Object.keys(WEBHOOK_EVENT_TYPES)) {
      this.unsubs.push(await bus.subscribe(type, (m) => void this.enqueue(m).catch((err: unknown) => this.log.error({ err, type: m.type }, 'webhook enqueue failed'))));
    }
  }

  private async endpoints(tenantId: string): Promise<EndpointLite[]> {
    const now = this.clock.now();
    const hit = this.cache.get(tenantId);
    if (hit && now - hit.at < this.cacheMs) return hit.endpoints;
    const rows = await this.store.tenant(tenantId).selectFrom('webhook_endpoints').select(['id', 'event_types']).where('enabled', '=', 1).execute();
    const endpoints = rows.map((r) => ({ id: r.id, events: new Set(fromJson<string[]>(r.event_types, [])) }));
    this.cache.set(tenantId, { at: now, endpoints });
    return endpoints;
  }

  /** Forgets a tenant's cached endpoints (after a change on this node). */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  /** Creates the deliveries for one message; returns how many endpoints it is for. */
  async enqueue(m: AnyMessage): Promise<number> {
    const type = (WEBHOOK_EVENT_TYPES as Record<string, string>)[m.type];
    if (!type) return 0;
    const targets = (await this.endpoints(m.tenantId)).filter((e) => e.events.has(type) || e.events.has('*'));
    if (targets.length === 0) return 0;
    const body = webhookBody(type, m.time, m.id, m.data);
    await this.insert(m.tenantId, targets.map((t) => t.id), m.id, type, body, Date.parse(m.time));
    return targets.length;
  }

  /** Inserts deliveries of one event (idempotent by endpoint and event id). */
  async insert(tenantId: string, endpointIds: string[], eventId: string, type: string, body: string, atMs: number): Promise<void> {
    const now = this.clock.now();
    // Order within an endpoint: event time, then arrival on this node.
    const seq = (Number.isNaN(atMs) ? now : atMs) * 1000 + (this.counter++ % 1000);
    await this.store
      .tenant(tenantId)
      .insertInto(
        'webhook_deliveries',
        endpointIds.map((endpoint_id) => ({
          id: newId(now),
          endpoint_id,
          event_id: eventId,
          event_type: type,
          payload: body,
          seq,
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          last_status_code: null,
          last_error: null,
          created_at: now,
          delivered_at: null,
          give_up_at: now + this.retryWindowMs,
        })),
      )
      .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
      .execute();
    this.onQueued();
  }

  async close(): Promise<void> {
    const u = this.unsubs.splice(0);
    await Promise.allSettled(u.map((f) => f()));
  }
}
