import type { FastifyRequest } from 'fastify';
import type { Role } from '@dialer/core';
import type { Scope } from '../auth/principal.js';
import { Access } from './access.js';
import { who } from './auth-hook.js';
import type { ApiServices } from '../services.js';

/** Role sets used by the route table. */
export const ANYONE: readonly Role[] = ['admin', 'supervisor', 'agent', 'developer'];
export const ADMIN: readonly Role[] = ['admin'];
export const ADMIN_DEV: readonly Role[] = ['admin', 'developer'];
export const ADMIN_SUP: readonly Role[] = ['admin', 'supervisor'];
export const STAFF: readonly Role[] = ['admin', 'supervisor', 'developer'];
export const OPERATORS: readonly Role[] = ['admin', 'supervisor', 'agent'];

/** A route's `config`: who may call it and which API-key scope it needs. */
export function rule(roles: readonly Role[], scope: Scope | null) {
  return { auth: { roles, scope } };
}

/** The request's principal, its tenant-scoped queries and its row visibility. */
export function scopeOf(req: FastifyRequest, s: ApiServices) {
  const p = who(req);
  const db = s.ctx.store.tenant(p.tenantId);
  return { p, db, access: new Access(p, db), now: s.ctx.clock.now() };
}
