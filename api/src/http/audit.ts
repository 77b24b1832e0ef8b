import type { FastifyRequest } from 'fastify';
import { newId, toJson, type TenantScope } from '@dialer/core';
import { actorOf, type Principal } from '../auth/principal.js';

/** Writes one audit row for a change made through the API. Secrets must be left out of `before`/`after` by the caller. */
export async function audit(
  db: TenantScope,
  req: FastifyRequest,
  p: Principal,
  e: { action: string; entity: string; entityId: string | number | null; before?: unknown; after?: unknown; now: number },
): Promise<void> {
  await db
    .insertInto('audit_log', {
      id: newId(e.now),
      ...actorOf(p),
      action: e.action,
      entity: e.entity,
      entity_id: e.entityId === null ? null : String(e.entityId),
      before: e.before === undefined ? null : toJson(e.before),
      after: e.after === undefined ? null : toJson(e.after),
      ip: req.ip,
      request_id: req.id,
      created_at: e.now,
    })
    .execute();
}
