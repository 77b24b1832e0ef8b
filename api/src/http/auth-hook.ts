import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DialerError, type Role } from '@dialer/core';
import { looksLikeApiKey, type ApiKeyAuthenticator } from '../auth/api-keys.js';
import { hasScope, type Principal, type Scope } from '../auth/principal.js';
import type { SessionService } from '../auth/sessions.js';

/** Who may call a route: the roles, and the scope an API key needs. */
export interface RouteAuth {
  roles: readonly Role[];
  /** The API-key scope needed; null when any valid key of an allowed role will do (e.g. `GET /auth/me`). */
  scope: Scope | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Access rule of the route; `false` for public routes. Routes that say nothing are refused (fail closed). */
    auth?: RouteAuth | false;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** The bearer credential of a request: `Authorization: Bearer <token|key>` or `X-API-Key: <key>`. */
export function credentialOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (m) return m[1];
  }
  const k = req.headers['x-api-key'];
  return typeof k === 'string' && k.length > 0 ? k : undefined;
}

/**
 * Authenticates every request whose route declares `config.auth`, before the
 * body is read: a bearer access token or an API key, then the route's roles
 * and, for API keys, its scope.
 */
export function registerAuth(app: FastifyInstance, deps: { sessions: SessionService; apiKeys: ApiKeyAuthenticator }): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.url === undefined) return; // 404: the not-found handler answers
    const spec = req.routeOptions.config.auth;
    if (spec === false) return;
    if (spec === undefined) {
      // Everything under /api/v1 must say who may call it; the docs, health and console are public.
      if (req.routeOptions.url.startsWith('/api/v1')) throw new DialerError('DIALER_ERR_FORBIDDEN', 'route declares no access rule');
      return;
    }
    const cred = credentialOf(req);
    if (!cred) throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'send Authorization: Bearer <access token or API key>');
    const p = looksLikeApiKey(cred) ? await deps.apiKeys.authenticate(cred) : deps.sessions.principalOfAccessToken(cred);
    if (!spec.roles.includes(p.role)) throw new DialerError('DIALER_ERR_FORBIDDEN', `role ${p.role} may not ${req.method} ${req.routeOptions.url}`);
    if (spec.scope !== null && !hasScope(p, spec.scope)) throw new DialerError('DIALER_ERR_FORBIDDEN', `API key lacks scope ${spec.scope}`);
    req.principal = p;
  });
}

/** The authenticated principal of a route with an access rule. */
export function who(req: FastifyRequest): Principal {
  if (!req.principal) throw new DialerError('DIALER_ERR_UNAUTHORIZED');
  return req.principal;
}
