import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RedisClientType } from 'redis';
import { DialerError, type DaemonContext } from '@dialer/core';
import type { ScryptCost } from './auth/passwords.js';
import { apiSection } from './config.js';
import { registerAuth } from './http/auth-hook.js';
import { errorHandler } from './http/errors.js';
import { registerPlugins } from './http/plugins.js';
import { registerConsole, spaFallback } from './routes/console.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { aiEventsRoutes, type AiEventsOptions } from './routes/ai-events.js';
import { v1Routes } from './routes/index.js';
import { systemRoutes } from './routes/system.js';
import { apiDefaults, createServices, type ApiConfig, type ApiServices } from './services.js';
import type { WebhookSender } from './transport/webhook-sender.js';
import { attachWebSocketServer, type WsEndpoint } from './transport/ws-server.js';

/** What {@link buildApp} needs. Everything but `ctx` has a default. */
export interface AppDeps {
  ctx: DaemonContext;
  /** Shorthand for `config.bodyLimitBytes`. */
  bodyLimitBytes?: number;
  isDraining?: () => boolean;
  /** Extra readiness checks (name → check). */
  checks?: Map<string, ReadinessCheck>;
  /** Settings; missing ones take the `api` section's defaults. */
  config?: Partial<ApiConfig>;
  /** Prebuilt services (the daemon builds them); otherwise created here and closed with the app. */
  services?: ApiServices;
  redis?: RedisClientType | undefined;
  busPrefix?: string | undefined;
  dataDir?: string | undefined;
  passwordCost?: ScryptCost | undefined;
  webhookSender?: WebhookSender | undefined;
  /** Bus subscriptions and the webhook worker (default true). */
  background?: boolean | undefined;
  commandTimeoutMs?: number | undefined;
  /** Settings of `POST /ai/events` (the speech-to-text area's route); without secrets it answers 503. */
  aiEvents?: AiEventsOptions | undefined;
}

/** The built app, with its services and WebSocket endpoint. */
export type ApiApp = FastifyInstance & { readonly services: ApiServices; readonly ws: WsEndpoint; readonly routeTable: readonly RouteInfo[] };

/** One registered route, as tests and docs see it. */
export interface RouteInfo {
  method: string;
  url: string;
  auth: unknown;
}

const SECRET_QUERY = /([?&](?:token|access_token)=)[^&]*/g;

/** Builds the Fastify app without listening (tests use `inject()`; the daemon listens). */
export async function buildApp(deps: AppDeps): Promise<ApiApp> {
  const overrides: Partial<ApiConfig> = deps.bodyLimitBytes !== undefined ? { ...deps.config, bodyLimitBytes: deps.bodyLimitBytes } : { ...deps.config };
  const config = deps.services?.config ?? apiDefaults(apiSection, overrides);
  const services =
    deps.services ??
    (await createServices({
      ctx: deps.ctx,
      config,
      redis: deps.redis,
      busPrefix: deps.busPrefix,
      dataDir: deps.dataDir,
      passwordCost: deps.passwordCost,
      webhookSender: deps.webhookSender,
      background: deps.background,
      commandTimeoutMs: deps.commandTimeoutMs,
    }));
  const ownsServices = deps.services === undefined;
  const isDraining = deps.isDraining ?? (() => false);

  const logger = deps.ctx.log.child(
    { component: 'http' },
    {
      serializers: {
        req: (req: { method: string; url: string; ip?: string; id?: string }) => ({ method: req.method, url: req.url.replace(SECRET_QUERY, '$1[redacted]'), ip: req.ip }),
      },
    },
  );
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    forceCloseConnections: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routeTable: RouteInfo[] = [];
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) if (m !== 'HEAD') routeTable.push({ method: m, url: r.url, auth: r.config?.auth });
  });
  app.setErrorHandler(errorHandler);
  let hasConsole = false;
  app.setNotFoundHandler((req, reply) => {
    if (hasConsole && spaFallback(req)) return reply.sendFile('index.html');
    return reply.code(404).send({ error: new DialerError('DIALER_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`).toJSON() });
  });
  // The request id (the client's X-Request-Id, or a new one) goes back with the response and into every log line of the request.
  app.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    services.metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'not_found', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  await registerPlugins(app, config);
  registerAuth(app, { sessions: services.sessions, apiKeys: services.apiKeys });

  const startedAtMs = deps.ctx.clock.now();
  healthRoutes(app, {
    ctx: deps.ctx,
    startedAtMs,
    isDraining,
    checks: deps.checks ?? new Map(),
    heartbeats: services.heartbeats,
    requires: config.readyRequires,
    staleMs: config.heartbeatStaleS * 1000,
  });
  metricsRoutes(app, { metrics: services.metrics, token: config.metricsToken, wsClients: () => ws.clients });
  await app.register(v1Routes(services), { prefix: '/api/v1' });
  // GET /api/v1/system also reports this node's uptime and drain state, which only the app knows.
  await app.register(systemRoutes(services, { startedAtMs, isDraining }), { prefix: '/api/v1' });
  // Inbound AI events (the STT area's route) are registered on the next line.
  await aiEventsRoutes(app, { ctx: deps.ctx, ...deps.aiEvents });
  hasConsole = await registerConsole(app, config.consoleDir);

  const ws = attachWebSocketServer({
    server: app.server,
    path: '/api/v1/ws',
    hub: services.hub,
    sessions: services.sessions,
    store: deps.ctx.store,
    log: deps.ctx.log.child({ component: 'ws' }),
    heartbeatMs: 30_000,
    isDraining,
    onCount: (n) => services.metrics.wsClients.set(n),
    onDropped: (r) => services.metrics.wsDropped.inc({ reason: r }),
  });
  // Close WebSockets ("going away") before the HTTP server stops, so clients move to another node.
  app.addHook('preClose', async () => {
    await ws.close();
  });
  app.addHook('onClose', async () => {
    if (ownsServices) await services.close();
  });

  const out = app as unknown as ApiApp;
  Object.defineProperty(out, 'services', { value: services });
  Object.defineProperty(out, 'ws', { value: ws });
  Object.defineProperty(out, 'routeTable', { value: routeTable });
  return out;
}
