import type { CallOutcome } from '@dialer/core';

/**
 * The boundary between the dialer service (which decides whom to call and
 * how many lines to dial) and the call flows (which run calls on Asterisk).
 * The dialer owns this file; the call-flow side implements these ports.
 * Call progress comes back as bus messages (`call.ringing`, `call.answered`,
 * `call.amd`, `call.connected`, `call.ended`, `agent.state`) carrying
 * `campaignId` and `leadId`.
 */

/** One outbound call the dialer wants placed. */
export interface DialRequest {
  readonly tenantId: string;
  readonly campaignId: string;
  readonly leadId: number;
  /** E.164, already checked against DNC and the call window at dial time. */
  readonly phone: string;
  readonly callerId?: string;
  readonly ringTimeoutS: number;
  /** Run answering-machine detection after answer. */
  readonly amd: boolean;
  /** `hangup`, `voicemail_drop` or `connect`, when AMD says machine. */
  readonly amdAction: 'hangup' | 'voicemail_drop' | 'connect';
  readonly voicemailMedia?: string;
  /** A human must reach an agent within this time, or hear `abandonMedia` and be hung up (counted abandoned). */
  readonly dropTimeoutMs: number;
  readonly abandonMedia?: string;
  /** Preview and manual dials: the agent who gets the call. */
  readonly agentId?: string;
  /** Recording and speech-to-text settings of the campaign. */
  readonly recording: 'none' | 'gateway' | 'bridge';
  readonly consentMedia?: string;
  readonly sttProviders: readonly string[];
  readonly sttLanguage?: string;
}

/** Places calls. Implemented by the call flows. */
export interface CallControl {
  /**
   * Originates the call; resolves with its id once Asterisk has accepted the
   * originate (not when it is answered). Rejects with a coded error when no
   * Asterisk can take it (`DIALER_ERR_ARI_UNREACHABLE`, retryable).
   */
  originate(req: DialRequest): Promise<{ callId: string }>;
}

/** Agents of one campaign by state, right now. Implemented by the agent sessions. */
export interface AgentCounts {
  /** Logged in and not paused: ready + on call + wrap-up. */
  readonly available: number;
  readonly ready: number;
  readonly onCall: number;
  readonly wrapUp: number;
  readonly paused: number;
}

/** Reads agent availability. Implemented by the agent sessions. */
export interface AgentPool {
  counts(tenantId: string, campaignId: string): AgentCounts;
}

/** The final result of one dial, as the dialer records it (derived from `call.ended`). */
export interface DialResult {
  readonly callId: string;
  readonly outcome: CallOutcome;
  readonly abandoned: boolean;
}
