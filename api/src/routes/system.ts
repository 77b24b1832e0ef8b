import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fromJson } from '@dialer/core';
import { ADMIN_SUP, rule } from '../http/route-kit.js';
import { who } from '../http/auth-hook.js';
import { MsOrNull, replies, StrOrNull } from '../http/schemas.js';
import type { ApiServices } from '../services.js';

const NodeState = Type.Union([Type.Literal('up'), Type.Literal('draining'), Type.Literal('stale'), Type.Literal('unknown')], {
  description: '`up`; `draining` (shutting down); `stale` (3 heartbeats missed: dead or cut off); `unknown` (a controller without heartbeats, quiet for a while).',
});
const ErrorInfo = Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]);

const Gateway = Type.Object({
  gatewayId: Type.String(),
  nodeId: StrOrNull,
  address: Type.Union([Type.String(), Type.Null()], { description: 'The RTP address Asterisk is told (platform view only).' }),
  legs: Type.Integer(),
  maxLegs: Type.Integer(),
  draining: Type.Boolean(),
  state: NodeState,
  startedAtMs: Type.Integer(),
  lastSeenAgoMs: Type.Integer(),
});

const Server = Type.Object({
  id: Type.String(),
  nodeId: Type.String({ description: 'The controller that drives it.' }),
  url: Type.Union([Type.String(), Type.Null()], { description: 'ARI URL (platform view only).' }),
  state: Type.Union([Type.Literal('connected'), Type.Literal('disconnected'), Type.Literal('stale')], { description: '`stale` when its controller is.' }),
  synced: Type.Union([Type.Boolean(), Type.Null()]),
  asteriskId: StrOrNull,
  version: StrOrNull,
  sinceMs: MsOrNull,
  lastError: Type.Union([Type.String(), Type.Null()], { description: 'Why it is not connected (platform view only).' }),
  calls: Type.Union([Type.Integer(), Type.Null()]),
});

const Controller = Type.Object({
  nodeId: Type.String(),
  state: NodeState,
  heartbeat: Type.Boolean({ description: 'False: known only from its call and agent events (it publishes no ari.controller.heartbeat).' }),
  startedAtMs: MsOrNull,
  activeCalls: Type.Union([Type.Integer(), Type.Null()]),
  draining: Type.Boolean(),
  app: StrOrNull,
  servers: Type.Integer({ description: 'How many Asterisk servers it drives (see `asterisk`).' }),
  lastSeenAgoMs: Type.Integer(),
});

const SttProvider = Type.Object({
  provider: Type.String(),
  state: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down'), Type.Literal('unused')]),
  gateways: Type.Object({ ok: Type.Integer(), down: Type.Integer(), unused: Type.Integer() }),
  streams: Type.Integer(),
  downUntilMs: MsOrNull,
  lastErrorAtMs: MsOrNull,
  lastError: ErrorInfo,
});

const SystemBody = Type.Object({
  view: Type.Union([Type.Literal('platform'), Type.Literal('tenant')], {
    description: '`platform` for users of the platform tenant; other tenants get the same health without addresses, URLs or connection errors.',
  }),
  generatedAtMs: Type.Integer(),
  api: Type.Object({ nodeId: Type.String(), uptimeS: Type.Integer(), draining: Type.Boolean() }),
  db: Type.Object({ ok: Type.Boolean(), kind: Type.String(), location: StrOrNull, latencyMs: Type.Union([Type.Number(), Type.Null()]), error: StrOrNull }),
  bus: Type.Object({ ok: Type.Boolean(), kind: Type.String() }),
  controllers: Type.Array(Controller),
  asterisk: Type.Array(Server),
  gateways: Type.Array(Gateway),
  stt: Type.Array(SttProvider, { description: 'Providers as the live gateways report them (empty until gateways report speech-to-text health).' }),
});

/** What {@link systemRoutes} needs besides the services. */
export interface SystemRouteDeps {
  startedAtMs: number;
  isDraining: () => boolean;
}

/**
 * `GET /system`: every daemon and what they depend on, as this API node
 * hears it on the bus (gateway and controller heartbeats) plus its own
 * database and bus. For admins and supervisors; the infrastructure is shared
 * by every tenant, so only the platform tenant sees addresses and URLs.
 */
export function systemRoutes(s: ApiServices, deps: SystemRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const isPlatform = async (tenantId: string): Promise<boolean> => {
      const t = await s.ctx.store.db.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirst();
      return fromJson<{ platform?: boolean }>(t?.settings, {}).platform === true;
    };

    app.get(
      '/system',
      {
        config: rule(ADMIN_SUP, 'system:read'),
        schema: { tags: ['system'], summary: 'The daemons, Asterisk servers, media gateways, speech-to-text providers, database and bus', response: replies(SystemBody) },
      },
      async (req) => {
        const p = who(req);
        const platform = await isPlatform(p.tenantId);
        const now = s.ctx.clock.now();

        const t0 = performance.now();
        let dbError: string | null = null;
        try {
          await s.ctx.store.ping();
        } catch (err) {
          dbError = (err as Error).message;
        }
        const latencyMs = dbError === null ? Math.round((performance.now() - t0) * 10) / 10 : null;

        const gateways = s.system.gatewayViews();
        const controllers = s.system.controllerViews();
        const asterisk = controllers.flatMap((c) =>
          c.servers.map((sv: (typeof c.servers)[number]) => ({
            id: sv.id,
            nodeId: c.nodeId,
            url: platform ? sv.url : null,
            state: c.state === 'stale' ? ('stale' as const) : sv.connected ? ('connected' as const) : ('disconnected' as const),
            synced: sv.synced ?? null,
            asteriskId: sv.asteriskId ?? null,
            version: sv.version ?? null,
            sinceMs: sv.sinceMs ?? null,
            lastError: platform ? (sv.lastError ?? null) : null,
            calls: sv.calls ?? null,
          })),
        );
        return {
          view: platform ? ('platform' as const) : ('tenant' as const),
          generatedAtMs: now,
          api: { nodeId: s.ctx.nodeId, uptimeS: Math.round((now - deps.startedAtMs) / 1000), draining: deps.isDraining() },
          db: { ok: dbError === null, kind: s.ctx.store.dialect, location: platform ? s.ctx.store.location : null, latencyMs, error: platform ? dbError : dbError === null ? null : 'unavailable' },
          bus: { ok: s.ctx.bus.healthy(), kind: s.ctx.bus.kind },
          controllers: controllers.map((c) => ({
            nodeId: c.nodeId,
            state: c.state,
            heartbeat: c.heartbeat,
            startedAtMs: c.startedAtMs,
            activeCalls: c.activeCalls,
            draining: c.draining,
            app: c.app,
            servers: c.servers.length,
            lastSeenAgoMs: c.lastSeenAgoMs,
          })),
          asterisk,
          gateways: gateways.map((g) => ({
            gatewayId: g.gatewayId,
            nodeId: g.nodeId,
            address: platform ? g.address : null,
            legs: g.legs,
            maxLegs: g.maxLegs,
            draining: g.draining,
            state: g.state,
            startedAtMs: g.startedAtMs,
            lastSeenAgoMs: g.lastSeenAgoMs,
          })),
          stt: s.system.sttViews(gateways),
        };
      },
    );
  };
}
