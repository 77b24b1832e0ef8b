import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { DialerError } from '@dialer/core';
import type { ApiMetrics } from '../ops/metrics.js';

/** `GET /metrics` in the Prometheus text format; optionally behind a bearer token. */
export function metricsRoutes(app: FastifyInstance, deps: { metrics: ApiMetrics; token?: string | undefined; wsClients: () => number }): void {
  const expected = deps.token ? Buffer.from(`Bearer ${deps.token}`) : undefined;
  app.get('/metrics', { config: { auth: false } }, async (req, reply) => {
    if (expected) {
      const given = Buffer.from(String(req.headers.authorization ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'metrics need the metrics token');
    }
    deps.metrics.wsClients.set(deps.wsClients());
    const body = await deps.metrics.text();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
}
