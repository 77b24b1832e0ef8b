import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, register as globalRegistry, type Metric } from 'prom-client';
import type { MessageData } from '@dialer/core';

/** The API's Prometheus metrics, in a registry of its own (one per app, so tests and scaled-out nodes never share state). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'dialer_api_http_request_duration_seconds',
    help: 'HTTP request latency by route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly wsClients = new Gauge({ name: 'dialer_api_ws_clients', help: 'Open WebSocket connections on this node.', registers: [this.registry] });
  readonly wsDropped = new Counter({
    name: 'dialer_api_ws_dropped_total',
    help: 'WebSocket clients closed by the server, by reason (slow_consumer, heartbeat, shutdown).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly wsMessages = new Counter({ name: 'dialer_api_ws_messages_total', help: 'Messages sent to WebSocket clients (one per client).', registers: [this.registry] });
  readonly fanoutLag = new Histogram({
    name: 'dialer_api_fanout_lag_seconds',
    help: 'From a message\'s creation to its fan-out to WebSocket clients on this node.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly webhookQueueDepth = new Gauge({ name: 'dialer_api_webhook_queue_depth', help: 'Webhook deliveries waiting to be sent or retried.', registers: [this.registry] });
  readonly webhookDead = new Gauge({ name: 'dialer_api_webhook_dead_letters', help: 'Webhook deliveries dead-lettered and waiting for a manual replay.', registers: [this.registry] });
  readonly webhookAttempts = new Counter({
    name: 'dialer_api_webhook_attempts_total',
    help: 'Webhook delivery attempts by result (delivered, failed, dead).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly webhookFailures = new Counter({ name: 'dialer_api_webhook_failures_total', help: 'Failed webhook delivery attempts.', registers: [this.registry] });
  readonly dialLevel = new Gauge({ name: 'dialer_campaign_dial_level', help: 'Lines dialled per available agent.', labelNames: ['tenant', 'campaign'] as const, registers: [this.registry] });
  readonly abandonRate = new Gauge({
    name: 'dialer_campaign_abandon_rate',
    help: 'Abandon rate by window (today, 30d).',
    labelNames: ['tenant', 'campaign', 'window'] as const,
    registers: [this.registry],
  });
  readonly campaignAgents = new Gauge({
    name: 'dialer_campaign_agents',
    help: 'Agents of a campaign by state.',
    labelNames: ['tenant', 'campaign', 'state'] as const,
    registers: [this.registry],
  });
  readonly campaignCalls = new Gauge({
    name: 'dialer_campaign_calls',
    help: 'Calls of a campaign by phase (dialing, waiting, queued).',
    labelNames: ['tenant', 'campaign', 'phase'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'dialer_api_' });
  }

  /**
   * The exposition text: this registry, plus whatever other parts of the same
   * process put on prom-client's global registry (in the one-process start,
   * the media gateway), minus names this registry already has.
   */
  async text(): Promise<string> {
    const mine = new Set(this.registry.getMetricsAsArray().map((m) => m.name));
    const others = globalRegistry.getMetricsAsArray().filter((m) => !mine.has(m.name));
    if (others.length === 0) return this.registry.metrics();
    const extra = new Registry();
    for (const m of others) extra.registerMetric(m as unknown as Metric);
    return Registry.merge([this.registry, extra]).metrics();
  }

  /** Updates the per-campaign gauges from the dialer's once-a-second `campaign.stats`. */
  onCampaignStats(tenantId: string, s: MessageData<'campaign.stats'>): void {
    const l = { tenant: tenantId, campaign: s.campaignId };
    this.dialLevel.set(l, s.dialLevel);
    this.abandonRate.set({ ...l, window: 'today' }, s.abandonRateToday);
    this.abandonRate.set({ ...l, window: '30d' }, s.abandonRate30d);
    this.campaignAgents.set({ ...l, state: 'ready' }, s.agents.ready);
    this.campaignAgents.set({ ...l, state: 'paused' }, s.agents.paused);
    this.campaignAgents.set({ ...l, state: 'on_call' }, s.agents.onCall);
    this.campaignAgents.set({ ...l, state: 'wrap_up' }, s.agents.wrapUp);
    this.campaignCalls.set({ ...l, phase: 'dialing' }, s.callsDialing);
    this.campaignCalls.set({ ...l, phase: 'waiting' }, s.callsWaiting);
    this.campaignCalls.set({ ...l, phase: 'queued' }, s.callsInQueue);
  }
}
