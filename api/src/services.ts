import type { RedisClientType } from 'redis';
import { MemoryReplayGuard, RedisReplayGuard, type DaemonContext, type ReplayGuard, type SectionValues, type Unsubscribe } from '@dialer/core';
import { ApiKeyAuthenticator } from './auth/api-keys.js';
import { DEFAULT_SCRYPT_COST, type ScryptCost } from './auth/passwords.js';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './auth/rate-limiter.js';
import { SessionService } from './auth/sessions.js';
import { TokenService } from './auth/tokens.js';
import type { apiSection } from './config.js';
import { HeartbeatTracker } from './ops/heartbeats.js';
import { ApiMetrics } from './ops/metrics.js';
import { SystemTracker } from './ops/system.js';
import { TeamDirectory } from './realtime/directory.js';
import { RealtimeHub } from './realtime/hub.js';
import { FORWARDED_PATTERNS } from './realtime/router.js';
import { MemoryStatsBackend, RedisStatsBackend } from './stats/backend.js';
import { StatsService } from './stats/service.js';
import { httpWebhookSender, type WebhookSender } from './transport/webhook-sender.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { WebhookWorker } from './webhooks/worker.js';

/** The API's settings (the `api` config section). */
export type ApiConfig = SectionValues<(typeof apiSection)['settings']>;

/** Every setting's default, for tests and embedders that give only a few. */
export function apiDefaults(section: typeof apiSection, overrides: Partial<ApiConfig> = {}): ApiConfig {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(section.settings)) out[k] = (spec as { default?: unknown }).default;
  return Object.freeze({ ...out, ...overrides }) as ApiConfig;
}

/** Options of {@link createServices}. */
export interface ServiceOptions {
  ctx: DaemonContext;
  config: ApiConfig;
  /** Redis for counters, rate limits and single-use tokens shared by every API node. */
  redis?: RedisClientType | undefined;
  busPrefix?: string | undefined;
  dataDir?: string | undefined;
  passwordCost?: ScryptCost | undefined;
  webhookSender?: WebhookSender | undefined;
  /** Start bus subscriptions and the webhook worker (default true). */
  background?: boolean | undefined;
  /** How long a command to the controller or gateway may take. */
  commandTimeoutMs?: number | undefined;
}

/** The long-lived parts behind the routes. */
export interface ApiServices {
  readonly ctx: DaemonContext;
  readonly config: ApiConfig;
  readonly dataDir: string;
  readonly passwordCost: ScryptCost;
  readonly commandTimeoutMs: number;
  readonly tokens: TokenService;
  readonly sessions: SessionService;
  readonly apiKeys: ApiKeyAuthenticator;
  readonly limiter: RateLimiter;
  readonly metrics: ApiMetrics;
  readonly hub: RealtimeHub;
  readonly directory: TeamDirectory;
  readonly stats: StatsService;
  readonly heartbeats: HeartbeatTracker;
  /** The gateways, controllers and speech-to-text providers heard on the bus (GET /system). */
  readonly system: SystemTracker;
  readonly webhooks: WebhookDispatcher;
  readonly worker: WebhookWorker;
  close(): Promise<void>;
}

/** Builds the services and (unless `background: false`) starts their bus subscriptions and the webhook worker. */
export async function createServices(o: ServiceOptions): Promise<ApiServices> {
  const { ctx, config } = o;
  const prefix = o.busPrefix ?? 'dialer';
  const log = ctx.log.child({ component: 'api' });
  const tokens = await TokenService.open({ store: ctx.store, clock: ctx.clock, secret: config.tokenSecret });
  const limiter: RateLimiter = o.redis ? new RedisRateLimiter(o.redis, prefix) : new MemoryRateLimiter(ctx.clock);
  const wsGuard: ReplayGuard = o.redis ? new RedisReplayGuard(o.redis, prefix, () => ctx.clock.now()) : new MemoryReplayGuard(ctx.clock);
  const passwordCost = o.passwordCost ?? DEFAULT_SCRYPT_COST;
  const sessions = new SessionService(ctx.store, ctx.clock, tokens, limiter, wsGuard, {
    accessTokenTtlS: config.accessTokenTtlS,
    refreshTokenTtlS: config.refreshTokenTtlS,
    loginMaxFailures: config.loginMaxFailures,
    loginLockoutS: config.loginLockoutS,
    loginRatePerMin: config.loginRatePerMin,
    wsTokenTtlS: 60,
    passwordCost,
  });
  const apiKeys = new ApiKeyAuthenticator(ctx.store, ctx.clock);
  const metrics = new ApiMetrics();
  const directory = new TeamDirectory(ctx.store, ctx.clock, log.child({ component: 'directory' }));
  const hub = new RealtimeHub({
    clock: ctx.clock,
    maxBufferedBytes: config.wsMaxBufferedBytes,
    resumeWindowMs: config.wsResumeWindowS * 1000,
    teamOfAgent: (t, a) => directory.teamOfAgent(t, a),
    log: log.child({ component: 'realtime' }),
    onSent: (n) => metrics.wsMessages.inc(n),
    onDropped: (r) => metrics.wsDropped.inc({ reason: r }),
    onLag: (s) => metrics.fanoutLag.observe(s),
  });
  const stats = new StatsService(o.redis ? new RedisStatsBackend(o.redis, prefix) : new MemoryStatsBackend(ctx.clock), prefix, ctx.clock, log.child({ component: 'stats' }), (t, s) =>
    metrics.onCampaignStats(t, s),
  );
  const heartbeats = new HeartbeatTracker(ctx.clock);
  const system = new SystemTracker(ctx.clock);
  const retryWindowMs = config.webhookRetryWindowS * 1000;
  const worker = new WebhookWorker({
    store: ctx.store,
    clock: ctx.clock,
    log: log.child({ component: 'webhooks' }),
    sender: o.webhookSender ?? httpWebhookSender,
    timeoutMs: config.webhookTimeoutMs,
    retryWindowMs,
    onAttempt: (r) => {
      metrics.webhookAttempts.inc({ result: r });
      if (r !== 'delivered') metrics.webhookFailures.inc();
    },
    onDepth: (live, dead) => {
      metrics.webhookQueueDepth.set(live);
      metrics.webhookDead.set(dead);
    },
  });
  const webhooks = new WebhookDispatcher(ctx.store, ctx.clock, log.child({ component: 'webhooks' }), retryWindowMs, () => worker.wake());

  const unsubs: Unsubscribe[] = [];
  if (o.background !== false) {
    for (const p of FORWARDED_PATTERNS) unsubs.push(await ctx.bus.subscribe(p, (m) => void hub.publish(m)));
    await stats.start(ctx.bus);
    await heartbeats.start(ctx.bus);
    await system.start(ctx.bus);
    await webhooks.start(ctx.bus);
    worker.start();
  }

  let closing: Promise<void> | undefined;
  return {
    ctx,
    config,
    dataDir: o.dataDir ?? '.',
    passwordCost,
    commandTimeoutMs: o.commandTimeoutMs ?? 5000,
    tokens,
    sessions,
    apiKeys,
    limiter,
    metrics,
    hub,
    directory,
    stats,
    heartbeats,
    system,
    webhooks,
    worker,
    close() {
      closing ??= (async () => {
        await Promise.allSettled(unsubs.splice(0).map((u) => u()));
        await worker.close();
        await webhooks.close();
        await heartbeats.close();
        await system.close();
        await stats.close();
      })();
      return closing;
    },
  };
}
