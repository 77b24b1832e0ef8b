import { toJson, type CdrValues, type Store, type TenantInsert, type Logger } from '@dialer/core';
import type { Selectable, Updateable } from 'kysely';
import type { AgentSessionsTable, CallLegsTable, CallsTable } from '@dialer/core';

/** A call row, as read back (resync, adoption). */
export type CallRow = Selectable<CallsTable>;
/** A leg row. */
export type LegRow = Selectable<CallLegsTable>;
/** An agent session row. */
export type AgentSessionRow = Selectable<AgentSessionsTable>;

/**
 * Every write the controller makes, all through `store.tenant(id)`: calls,
 * their legs, exactly one CDR per call, agent sessions and the agent state log.
 * Writes of one call are chained so they land in order.
 */
export class CallRepository {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  /** Runs `fn` after the previous writes for `key`; failures are logged, never thrown at the flow. */
  private chain(key: string, what: string, fn: () => Promise<unknown>): Promise<void> {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev
      .then(fn)
      .then(() => undefined)
      .catch((err: unknown) => this.log.error({ err, key, what }, 'store write failed'));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  /** Resolves when every queued write has landed. */
  async flush(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  insertCall(tenantId: string, row: TenantInsert<'calls'>): Promise<void> {
    return this.chain(row.id, 'insert call', () => this.store.tenant(tenantId).insertInto('calls', row).execute());
  }

  /** Removes a call that never reached Asterisk (the originate could not be sent). */
  deleteCall(tenantId: string, callId: string): Promise<void> {
    return this.chain(callId, 'delete call', () => this.store.tenant(tenantId).deleteFrom('calls').where('id', '=', callId).execute());
  }

  updateCall(tenantId: string, callId: string, patch: Updateable<CallsTable>): Promise<void> {
    return this.chain(callId, 'update call', () => this.store.tenant(tenantId).updateTable('calls').set(patch).where('id', '=', callId).execute());
  }

  /** Ends a call: the row, the open legs, and the one CDR (a second CDR for the same call is ignored). */
  finishCall(tenantId: string, callId: string, patch: Updateable<CallsTable>, cdr: CdrValues, cdrId: string, nowMs: number): Promise<void> {
    return this.chain(callId, 'finish call', async () => {
      await this.store.db.transaction().execute(async (trx) => {
        const scope = this.store.tenant(tenantId).withDb(trx);
        await scope.updateTable('calls').set(patch).where('id', '=', callId).execute();
        await scope.updateTable('call_legs').set({ state: 'closed', closed_at: nowMs }).where('call_id', '=', callId).where('closed_at', 'is', null).execute();
        await scope
          .insertInto('cdrs', { id: cdrId, ...cdr })
          .onConflict((oc) => oc.column('call_id').doNothing())
          .execute();
      });
    });
  }

  /** Marks a call's recordings still `recording` as saved (resync: the controller was away when they ended). */
  closeRecordings(tenantId: string, callId: string, nowMs: number): Promise<void> {
    return this.chain(callId, 'close recordings', () =>
      this.store
        .tenant(tenantId)
        .updateTable('recordings')
        .set({ status: 'saved', ended_at: nowMs, updated_at: nowMs })
        .where('call_id', '=', callId)
        .where('status', '=', 'recording')
        .execute(),
    );
  }

  insertLeg(tenantId: string, row: TenantInsert<'call_legs'>): Promise<void> {
    return this.chain(row.call_id, 'insert leg', () => this.store.tenant(tenantId).insertInto('call_legs', row).execute());
  }

  updateLeg(tenantId: string, callId: string, legId: string, patch: Updateable<CallLegsTable>): Promise<void> {
    return this.chain(callId, 'update leg', () => this.store.tenant(tenantId).updateTable('call_legs').set(patch).where('id', '=', legId).execute());
  }

  /** Adds to a leg's recorded gap (audio lost while its gateway was replaced). */
  addLegGap(tenantId: string, callId: string, legId: string, gapMs: number, gatewayId: string): Promise<void> {
    return this.chain(callId, 'leg gap', async () => {
      const scope = this.store.tenant(tenantId);
      const row = await scope.selectFrom('call_legs').select(['gap_ms']).where('id', '=', legId).executeTakeFirst();
      await scope
        .updateTable('call_legs')
        .set({ gap_ms: (row?.gap_ms ?? 0) + gapMs, gateway_id: gatewayId })
        .where('id', '=', legId)
        .execute();
    });
  }

  /** Tenants (not tenant-owned), for resync scans done tenant by tenant. */
  async tenantIds(): Promise<string[]> {
    const rows = await this.store.db.selectFrom('tenants').select('id').execute();
    return rows.map((r) => r.id);
  }

  /** The calls a node still owns (not ended), of one tenant. */
  async liveCalls(tenantId: string, nodeId: string): Promise<CallRow[]> {
    return this.store.tenant(tenantId).selectFrom('calls').selectAll().where('node_id', '=', nodeId).where('state', '!=', 'ended').execute();
  }

  async legsOf(tenantId: string, callId: string): Promise<LegRow[]> {
    return this.store.tenant(tenantId).selectFrom('call_legs').selectAll().where('call_id', '=', callId).execute();
  }

  // --- agents ------------------------------------------------------------------

  /** Claims an agent's session for this node; false when another node holds it. */
  async claimSession(tenantId: string, row: Omit<AgentSessionRow, 'tenant_id'>, nodeId: string): Promise<boolean> {
    const scope = this.store.tenant(tenantId);
    const existing = await scope.selectFrom('agent_sessions').select(['node_id']).where('agent_id', '=', row.agent_id).executeTakeFirst();
    if (existing && existing.node_id !== nodeId) return false;
    if (existing) {
      await scope.updateTable('agent_sessions').set(row).where('agent_id', '=', row.agent_id).execute();
      return true;
    }
    const r = await scope
      .insertInto('agent_sessions', row)
      .onConflict((oc) => oc.column('agent_id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  updateSession(tenantId: string, agentId: string, patch: Updateable<AgentSessionsTable>): Promise<void> {
    return this.chain(`agent:${agentId}`, 'update agent session', () => this.store.tenant(tenantId).updateTable('agent_sessions').set(patch).where('agent_id', '=', agentId).execute());
  }

  deleteSession(tenantId: string, agentId: string): Promise<void> {
    return this.chain(`agent:${agentId}`, 'delete agent session', () => this.store.tenant(tenantId).deleteFrom('agent_sessions').where('agent_id', '=', agentId).execute());
  }

  async sessionsOf(tenantId: string, nodeId: string): Promise<AgentSessionRow[]> {
    return this.store.tenant(tenantId).selectFrom('agent_sessions').selectAll().where('node_id', '=', nodeId).execute();
  }

  /** Closes the agent's open state-log row and opens the new one. */
  logAgentState(tenantId: string, agentId: string, row: { id: string; state: string; reason: string | null; callId: string | null; campaignId: string | null; atMs: number }): Promise<void> {
    return this.chain(`agent:${agentId}`, 'agent state log', async () => {
      const scope = this.store.tenant(tenantId);
      await scope.updateTable('agent_state_log').set({ ended_at: row.atMs }).where('agent_id', '=', agentId).where('ended_at', 'is', null).execute();
      await scope
        .insertInto('agent_state_log', {
          id: row.id,
          agent_id: agentId,
          state: row.state,
          reason: row.reason,
          call_id: row.callId,
          campaign_id: row.campaignId,
          started_at: row.atMs,
          ended_at: null,
        })
        .execute();
    });
  }

  json(v: unknown): string {
    return toJson(v);
  }
}
