import {
  completeCallback,
  nextLocalDayStart,
  recordCallResult,
  recycleAfter,
  releaseLead,
  type CallOutcome,
  type ClaimedLead,
  type Logger,
  type Store,
} from '@dialer/core';
import type { CampaignConfig } from './campaign-config.js';

/** How a dialled call ended, as the dialer records it. */
export interface FinishedCall {
  callId: string;
  lead: ClaimedLead;
  outcome: CallOutcome;
  abandoned: boolean;
  /** AMD said machine. */
  machine: boolean;
  /** A live person reached an agent. */
  connected: boolean;
  talkMs: number;
  waitMs: number;
  atMs: number;
}

/** A lead whose call reached an agent waits this long for the agent's disposition before it may be dialled again. */
export const AWAIT_DISPOSITION_MS = 24 * 3_600_000;

/**
 * Applies a finished call to its lead and to the campaign's compliance
 * counters: a call that reached an agent waits for the disposition (which
 * decides); any other outcome goes through the campaign's recycling rules and
 * attempt caps. The lead is released only if this node still holds it (a
 * disposition may already have settled it).
 */
export async function applyCallOutcome(store: Store, log: Logger, nodeId: string, cfg: CampaignConfig, call: FinishedCall): Promise<void> {
  const human = call.outcome === 'human' || call.abandoned;
  await recordCallResult(store, {
    tenantId: cfg.tenantId,
    campaignId: cfg.campaignId,
    atMs: call.atMs,
    human,
    machine: call.machine,
    abandoned: call.abandoned,
    talkMs: call.talkMs,
    waitMs: call.waitMs,
    zone: cfg.reportZone,
    amdFalsePositiveShare: cfg.amdFalsePositiveShare,
  });
  if (call.lead.callbackId) await completeCallback(store, cfg.tenantId, call.lead.callbackId, call.atMs);

  if (call.connected && !call.abandoned) {
    await releaseLead(store, cfg.tenantId, nodeId, call.lead.id, { status: 'callable', nextCallAfter: call.atMs + AWAIT_DISPOSITION_MS }, call.atMs);
    return;
  }
  const outcome: CallOutcome = call.abandoned ? 'abandoned' : call.outcome;
  const previous = await store
    .tenant(cfg.tenantId)
    .selectFrom('calls')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('lead_id', '=', call.lead.id)
    .where('outcome', '=', outcome)
    .where('id', '!=', call.callId)
    .executeTakeFirst();
  const lead = call.lead;
  const decision = recycleAfter(
    cfg.recycle,
    {
      attempts: lead.attempts + 1,
      dayAttempts: lead.dayAttempts + 1,
      outcomeAttempts: Number(previous?.n ?? 0) + 1,
      phoneIndex: lead.phoneIndex,
      phoneCount: 1 + lead.altPhones.length,
    },
    outcome,
    call.atMs,
    nextLocalDayStart(lead, cfg.window, call.atMs),
  );
  const released = await releaseLead(
    store,
    cfg.tenantId,
    nodeId,
    lead.id,
    { status: decision.status, nextCallAfter: decision.nextCallAfter, phoneIndex: decision.phoneIndex, disposition: `auto:${outcome}` },
    call.atMs,
  );
  if (!released) log.debug({ leadId: lead.id, callId: call.callId }, 'lead already settled; recycling skipped');
}
