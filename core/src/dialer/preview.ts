import type { Selectable } from 'kysely';
import { DialerError } from '../errors/index.js';
import { campaignZones, claimDueCallbacks, claimLeads, openZones, recordAttempt, releaseLead, toClaimed, type ClaimedLead, type LeadOrder, type LeadRelease } from '../leads/hopper.js';
import { fromJson } from '../store/json.js';
import type { LeadsTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { localDayKey, parseCallWindow } from './call-window.js';
import { checkLeadAtDialTime, extendClaims, returnCallback, type DialCheckCampaign, type DialRefusal } from './dial-check.js';
import type { ConsumerCaps } from './recycling.js';

/** How long a previewed lead stays reserved for its agent before the hopper takes it back. */
export const PREVIEW_CLAIM_MS = 15 * 60_000;
/** How long the reservation lasts once the agent dialled it (the call's end or the disposition releases it sooner). */
export const PREVIEW_CALL_CLAIM_MS = 4 * 3_600_000;
/** A skipped lead is not offered again before this (to anyone): the agent gets another lead. */
export const PREVIEW_SKIP_HOLD_MS = 10 * 60_000;

/** The `claimed_by` of a lead an agent is looking at in preview (`agent:<agentId>`). */
export function previewHolder(agentId: string): string {
  return `agent:${agentId}`;
}

/** The `claimed_by` of a lead an agent dialled in preview, while its call is up (`agent-call:<agentId>`): it is no longer offered to preview. */
export function previewCallHolder(agentId: string): string {
  return `agent-call:${agentId}`;
}

/** The agent holding a lead in preview (shown or dialled), from its `claimed_by`; undefined for dialer nodes. */
export function previewAgentOf(claimedBy: string | null | undefined): string | undefined {
  const m = /^agent(?:-call)?:(.+)$/.exec(claimedBy ?? '');
  return m ? m[1] : undefined;
}

/** A lead shown to an agent in preview. */
export interface PreviewLead {
  lead: Selectable<LeadsTable>;
  /** The number that will be dialled (the lead's phone, or the alternate whose turn it is). */
  dialPhone: string;
  /** Set when a due callback brought the lead. */
  callback: { id: string; dueAt: number; notes: string | null; agentOnly: boolean } | null;
  reservedUntil: number;
}

interface PreviewCampaign extends DialCheckCampaign {
  leadOrder: LeadOrder;
  listMix: { listId: string; weight: number }[];
}

async function loadCampaign(store: Store, tenantId: string, campaignId: string, forDialing: boolean): Promise<PreviewCampaign> {
  const c = await store.tenant(tenantId).selectFrom('campaigns').selectAll().where('id', '=', campaignId).executeTakeFirst();
  if (!c) throw new DialerError('DIALER_ERR_NOT_FOUND', `campaign ${campaignId} not found`);
  if (forDialing && c.dial_mode !== 'preview') throw new DialerError('DIALER_ERR_CAMPAIGN_STATE', `campaign ${campaignId} does not dial in preview mode (${c.dial_mode})`);
  if (forDialing && c.status !== 'running') throw new DialerError('DIALER_ERR_CAMPAIGN_STATE', `campaign ${campaignId} is ${c.status}, not running`);
  const tenant = await store.db.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirst();
  const ts = fromJson<{ consumerCaps?: ConsumerCaps }>(tenant?.settings, {});
  const lists =
    c.lead_order === 'list_mix' && !c.list_mix
      ? await store.tenant(tenantId).selectFrom('lists').select(['id', 'mix_weight']).where('campaign_id', '=', campaignId).where('status', '=', 'active').execute()
      : [];
  return {
    tenantId,
    campaignId,
    window: parseCallWindow(fromJson<unknown>(c.call_window, {})),
    maxAttempts: c.max_attempts,
    maxAttemptsPerDay: c.max_attempts_per_day,
    consumerCaps: ts.consumerCaps ?? {},
    leadOrder: c.lead_order as LeadOrder,
    listMix: fromJson<{ listId: string; weight: number }[] | null>(c.list_mix, null) ?? lists.map((l) => ({ listId: l.id, weight: l.mix_weight })),
  };
}

async function heldLead(store: Store, tenantId: string, campaignId: string, holder: string, leadId?: number): Promise<Selectable<LeadsTable> | undefined> {
  let q = store.tenant(tenantId).selectFrom('leads').selectAll().where('campaign_id', '=', campaignId).where('claimed_by', '=', holder).where('status', '=', 'in_progress');
  if (leadId !== undefined) q = q.where('id', '=', leadId);
  return q.orderBy('updated_at', 'desc').executeTakeFirst();
}

async function callbackOf(store: Store, tenantId: string, leadId: number): Promise<PreviewLead['callback']> {
  const cb = await store.tenant(tenantId).selectFrom('callbacks').select(['id', 'due_at', 'notes', 'agent_id']).where('lead_id', '=', leadId).where('status', '=', 'dialing').executeTakeFirst();
  return cb ? { id: cb.id, dueAt: Number(cb.due_at), notes: cb.notes, agentOnly: cb.agent_id !== null } : null;
}

async function preview(store: Store, tenantId: string, row: Selectable<LeadsTable>, reservedUntil: number): Promise<PreviewLead> {
  const callback = await callbackOf(store, tenantId, Number(row.id));
  return { lead: row, dialPhone: toClaimed(row).dialPhone, callback, reservedUntil };
}

/** Input of the preview functions: the agent, the campaign, and the time. */
export interface PreviewInput {
  tenantId: string;
  campaignId: string;
  agentId: string;
  nowMs: number;
}

/**
 * The next lead for an agent of a preview campaign (running, `dial_mode =
 * preview`), reserved for that agent (`claimed_by = agent:<id>`) for
 * {@link PREVIEW_CLAIM_MS}. Due callbacks come first (the agent's own, or for
 * anyone), then the hopper's next lead (`claimLeads` with limit 1, in the
 * campaign's lead order and open zones). The lead passes the dial-time checks
 * (call window, attempt caps, DNC, consumer caps) before it is shown; leads
 * that fail them go back as the runner would put them back. An agent holds
 * one preview lead at a time: asking again returns the same lead.
 * Null when no lead is callable now.
 */
export async function nextPreviewLead(store: Store, input: PreviewInput & { claimMs?: number }): Promise<PreviewLead | null> {
  const c = await loadCampaign(store, input.tenantId, input.campaignId, true);
  const holder = previewHolder(input.agentId);
  const now = input.nowMs;
  const until = now + (input.claimMs ?? PREVIEW_CLAIM_MS);
  const held = await heldLead(store, input.tenantId, input.campaignId, holder);
  if (held) {
    await extendClaims(store, input.tenantId, holder, [Number(held.id)], until);
    return preview(store, input.tenantId, { ...held, claimed_until: until }, until);
  }
  const base = { tenantId: input.tenantId, campaignId: input.campaignId, nodeId: holder, nowMs: now, leaseMs: until - now, limit: 1 };
  let zones: { zones: string[]; includeUnknownZone: boolean } | undefined;
  // Each round claims one lead; those refused at dial time go back and the next is tried.
  for (let round = 0; round < 25; round++) {
    let lead = (await claimDueCallbacks(store, { ...base, readyAgentIds: [input.agentId] }))[0];
    if (!lead) {
      zones ??= openZones(c.window, await campaignZones(store, input.tenantId, input.campaignId), now);
      lead = (await claimLeads(store, { ...base, order: c.leadOrder, listMix: c.listMix, zones: zones.zones, includeUnknownZone: zones.includeUnknownZone }))[0];
    }
    if (!lead) return null;
    const refusal = await checkLeadAtDialTime(store, c, lead, now);
    if (refusal) {
      await giveBack(store, input.tenantId, holder, lead, refusal.release, now);
      continue;
    }
    const row = await heldLead(store, input.tenantId, input.campaignId, holder, lead.id);
    if (row) return preview(store, input.tenantId, row, until);
  }
  return null;
}

async function giveBack(store: Store, tenantId: string, holder: string, lead: ClaimedLead, release: LeadRelease, nowMs: number): Promise<void> {
  if (lead.callbackId) await returnCallback(store, tenantId, lead.callbackId, release, nowMs);
  await releaseLead(store, tenantId, holder, lead.id, release, nowMs);
}

async function mustHold(store: Store, input: PreviewInput & { leadId: number }): Promise<ClaimedLead> {
  const row = await heldLead(store, input.tenantId, input.campaignId, previewHolder(input.agentId), input.leadId);
  if (!row) throw new DialerError('DIALER_ERR_CONFLICT', `lead ${input.leadId} is not reserved for this agent; show the next lead`);
  const cb = await callbackOf(store, input.tenantId, input.leadId);
  return toClaimed(row, cb?.id);
}

/**
 * Skips the agent's preview lead: it goes back to the hopper (a callback stays
 * pending), not offered again for `holdMs` (default {@link PREVIEW_SKIP_HOLD_MS}),
 * so the next request brings another lead. DIALER_ERR_CONFLICT when the agent
 * does not hold that lead.
 */
export async function skipPreviewLead(store: Store, input: PreviewInput & { leadId: number; holdMs?: number }): Promise<{ leadId: number; nextCallAfter: number }> {
  await loadCampaign(store, input.tenantId, input.campaignId, false);
  const lead = await mustHold(store, input);
  const nextCallAfter = input.nowMs + (input.holdMs ?? PREVIEW_SKIP_HOLD_MS);
  const status: LeadRelease['status'] = lead.callbackId ? 'callback' : lead.attempts === 0 ? 'new' : 'callable';
  await giveBack(store, input.tenantId, previewHolder(input.agentId), lead, { status, nextCallAfter }, input.nowMs);
  return { leadId: lead.id, nextCallAfter };
}

const REFUSAL_ERRORS: Record<DialRefusal['reason'], [code: 'DIALER_ERR_CALL_WINDOW' | 'DIALER_ERR_DNC' | 'DIALER_ERR_VALIDATION', message: string]> = {
  call_window: ['DIALER_ERR_CALL_WINDOW', 'outside the calling window for this lead'],
  dnc: ['DIALER_ERR_DNC', 'the number is on a do-not-call list'],
  attempts: ['DIALER_ERR_VALIDATION', 'the lead has reached its attempt limit'],
  day_attempts: ['DIALER_ERR_VALIDATION', 'the lead has reached its attempts for today'],
  consumer_cap: ['DIALER_ERR_VALIDATION', 'the number has reached its calls across campaigns for now'],
};

/** A preview lead cleared for dialling. */
export interface PreviewDial {
  leadId: number;
  phone: string;
  /** The lead's local day, for {@link recordPreviewDial}. */
  dayKey: string;
}

/**
 * Clears the agent's preview lead for dialling: the agent must hold it, the
 * campaign must still be a running preview campaign, and the dial-time checks
 * run again (the agent may have looked at it for minutes). A refused lead goes
 * back to the hopper and the refusal is thrown as a coded error
 * (DIALER_ERR_DNC, DIALER_ERR_CALL_WINDOW, DIALER_ERR_VALIDATION for caps).
 */
export async function preparePreviewDial(store: Store, input: PreviewInput & { leadId: number }): Promise<PreviewDial> {
  const c = await loadCampaign(store, input.tenantId, input.campaignId, true);
  const lead = await mustHold(store, input);
  const refusal = await checkLeadAtDialTime(store, c, lead, input.nowMs);
  if (refusal) {
    await giveBack(store, input.tenantId, previewHolder(input.agentId), lead, refusal.release, input.nowMs);
    const [code, message] = REFUSAL_ERRORS[refusal.reason];
    throw new DialerError(code, `Dial refused: ${message}`, { details: { leadId: lead.id, reason: refusal.reason } });
  }
  return { leadId: lead.id, phone: lead.dialPhone, dayKey: localDayKey(lead, c.window, input.nowMs) };
}

/**
 * Records a preview dial once the call controller placed the call: one
 * attempt on the lead, and the reservation moved to the call
 * ({@link previewCallHolder}, for {@link PREVIEW_CALL_CLAIM_MS}), so the lead
 * is not shown or dialled again while the call is up. The call's end
 * (recycling) or the agent's disposition releases the lead.
 */
export async function recordPreviewDial(store: Store, input: PreviewInput & { dial: PreviewDial }): Promise<void> {
  await recordAttempt(store, input.tenantId, input.dial.leadId, input.dial.dayKey, input.nowMs);
  await store
    .tenant(input.tenantId)
    .updateTable('leads')
    .set({ claimed_by: previewCallHolder(input.agentId), claimed_until: input.nowMs + PREVIEW_CALL_CLAIM_MS, updated_at: input.nowMs })
    .where('id', '=', input.dial.leadId)
    .where('claimed_by', '=', previewHolder(input.agentId))
    .where('status', '=', 'in_progress')
    .execute();
}

/**
 * A lead an agent dialled in preview, as the dialer settles its call: the
 * claimed lead as it was before this call (the attempt counted at dial time
 * taken off again; a call that ended before the API recorded its attempt has
 * none to take off), the callback that brought it, and its holder. Undefined
 * when the lead is not held in preview.
 */
export async function previewLeadOfCall(store: Store, tenantId: string, leadId: number): Promise<{ lead: ClaimedLead; holder: string } | undefined> {
  const row = await store.tenant(tenantId).selectFrom('leads').selectAll().where('id', '=', leadId).where('status', '=', 'in_progress').executeTakeFirst();
  if (!row || !previewAgentOf(row.claimed_by)) return undefined;
  const cb = await callbackOf(store, tenantId, leadId);
  const lead = toClaimed(row, cb?.id);
  const counted = row.claimed_by!.startsWith('agent-call:') ? 1 : 0;
  return { lead: { ...lead, attempts: Math.max(0, lead.attempts - counted), dayAttempts: Math.max(0, lead.dayAttempts - counted) }, holder: row.claimed_by! };
}
