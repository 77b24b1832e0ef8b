import type { FastifyInstance } from 'fastify';
import type { DaemonContext } from '@dialer/core';
import type { Component, HeartbeatTracker } from '../ops/heartbeats.js';

/** What readiness depends on; each check returns null when fine or a reason. */
export type ReadinessCheck = () => Promise<string | null>;

/** What {@link healthRoutes} needs. */
export interface HealthDeps {
  ctx: DaemonContext;
  startedAtMs: number;
  isDraining: () => boolean;
  checks: Map<string, ReadinessCheck>;
  heartbeats?: HeartbeatTracker;
  /** Components whose silence makes /ready fail (others are only reported). */
  requires?: readonly Component[];
  staleMs?: number;
}

/**
 * `/health` (the process is up) and `/ready` (it can serve: store, bus, each
 * registered check, and the last contact with Asterisk and the media gateway,
 * learned from their bus messages).
 */
export function healthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/health', { config: { auth: false } }, async () => ({
    status: 'ok',
    service: 'api',
    nodeId: deps.ctx.nodeId,
    uptimeS: Math.round((deps.ctx.clock.now() - deps.startedAtMs) / 1000),
  }));

  app.get('/ready', { config: { auth: false } }, async (_req, reply) => {
    const checks: Record<string, { ok: boolean; reason?: string; required?: boolean; lastContactAgoMs?: number }> = {};
    try {
      await deps.ctx.store.ping();
      checks['db'] = { ok: true };
    } catch (err) {
      checks['db'] = { ok: false, reason: (err as Error).message };
    }
    checks['bus'] = deps.ctx.bus.healthy() ? { ok: true } : { ok: false, reason: `${deps.ctx.bus.kind} bus not connected` };
    if (deps.heartbeats) {
      const staleMs = deps.staleMs ?? 15_000;
      for (const c of ['asterisk', 'gateway'] as const) {
        const age = deps.heartbeats.ageMs(c);
        const required = deps.requires?.includes(c) ?? false;
        if (age !== undefined && age <= staleMs) checks[c] = { ok: true, required, lastContactAgoMs: age };
        else
          checks[c] = {
            ok: false,
            required,
            reason: age === undefined ? 'no contact since this node started' : `no contact for ${Math.round(age / 1000)} s`,
            ...(age === undefined ? {} : { lastContactAgoMs: age }),
          };
      }
    }
    for (const [name, check] of deps.checks) {
      const reason = await check().catch((err: unknown) => (err as Error).message);
      checks[name] = reason === null ? { ok: true } : { ok: false, reason };
    }
    if (deps.isDraining()) checks['draining'] = { ok: false, reason: 'shutting down' };
    const ok = Object.values(checks).every((c) => c.ok || c.required === false);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks });
  });
}
