import type { AgentState, MessageData } from '@dialer/core';

interface AgentInfo {
  tenantId: string;
  state: AgentState;
  campaignIds: readonly string[];
  talkStartMs: number | undefined;
  wrapStartMs: number | undefined;
}

/** A finished call of an agent: what the pacer's `agent_released` needs. */
export interface AgentRelease {
  tenantId: string;
  agentId: string;
  campaignIds: readonly string[];
  atMs: number;
  talkMs: number;
  wrapMs: number;
}

/**
 * Follows `agent.state` messages: which agents are ready, per campaign (for
 * agent-only callbacks), and when an agent is released from a call (talk
 * and wrap-up times, for the pacer).
 */
export class AgentTracker {
  private readonly agents = new Map<string, AgentInfo>();

  constructor(private readonly onRelease: (r: AgentRelease) => void) {}

  update(tenantId: string, d: MessageData<'agent.state'>): void {
    const prev = this.agents.get(d.agentId);
    const info: AgentInfo = prev ?? { tenantId, state: 'logged_out', campaignIds: [], talkStartMs: undefined, wrapStartMs: undefined };
    if (d.campaignIds) info.campaignIds = d.campaignIds;
    const was = info.state;
    info.state = d.state;
    info.tenantId = tenantId;
    if (d.state === 'on_call' && was !== 'on_call') {
      info.talkStartMs = d.sinceMs;
      info.wrapStartMs = undefined;
    } else if (d.state === 'wrap_up' && was !== 'wrap_up') {
      info.wrapStartMs = d.sinceMs;
    } else if (was === 'wrap_up' || (was === 'on_call' && d.state !== 'wrap_up')) {
      // Left the call: released (directly from the call when there is no wrap-up).
      if (info.talkStartMs !== undefined) {
        const talkEnd = info.wrapStartMs ?? d.sinceMs;
        this.onRelease({
          tenantId,
          agentId: d.agentId,
          campaignIds: info.campaignIds,
          atMs: d.sinceMs,
          talkMs: Math.max(0, talkEnd - info.talkStartMs),
          wrapMs: Math.max(0, d.sinceMs - talkEnd),
        });
      }
      info.talkStartMs = undefined;
      info.wrapStartMs = undefined;
    }
    if (d.state === 'logged_out') this.agents.delete(d.agentId);
    else this.agents.set(d.agentId, info);
  }

  /** Agents ready now for a campaign. */
  readyAgents(tenantId: string, campaignId: string): string[] {
    const out: string[] = [];
    for (const [id, a] of this.agents) if (a.tenantId === tenantId && a.state === 'ready' && a.campaignIds.includes(campaignId)) out.push(id);
    return out;
  }
}
