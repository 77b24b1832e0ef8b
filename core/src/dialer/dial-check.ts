import { sql } from 'kysely';
import { checkDnc } from '../leads/dnc.js';
import type { ClaimedLead, LeadRelease } from '../leads/hopper.js';
import type { Store } from '../store/store.js';
import { isInCallWindow, localDayKey, nextCallWindowOpen, nextLocalDayStart, type CallWindow } from './call-window.js';
import { consumerCapReached, type ConsumerCaps } from './recycling.js';

/** What the dial-time checks need to know about a campaign. */
export interface DialCheckCampaign {
  tenantId: string;
  campaignId: string;
  window: CallWindow;
  maxAttempts: number;
  maxAttemptsPerDay: number;
  /** Calls to one number across the tenant's campaigns (tenant settings). */
  consumerCaps: ConsumerCaps;
}

/** Why a claimed lead may not be dialled now, and how to give it back. */
export interface DialRefusal {
  reason: 'call_window' | 'attempts' | 'day_attempts' | 'dnc' | 'consumer_cap';
  release: LeadRelease;
}

/**
 * The checks made on a claimed lead just before it is dialled, because the
 * hopper's filter is coarse and things change after a claim: the exact call
 * window with state rules (luxon, DST), the attempt caps (total and per local
 * day), the DNC lists (they change after import) and the consumer caps.
 * Returns null when the lead may be dialled, else the refusal with the release
 * that puts it back (a closed window: at its next opening).
 */
export async function checkLeadAtDialTime(store: Store, c: DialCheckCampaign, lead: ClaimedLead, nowMs: number): Promise<DialRefusal | null> {
  const later: LeadRelease['status'] = lead.callbackId ? 'callback' : 'callable';
  if (!isInCallWindow(c.window, lead, nowMs)) {
    const next = nextCallWindowOpen(c.window, lead, nowMs);
    return { reason: 'call_window', release: next === null ? { status: 'done' } : { status: later, nextCallAfter: next } };
  }
  if (lead.attempts >= c.maxAttempts) return { reason: 'attempts', release: { status: 'done' } };
  if (lead.dayKey === localDayKey(lead, c.window, nowMs) && lead.dayAttempts >= c.maxAttemptsPerDay) {
    return { reason: 'day_attempts', release: { status: later, nextCallAfter: nextLocalDayStart(lead, c.window, nowMs) } };
  }
  if (await checkDnc(store, { tenantId: c.tenantId, campaignId: c.campaignId, nowMs }, lead.dialPhone)) return { reason: 'dnc', release: { status: 'dnc' } };
  if (c.consumerCaps.perDay !== undefined || c.consumerCaps.perWeek !== undefined) {
    const count = async (sinceMs: number): Promise<number> =>
      Number(
        (
          await store
            .tenant(c.tenantId)
            .selectFrom('calls')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('phone', '=', lead.dialPhone)
            .where('created_at', '>=', sinceMs)
            .executeTakeFirst()
        )?.n ?? 0,
      );
    if (consumerCapReached(c.consumerCaps, { lastDay: await count(nowMs - 86_400_000), lastWeek: await count(nowMs - 7 * 86_400_000) })) {
      return { reason: 'consumer_cap', release: { status: later, nextCallAfter: nowMs + 86_400_000 } };
    }
  }
  return null;
}

/**
 * Gives back the callback that brought a lead when the lead is not dialled:
 * pending again (due when the lead may be called next), or cancelled when the
 * lead will not be called any more.
 */
export async function returnCallback(store: Store, tenantId: string, callbackId: string, release: LeadRelease, nowMs: number): Promise<void> {
  const alive = release.status === 'callback' || release.status === 'callable' || release.status === 'new';
  await store
    .tenant(tenantId)
    .updateTable('callbacks')
    .set(alive ? { status: 'pending', updated_at: nowMs, ...(release.nextCallAfter !== undefined ? { due_at: release.nextCallAfter } : {}) } : { status: 'cancelled', updated_at: nowMs })
    .where('id', '=', callbackId)
    .where('status', '=', 'dialing')
    .execute();
}

/** Keeps the claims of leads a node is still working on (calls in progress) from expiring. */
export async function extendClaims(store: Store, tenantId: string, holder: string, leadIds: readonly number[], untilMs: number): Promise<void> {
  if (leadIds.length === 0) return;
  await sql`update leads set claimed_until = ${untilMs}
    where tenant_id = ${tenantId} and claimed_by = ${holder} and status = 'in_progress' and id in (${sql.join(leadIds.map((id) => sql`${id}`))})`.execute(store.db);
}
