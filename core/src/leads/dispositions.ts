import { DialerError } from '../errors/index.js';
import { newId } from '../ids.js';
import type { Store } from '../store/store.js';
import { dncScopeKey } from './db.js';

/** Input of {@link applyDisposition}. */
export interface DispositionInput {
  tenantId: string;
  callId: string;
  /** A code of the campaign's disposition set. */
  code: string;
  agentId?: string | null;
  notes?: string | null;
  /** Required for callback dispositions. */
  callbackAtMs?: number;
  /** Callback for this agent only, or anyone (default: the disposition's `callback_scope`, else `anyone`). */
  callbackScope?: 'agent' | 'anyone';
  /** Where a DNC disposition adds the number (default `tenant`). */
  dncScope?: 'tenant' | 'campaign';
  nowMs: number;
}

/** What a disposition did. */
export interface DispositionResult {
  callId: string;
  leadId: number | null;
  campaignId: string | null;
  code: string;
  leadStatus: string | null;
  nextCallAfterMs: number | null;
  callbackId: string | null;
  dncAdded: boolean;
  sale: boolean;
  human: boolean;
}

/**
 * Disposes of a call: records the code (and notes) on the call and its CDR,
 * and applies what the code means to the lead, in one transaction:
 * DNC (adds the number to the tenant's or campaign's DNC list; the lead is
 * `dnc`), callback (a callback for the agent or anyone at `callbackAtMs`; the
 * lead is `callback`), final (the lead is `done`) or recyclable (the lead is
 * dialled again after the code's `recycle_delay_s`, default 1 h).
 */
export async function applyDisposition(store: Store, input: DispositionInput): Promise<DispositionResult> {
  return store.db.transaction().execute(async (trx) => {
    const scope = store.tenant(input.tenantId).withDb(trx);
    const call = await scope
      .selectFrom('calls')
      .select(['id', 'campaign_id', 'lead_id', 'phone', 'agent_id'])
      .where('id', '=', input.callId)
      .executeTakeFirst();
    if (!call) throw new DialerError('DIALER_ERR_NOT_FOUND', `call ${input.callId} not found`);
    let setId: string | null = null;
    if (call.campaign_id) {
      const c = await scope.selectFrom('campaigns').select('disposition_set_id').where('id', '=', call.campaign_id).executeTakeFirst();
      setId = c?.disposition_set_id ?? null;
    }
    if (!setId) throw new DialerError('DIALER_ERR_VALIDATION', 'the call\'s campaign has no disposition set');
    const d = await scope.selectFrom('dispositions').selectAll().where('set_id', '=', setId).where('code', '=', input.code).executeTakeFirst();
    if (!d) throw new DialerError('DIALER_ERR_VALIDATION', `unknown disposition ${input.code}`, { details: { code: input.code } });
    if (d.is_callback === 1 && (input.callbackAtMs === undefined || input.callbackAtMs <= input.nowMs)) {
      throw new DialerError('DIALER_ERR_VALIDATION', `disposition ${input.code} needs a callback time in the future`);
    }

    const notes = input.notes ?? null;
    await scope.updateTable('calls').set({ disposition: d.code, notes, updated_at: input.nowMs }).where('id', '=', call.id).execute();
    await scope.updateTable('cdrs').set({ disposition: d.code }).where('call_id', '=', call.id).execute();

    const result: DispositionResult = {
      callId: call.id,
      leadId: call.lead_id,
      campaignId: call.campaign_id,
      code: d.code,
      leadStatus: null,
      nextCallAfterMs: null,
      callbackId: null,
      dncAdded: false,
      sale: d.is_sale === 1,
      human: d.is_human === 1,
    };

    if (d.is_dnc === 1) {
      const dncScope = input.dncScope === 'campaign' && call.campaign_id ? 'campaign' : 'tenant';
      const campaignId = dncScope === 'campaign' ? call.campaign_id : null;
      await trx
        .insertInto('dnc')
        .values({
          id: newId(input.nowMs),
          tenant_id: input.tenantId,
          scope: dncScope,
          campaign_id: campaignId,
          scope_key: dncScopeKey(dncScope, input.tenantId, campaignId),
          phone: call.phone,
          is_prefix: 0,
          source: 'disposition',
          reason: d.code,
          created_by: input.agentId ?? null,
          expires_at: null,
          created_at: input.nowMs,
        })
        .onConflict((oc) => oc.columns(['scope_key', 'phone']).doNothing())
        .execute();
      result.dncAdded = true;
    }

    if (call.lead_id !== null) {
      let status: string;
      let next: number | null = null;
      if (d.is_dnc === 1) status = 'dnc';
      else if (d.is_callback === 1) {
        status = 'callback';
        next = input.callbackAtMs!;
        const cbScope = input.callbackScope ?? (d.callback_scope === 'agent' ? 'agent' : 'anyone');
        const agentId = cbScope === 'agent' ? (input.agentId ?? call.agent_id) : null;
        if (cbScope === 'agent' && !agentId) throw new DialerError('DIALER_ERR_VALIDATION', 'an agent-only callback needs the agent');
        // One pending callback per lead: a new one replaces the old.
        await scope
          .updateTable('callbacks')
          .set({ status: 'cancelled', updated_at: input.nowMs })
          .where('lead_id', '=', call.lead_id)
          .where('status', '=', 'pending')
          .execute();
        const id = newId(input.nowMs);
        await scope
          .insertInto('callbacks', {
            id,
            lead_id: call.lead_id,
            campaign_id: call.campaign_id!,
            agent_id: agentId,
            scope: cbScope,
            due_at: input.callbackAtMs!,
            notes,
            created_by: input.agentId ?? null,
            created_at: input.nowMs,
            updated_at: input.nowMs,
          })
          .execute();
        result.callbackId = id;
      } else if (d.is_final === 1) status = 'done';
      else {
        status = 'callable';
        next = input.nowMs + (d.recycle_delay_s ?? 3600) * 1000;
      }
      const set: Record<string, unknown> = { status, disposition: d.code, claimed_by: null, claimed_until: null, updated_at: input.nowMs };
      if (next !== null) set['next_call_after'] = next;
      await scope.updateTable('leads').set(set as never).where('id', '=', call.lead_id).execute();
      result.leadStatus = status;
      result.nextCallAfterMs = next;
    }
    return result;
  });
}

/** Input of {@link scheduleCallback}. */
export interface CallbackInput {
  tenantId: string;
  leadId: number;
  campaignId: string;
  dueAtMs: number;
  /** Set for an agent-only callback. */
  agentId?: string | null;
  notes?: string | null;
  createdBy?: string | null;
  nowMs: number;
}

/** Schedules a callback directly (outside a disposition); replaces the lead's pending one. */
export async function scheduleCallback(store: Store, input: CallbackInput): Promise<string> {
  if (input.dueAtMs <= input.nowMs) throw new DialerError('DIALER_ERR_VALIDATION', 'a callback must be in the future');
  return store.db.transaction().execute(async (trx) => {
    const scope = store.tenant(input.tenantId).withDb(trx);
    const lead = await scope.selectFrom('leads').select(['id', 'status']).where('id', '=', input.leadId).executeTakeFirst();
    if (!lead) throw new DialerError('DIALER_ERR_NOT_FOUND', `lead ${input.leadId} not found`);
    if (lead.status === 'dnc') throw new DialerError('DIALER_ERR_DNC', `lead ${input.leadId} is on a DNC list`);
    await scope.updateTable('callbacks').set({ status: 'cancelled', updated_at: input.nowMs }).where('lead_id', '=', input.leadId).where('status', '=', 'pending').execute();
    const id = newId(input.nowMs);
    await scope
      .insertInto('callbacks', {
        id,
        lead_id: input.leadId,
        campaign_id: input.campaignId,
        agent_id: input.agentId ?? null,
        scope: input.agentId ? 'agent' : 'anyone',
        due_at: input.dueAtMs,
        notes: input.notes ?? null,
        created_by: input.createdBy ?? null,
        created_at: input.nowMs,
        updated_at: input.nowMs,
      })
      .execute();
    await scope
      .updateTable('leads')
      .set({ status: 'callback', next_call_after: input.dueAtMs, updated_at: input.nowMs })
      .where('id', '=', input.leadId)
      .where('status', '!=', 'in_progress')
      .execute();
    return id;
  });
}

/** Cancels a pending callback; false when there was none. */
export async function cancelCallback(store: Store, tenantId: string, callbackId: string, nowMs: number): Promise<boolean> {
  const r = await store
    .tenant(tenantId)
    .updateTable('callbacks')
    .set({ status: 'cancelled', updated_at: nowMs })
    .where('id', '=', callbackId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Callbacks of a campaign or agent, soonest first. */
export async function listCallbacks(
  store: Store,
  tenantId: string,
  filter: { campaignId?: string; agentId?: string; status?: string; dueBeforeMs?: number; limit?: number } = {},
) {
  let q = store.tenant(tenantId).selectFrom('callbacks').selectAll();
  if (filter.campaignId) q = q.where('campaign_id', '=', filter.campaignId);
  if (filter.agentId) q = q.where('agent_id', '=', filter.agentId);
  q = q.where('status', '=', filter.status ?? 'pending');
  if (filter.dueBeforeMs !== undefined) q = q.where('due_at', '<=', filter.dueBeforeMs);
  return q.orderBy('due_at').limit(Math.min(1000, filter.limit ?? 100)).execute();
}
