import { previewLeadOfCall, type Logger, type MessageData, type Store } from '@dialer/core';
import type { CampaignConfig } from './campaign-config.js';
import { applyCallOutcome } from './outcomes.js';

/**
 * Settles a call an agent dialled in preview mode (`POST
 * /campaigns/{id}/preview/dial`: a manual originate with the lead, whose lead
 * is reserved for the agent as `agent:<id>`): the campaign's compliance
 * counters, then the lead's recycling (busy, no answer, ...) exactly like a
 * paced call, or, when the customer reached the agent, the wait for the
 * agent's disposition. The node that paces the campaign does it, once.
 * Returns false when the call is not a preview dial.
 */
export async function settlePreviewCall(store: Store, log: Logger, cfg: CampaignConfig, d: MessageData<'call.ended'>, atMs: number): Promise<boolean> {
  if (d.direction !== 'manual' || d.leadId === undefined) return false;
  const leadId = Number(d.leadId);
  if (!Number.isInteger(leadId)) return false;
  const held = await previewLeadOfCall(store, cfg.tenantId, leadId);
  if (!held) return false;
  const connected = !d.abandoned && d.outcome === 'human' && (d.talkMs > 0 || d.agentId !== undefined);
  await applyCallOutcome(store, log, held.holder, cfg, {
    callId: d.callId,
    lead: held.lead,
    outcome: d.outcome,
    abandoned: d.abandoned,
    machine: d.outcome === 'machine',
    connected,
    talkMs: d.talkMs,
    waitMs: 0,
    atMs,
  });
  log.debug({ leadId, callId: d.callId, outcome: d.outcome }, 'preview call settled');
  return true;
}
