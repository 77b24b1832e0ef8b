import type { RedisClientType } from 'redis';
import { connectRedis, once, type DaemonContext, type Daemon, type SectionValues, type coreSection } from '@dialer/core';
import { buildApp, type ApiApp } from './app.js';
import { bootstrap } from './auth/bootstrap.js';
import type { apiSection } from './config.js';
import { createServices } from './services.js';
import type { AiEventsOptions } from './routes/ai-events.js';

/** The API daemon: listens on API_HOST:API_PORT. */
export interface ApiDaemon extends Daemon {
  /** The bound address, once started (port 0 picks a free one). */
  address(): { host: string; port: number } | undefined;
  readonly app: ApiApp | undefined;
}

type CoreValues = SectionValues<(typeof coreSection)['settings']>;

/**
 * Creates the API daemon over a shared context. Give it the core settings so
 * that, with REDIS_URL, counters, rate limits and single-use tokens are shared
 * by every API node (the bus is shared through the context either way).
 */
export function createApiDaemon(
  ctx: DaemonContext,
  config: SectionValues<(typeof apiSection)['settings']>,
  core?: Pick<CoreValues, 'redisUrl' | 'busPrefix' | 'dataDir'>,
  /** Settings of POST /ai/events (see `aiEventsOptionsFromConfig`); without them it answers 503. */
  aiEvents?: AiEventsOptions,
): ApiDaemon {
  let app: ApiApp | undefined;
  let redis: RedisClientType | undefined;
  let draining = false;
  let bound: { host: string; port: number } | undefined;
  let services: Awaited<ReturnType<typeof createServices>> | undefined;
  const close = once(async () => {
    // Fastify's preClose hook closes every WebSocket with 1001 before the server stops.
    await app?.close();
    await services?.close();
    await redis?.close().catch(() => undefined);
  });
  return {
    name: 'api',
    get app() {
      return app;
    },
    address: () => bound,
    async start() {
      const log = ctx.log.child({ component: 'api' });
      if (core?.redisUrl) redis = await connectRedis({ url: core.redisUrl, log, name: `${core.busPrefix}-${ctx.nodeId}-api` });
      else if (ctx.bus.kind === 'redis') log.warn('the bus is on Redis but the API was not given REDIS_URL: its counters stay on this node');
      await bootstrap({ store: ctx.store, clock: ctx.clock, log, adminEmail: config.adminEmail, adminPassword: config.adminPassword, dataDir: core?.dataDir });
      services = await createServices({ ctx, config, redis, busPrefix: core?.busPrefix, dataDir: core?.dataDir });
      app = await buildApp({ ctx, services, isDraining: () => draining, aiEvents });
      await app.listen({ host: config.host, port: config.port });
      const a = app.server.address();
      if (a && typeof a === 'object') bound = { host: a.address, port: a.port };
      ctx.log.info({ host: config.host, port: bound?.port }, 'api listening');
    },
    async drain() {
      // /ready turns 503 so load balancers move traffic; in-flight requests finish in close().
      draining = true;
    },
    close,
  };
}
