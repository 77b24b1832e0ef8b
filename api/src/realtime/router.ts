import type { AnyMessage } from '@dialer/core';

/**
 * Topics a client can subscribe to, and the routing keys behind them:
 * `agent:<id>`, `call:<id>`, `campaign:<id>`, `team:<id>`, and `wallboard`
 * (an admin's is tenant-wide; a supervisor's expands to
 * `wallboard:campaign:<id>` and `wallboard:team:<id>` keys of their scope).
 */
export type Topic = `agent:${string}` | `call:${string}` | `campaign:${string}` | `team:${string}` | 'wallboard';

/** What the router needs to know beyond the message itself. */
export interface RouteLookup {
  /** The agent on a call, learned from earlier call messages. */
  agentOfCall(callId: string): string | undefined;
  campaignOfCall(callId: string): string | undefined;
  /** The team of an agent in a tenant. */
  teamOfAgent(tenantId: string, agentId: string): string | undefined;
}

/** Message types the API forwards to WebSocket clients. */
export const FORWARDED_PATTERNS = ['call.*', 'agent.state', 'transcript.*', 'campaign.*', 'lead.disposed', 'recording.*', 'media.stt.state'] as const;

/**
 * The routing keys of a message: the topics whose subscribers receive it.
 * Pure: the same message and lookups always give the same keys.
 */
export function messageKeys(msg: AnyMessage, look: RouteLookup): string[] {
  const keys: string[] = [];
  const d = msg.data as Record<string, unknown>;
  const callId = typeof d['callId'] === 'string' ? (d['callId'] as string) : undefined;
  const agentId = (typeof d['agentId'] === 'string' ? (d['agentId'] as string) : undefined) ?? (callId ? look.agentOfCall(callId) : undefined);
  const campaignId = (typeof d['campaignId'] === 'string' ? (d['campaignId'] as string) : undefined) ?? (callId ? look.campaignOfCall(callId) : undefined);
  const team = agentId ? look.teamOfAgent(msg.tenantId, agentId) : undefined;
  const t = msg.type;

  if (t === 'agent.state') {
    keys.push(`agent:${msg.data.agentId}`, 'wallboard');
    if (team) keys.push(`team:${team}`, `wallboard:team:${team}`);
    for (const c of msg.data.campaignIds ?? []) keys.push(`campaign:${c}`);
    return keys;
  }
  if (t === 'campaign.stats' || t === 'campaign.state' || t === 'campaign.abandon_rate.warning') {
    const c = msg.data.campaignId;
    keys.push(`campaign:${c}`, 'wallboard', `wallboard:campaign:${c}`);
    return keys;
  }
  if (t === 'transcript.interim' || t === 'transcript.final' || t === 'media.stt.state' || t.startsWith('recording.')) {
    // Live speech goes to the call and its agent only: supervisors follow a call by subscribing to it.
    if (callId) keys.push(`call:${callId}`);
    if (agentId) keys.push(`agent:${agentId}`);
    return keys;
  }
  if (t.startsWith('call.') || t === 'lead.disposed') {
    if (callId) keys.push(`call:${callId}`);
    if (agentId) keys.push(`agent:${agentId}`);
    if (campaignId) keys.push(`campaign:${campaignId}`);
    if (team) keys.push(`team:${team}`);
    if (t === 'call.queued' || t === 'call.ended') {
      keys.push('wallboard');
      if (campaignId) keys.push(`wallboard:campaign:${campaignId}`);
    }
    return keys;
  }
  return keys;
}

/** Remembers which agent and campaign each live call belongs to, from the call messages themselves. */
export class CallDirectory {
  private readonly calls = new Map<string, { agentId?: string; campaignId?: string; endedAt?: number }>();

  constructor(
    private readonly now: () => number,
    /** How long a call is remembered after it ends (late transcripts and dispositions). */
    private readonly keepMs = 10 * 60_000,
  ) {}

  /** Learns from a message; call before routing it. */
  observe(msg: AnyMessage): void {
    if (!msg.type.startsWith('call.') && msg.type !== 'transcript.final' && msg.type !== 'transcript.interim') return;
    const d = msg.data as { callId?: string; agentId?: string; campaignId?: string };
    if (!d.callId) return;
    let e = this.calls.get(d.callId);
    if (!e) {
      e = {};
      this.calls.set(d.callId, e);
    }
    if (d.agentId) e.agentId = d.agentId;
    if (d.campaignId) e.campaignId = d.campaignId;
    if (msg.type === 'call.ended') {
      e.endedAt = this.now();
      this.sweep();
    }
  }

  agentOfCall(callId: string): string | undefined {
    return this.calls.get(callId)?.agentId;
  }

  campaignOfCall(callId: string): string | undefined {
    return this.calls.get(callId)?.campaignId;
  }

  private sweep(): void {
    const cutoff = this.now() - this.keepMs;
    for (const [id, e] of this.calls) if (e.endedAt !== undefined && e.endedAt < cutoff) this.calls.delete(id);
    // Calls whose end we never heard (a node restart) are bounded by size.
    if (this.calls.size > 200_000) for (const id of [...this.calls.keys()].slice(0, 50_000)) this.calls.delete(id);
  }

  get size(): number {
    return this.calls.size;
  }
}
