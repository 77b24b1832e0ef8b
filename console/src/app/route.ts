/** The console's pages, addressed by the URL hash (`#/agent`, `#/admin/lists`). */
export type Route =
  | { page: 'agent' }
  | { page: 'wallboard' }
  | { page: 'admin'; section: AdminSection };

export const ADMIN_SECTIONS = ['campaigns', 'lists', 'users', 'agents', 'dnc', 'dispositions', 'webhooks', 'api-keys'] as const;
export type AdminSection = (typeof ADMIN_SECTIONS)[number];

/** Parses a hash; unknown hashes give undefined (the app picks the role's home page). */
export function parseRoute(hash: string): Route | undefined {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'agent') return { page: 'agent' };
  if (parts[0] === 'wallboard') return { page: 'wallboard' };
  if (parts[0] === 'admin') {
    const section = (ADMIN_SECTIONS as readonly string[]).includes(parts[1] ?? '') ? (parts[1] as AdminSection) : 'campaigns';
    return { page: 'admin', section };
  }
  return undefined;
}

export function routeHash(r: Route): string {
  return r.page === 'admin' ? `#/admin/${r.section}` : `#/${r.page}`;
}

/** The pages a role may open. */
export function allowedPages(role: string): Route['page'][] {
  switch (role) {
    case 'agent':
      return ['agent'];
    case 'supervisor':
      return ['wallboard', 'admin'];
    case 'admin':
      return ['wallboard', 'admin'];
    default:
      return ['admin'];
  }
}

/** The route a role lands on when the hash is missing or not allowed. */
export function homeRoute(role: string, wanted: Route | undefined): Route {
  const allowed = allowedPages(role);
  if (wanted && allowed.includes(wanted.page)) return wanted;
  const first = allowed[0]!;
  return first === 'admin' ? { page: 'admin', section: role === 'developer' ? 'api-keys' : 'campaigns' } : ({ page: first } as Route);
}
