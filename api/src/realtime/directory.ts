import type { Logger } from 'pino';
import type { Clock, Store } from '@dialer/core';

/**
 * Which team each agent is in, per tenant, cached for routing: the fan-out
 * path must not query the database per message. A tenant's map is loaded when
 * first needed and reloaded when older than `maxAgeMs` or invalidated.
 */
export class TeamDirectory {
  private readonly tenants = new Map<string, { teams: Map<string, string>; loadedAt: number; loading: boolean }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly maxAgeMs = 30_000,
  ) {}

  teamOfAgent(tenantId: string, agentId: string): string | undefined {
    const e = this.tenants.get(tenantId);
    if (!e || this.clock.now() - e.loadedAt > this.maxAgeMs) void this.load(tenantId);
    return e?.teams.get(agentId);
  }

  /** Loads (or reloads) a tenant's map now. */
  async load(tenantId: string): Promise<void> {
    let e = this.tenants.get(tenantId);
    if (e?.loading) return;
    if (!e) {
      e = { teams: new Map(), loadedAt: 0, loading: false };
      this.tenants.set(tenantId, e);
    }
    e.loading = true;
    try {
      const rows = await this.store.tenant(tenantId).selectFrom('agents').select(['id', 'team_id']).execute();
      const m = new Map<string, string>();
      for (const r of rows) if (r.team_id) m.set(r.id, r.team_id);
      e.teams = m;
      e.loadedAt = this.clock.now();
    } catch (err) {
      this.log.warn({ err, tenantId }, 'team directory load failed');
    } finally {
      e.loading = false;
    }
  }

  /** Marks a tenant's map stale (after an agent changed team on this node). */
  invalidate(tenantId: string): void {
    const e = this.tenants.get(tenantId);
    if (e) e.loadedAt = 0;
  }
}
