import { fromJson, type AgentRecord, type TimerHandle } from '@dialer/core';
import type { Call } from './call.js';
import type { AriServer } from './server.js';

/** The agent's audio leg in their bridge: a WebRTC softphone through a gateway, or a SIP phone. */
export interface AgentPhone {
  channelId: string;
  /** Softphone: the gateway leg and the browser session it is bridged to. */
  legId?: string;
  gatewayId?: string;
  webrtcSessionId?: string;
  up: boolean;
}

/** One logged-in agent on this controller node: state, persistent bridge and phone. */
export class AgentSession {
  record: AgentRecord;
  phone: AgentPhone | undefined;
  /** A preview or manual call ringing for this agent: nobody else may take them meanwhile. */
  reservedFor: string | undefined;
  call: Call | undefined;
  wrapTimer: TimerHandle | undefined;
  phoneSeq = 0;
  closed = false;
  /** Skill levels by skill name (a campaign id or name). */
  readonly skills: Map<string, number>;

  constructor(
    readonly tenantId: string,
    readonly agentId: string,
    readonly userId: string,
    readonly phoneKind: 'webrtc' | 'sip',
    readonly sipEndpoint: string | undefined,
    readonly server: AriServer,
    record: AgentRecord,
    skillsJson: string,
  ) {
    this.record = record;
    this.skills = new Map(
      fromJson<Array<{ skill?: string; level?: number }>>(skillsJson, [])
        .filter((s) => typeof s.skill === 'string')
        .map((s) => [s.skill!, Number(s.level ?? 1)]),
    );
  }

  get bridgeId(): string {
    return `dlr-agent-${this.agentId}`;
  }

  /** Can take a call now: ready, phone up, not reserved. */
  get free(): boolean {
    return this.record.state === 'ready' && (this.phone?.up ?? false) && !this.reservedFor && !this.closed;
  }

  serves(campaignId: string | undefined): boolean {
    return campaignId === undefined || this.record.campaignIds.length === 0 || this.record.campaignIds.includes(campaignId);
  }

  skillFor(campaignId: string | undefined): number {
    return campaignId === undefined ? 0 : (this.skills.get(campaignId) ?? 0);
  }

  /** Holds a campaign's required skill (listed with a level above 0); always true when none is required. */
  qualifies(requiredSkill: string | undefined): boolean {
    return requiredSkill === undefined || (this.skills.get(requiredSkill) ?? 0) > 0;
  }

  /** The level that ranks agents for a call: the required skill's, else the one named after the campaign. */
  rank(campaignId: string | undefined, requiredSkill: string | undefined): number {
    return requiredSkill !== undefined ? (this.skills.get(requiredSkill) ?? 0) : this.skillFor(campaignId);
  }
}
