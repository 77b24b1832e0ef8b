import type { CallRecord } from './call-machine.js';

/** The facts of one ended call that go into its CDR, beyond the flow's record. */
export interface CdrContext {
  readonly callId: string;
  readonly campaignId?: string | null;
  readonly leadId?: number | null;
  readonly phone: string;
  readonly callerId?: string | null;
  readonly disposition?: string | null;
  readonly recordingId?: string | null;
  readonly hasTranscript?: boolean;
}

/** A CDR row (the `cdrs` table, without id and tenant). */
export interface CdrValues {
  call_id: string;
  campaign_id: string | null;
  lead_id: number | null;
  agent_id: string | null;
  direction: string;
  phone: string;
  caller_id: string | null;
  start_at: number;
  ring_at: number | null;
  answer_at: number | null;
  bridge_at: number | null;
  end_at: number;
  duration_ms: number;
  talk_ms: number;
  wait_ms: number | null;
  hangup_cause: number | null;
  hangup_cause_text: string | null;
  hangup_by: string | null;
  dial_status: string | null;
  outcome: string | null;
  amd_status: string | null;
  abandoned: number;
  disposition: string | null;
  recording_id: string | null;
  has_transcript: number;
  created_at: number;
}

/**
 * Builds the one CDR of an ended call: ring, answer, bridge and end times;
 * duration (start to end), talk (agent connect to end), wait (human answer
 * to agent); the hangup cause and who hung up; AMD result, outcome, agent,
 * disposition, recording and transcript links.
 */
export function buildCdr(call: CallRecord, ctx: CdrContext, nowMs: number): CdrValues {
  const end = call.endAtMs ?? nowMs;
  const connect = call.connectAtMs;
  return {
    call_id: ctx.callId,
    campaign_id: ctx.campaignId ?? null,
    lead_id: ctx.leadId ?? null,
    agent_id: call.agentId ?? null,
    direction: call.direction,
    phone: ctx.phone,
    caller_id: ctx.callerId ?? null,
    start_at: call.startedAtMs,
    ring_at: call.ringAtMs ?? null,
    answer_at: call.answerAtMs ?? null,
    bridge_at: connect ?? null,
    end_at: end,
    duration_ms: Math.max(0, end - call.startedAtMs),
    talk_ms: connect === undefined ? 0 : Math.max(0, end - connect),
    wait_ms: connect !== undefined && call.humanAtMs !== undefined ? Math.max(0, connect - call.humanAtMs) : null,
    hangup_cause: call.hangupCause ?? null,
    hangup_cause_text: call.hangupCauseText ?? null,
    hangup_by: call.hangupBy ?? null,
    dial_status: call.dialStatus ?? null,
    outcome: call.outcome ?? null,
    amd_status: call.amdResult ?? null,
    abandoned: call.abandoned ? 1 : 0,
    disposition: ctx.disposition ?? null,
    recording_id: ctx.recordingId ?? null,
    has_transcript: ctx.hasTranscript ? 1 : 0,
    created_at: nowMs,
  };
}
