import type { Role } from '@dialer/core';

/** Every role, in the order the docs list them. */
export const ROLES: readonly Role[] = ['admin', 'supervisor', 'agent', 'developer'];

/**
 * API-key scopes: `<resource>:read` or `<resource>:write` (write implies
 * read), or `*` for everything the key's role allows.
 */
export const SCOPE_RESOURCES = [
  'tenants',
  'users',
  'api_keys',
  'teams',
  'agents',
  'campaigns',
  'leads',
  'dnc',
  'dispositions',
  'callbacks',
  'calls',
  'cdrs',
  'transcripts',
  'recordings',
  'webhooks',
  'audit',
  'stats',
  'system',
] as const;
export type ScopeResource = (typeof SCOPE_RESOURCES)[number];
export type Scope = `${ScopeResource}:${'read' | 'write'}` | '*';

/** Every valid scope string. */
export const ALL_SCOPES: readonly Scope[] = ['*', ...SCOPE_RESOURCES.flatMap((r) => [`${r}:read`, `${r}:write`] as Scope[])];

/** Who is calling: a logged-in user or an API key, always inside one tenant. */
export interface Principal {
  readonly kind: 'user' | 'api_key';
  readonly tenantId: string;
  readonly role: Role;
  /** The user (for an API key: the user who owns it, if any). */
  readonly userId: string | null;
  /** Set for API keys. */
  readonly apiKeyId: string | null;
  /** The agent row of an agent user. */
  readonly agentId: string | null;
  /** API-key scopes; users have `*`. */
  readonly scopes: ReadonlySet<string>;
}

/** True when the principal's scopes allow `needed`. */
export function hasScope(p: Principal, needed: Scope): boolean {
  if (p.scopes.has('*') || p.scopes.has(needed)) return true;
  if (needed.endsWith(':read')) return p.scopes.has(`${needed.slice(0, -5)}:write`);
  return false;
}

/** The id written to `audit_log.actor_id`. */
export function actorOf(p: Principal): { actor_type: string; actor_id: string | null } {
  return p.kind === 'api_key' ? { actor_type: 'api_key', actor_id: p.apiKeyId } : { actor_type: 'user', actor_id: p.userId };
}
