import {
  buildCdr,
  fromJson,
  newId,
  reduceCall,
  type AmdResult,
  type CallDirection,
  type CallRecord,
  type CallState,
  type Logger,
} from '@dialer/core';
import type { Channel } from '../ari/generated/models.js';
import type { Call } from './call.js';
import type { CallManager } from './manager.js';
import { closeLeg, quietly } from './media.js';
import type { Monitors } from './monitor.js';
import type { CallRow } from './repository.js';
import type { AriServer } from './server.js';

/** What a resync found and did, for logs and tests. */
export interface ResyncReport {
  readonly server: string;
  readonly channels: number;
  readonly bridges: number;
  /** Calls that ended while the events were lost, closed with their CDR. */
  readonly closed: string[];
  /** Calls whose missed StasisStart (answer, AMD result) was applied from the channel's state. */
  readonly caughtUp: string[];
  readonly destroyedBridges: string[];
  readonly hungUpChannels: string[];
  readonly agentsLost: string[];
}

const NO_POLICY = { amd: false, amdAction: 'hangup', hasVoicemailMedia: false, dropTimeoutMs: 0, hasAbandonMedia: false, consent: false, queueTimeoutMs: 0 } as const;

function recordFromRow(row: CallRow): CallRecord {
  const meta = fromJson<{ step?: string | null; humanAtMs?: number | null; held?: boolean }>(row.meta, {});
  const r: CallRecord = {
    direction: row.direction as CallDirection,
    state: row.state as CallState,
    startedAtMs: row.created_at,
    abandoned: row.abandoned === 1,
    held: meta.held === true,
    ...(row.ring_at !== null ? { ringAtMs: row.ring_at } : {}),
    ...(row.answer_at !== null ? { answerAtMs: row.answer_at } : {}),
    ...(row.connect_at !== null ? { connectAtMs: row.connect_at } : {}),
    ...(meta.humanAtMs ? { humanAtMs: meta.humanAtMs } : {}),
    ...(row.dial_status ? { dialStatus: row.dial_status } : {}),
    ...(row.amd_status ? { amdResult: row.amd_status as AmdResult } : {}),
    ...(row.amd_cause ? { amdCause: row.amd_cause } : {}),
    ...(row.agent_id ? { agentId: row.agent_id } : {}),
    ...(row.outcome ? { outcome: row.outcome as CallRecord['outcome'] & string } : {}),
  };
  return r;
}

/**
 * Reconciles the controller with what Asterisk really has, on startup and
 * after every reconnect (events in the gap are lost, and Asterisk replays
 * nothing): calls whose channel vanished are closed with their CDR, calls
 * whose StasisStart was missed catch up, and bridges and ExternalMedia or
 * snoop channels that nothing owns any more are destroyed (Asterisk cleans
 * up nothing by itself).
 */
export class Resync {
  constructor(
    private readonly m: CallManager,
    private readonly monitors: Monitors,
    private readonly log: Logger,
  ) {}

  async run(server: AriServer): Promise<ResyncReport> {
    const { client } = server;
    const [channels, bridges] = await Promise.all([client.channels.list(), client.bridges.list()]);
    const app = await client.applications.get({ applicationName: this.m.app }).catch(() => undefined);
    const inApp = new Set(app?.channel_ids ?? []);
    const live = new Map(channels.map((c) => [c.id, c]));
    const closed: string[] = [];
    const caughtUp: string[] = [];

    for (const call of [...this.m.calls.values()]) {
      if (call.server !== server || call.ended) continue;
      const ch = live.get(call.channelId);
      if (!ch) {
        call.log.warn('customer channel vanished while events were lost; closing the call');
        call.apply({ type: 'destroyed', by: 'network' });
        closed.push(call.id);
      } else if (this.catchUp(call, ch)) caughtUp.push(call.id);
    }

    closed.push(...(await this.closeFromStore(server, live)));
    const agentsLost = await this.checkAgents(server, new Set(bridges.map((b) => b.id)), live);

    // What is still ours: everything a live call, tap, agent session or monitor holds.
    const owned = new Set<string>([...this.m.taps.ownedIds(), ...this.m.agents.ownedIds(), ...this.monitors.ownedIds()]);
    for (const call of this.m.calls.values()) {
      owned.add(call.channelId);
      for (const b of call.ownBridges) owned.add(b);
    }
    for (const id of server.router.channelIds()) owned.add(id);
    for (const id of server.router.bridgeIds()) owned.add(id);

    const destroyedBridges: string[] = [];
    for (const b of bridges) {
      const ours = b.name.startsWith('dialer:') || b.id.startsWith('dlr-');
      if (!ours || owned.has(b.id)) continue;
      destroyedBridges.push(b.id);
      await quietly(client.bridges.destroy({ bridgeId: b.id }));
    }
    const hungUpChannels: string[] = [];
    for (const c of channels) {
      if (owned.has(c.id)) continue;
      const media = c.name.startsWith('UnicastRTP/') || c.name.startsWith('Snoop/');
      const ours = c.id.startsWith('dlr-') || inApp.has(c.id);
      const strayInApp = c.dialplan.app_name === 'Stasis' && c.dialplan.app_data.startsWith(`${this.m.app},`);
      if ((media && ours) || (strayInApp && inApp.has(c.id))) {
        hungUpChannels.push(c.id);
        await quietly(client.channels.hangup({ channelId: c.id }));
      }
    }
    const report: ResyncReport = {
      server: server.id,
      channels: channels.length,
      bridges: bridges.length,
      closed,
      caughtUp,
      destroyedBridges,
      hungUpChannels,
      agentsLost,
    };
    this.log.info({ ...report, closed: closed.length, caughtUp: caughtUp.length, destroyedBridges: destroyedBridges.length, hungUpChannels: hungUpChannels.length }, 'resync done');
    return report;
  }

  /** Applies a StasisStart we missed, read from where the channel is now. */
  private catchUp(call: Call, ch: Channel): boolean {
    if (ch.dialplan.app_name !== 'Stasis') return false;
    const args = ch.dialplan.app_data.split(',').slice(1);
    const r = call.record;
    if (args[0] === 'amd' && r.state === 'amd') {
      const result = (['HUMAN', 'MACHINE', 'NOTSURE', 'HANGUP'].includes(args[1] ?? '') ? args[1] : 'NOTSURE') as AmdResult;
      call.apply({ type: 'amd', result, ...(args[2] ? { cause: args[2] } : {}), beep: !!args[3] });
      return true;
    }
    if ((r.state === 'dialing' || r.state === 'ringing') && ch.state === 'Up' && call.info.direction !== 'inbound') {
      call.apply({ type: 'answered' });
      return true;
    }
    return false;
  }

  /** Calls this node left in the store (a restart) on this server: gone ones get their CDR; live ones are hung up and closed. */
  private async closeFromStore(server: AriServer, live: Map<string, Channel>): Promise<string[]> {
    const closed: string[] = [];
    const repo = this.m.repo;
    for (const tenantId of await repo.tenantIds()) {
      for (const row of await repo.liveCalls(tenantId, this.m.nodeId)) {
        if (row.asterisk_id !== server.id || this.m.calls.has(row.id)) continue;
        const stillUp = row.channel_id ? live.has(row.channel_id) : false;
        if (stillUp) await quietly(server.client.channels.hangup({ channelId: row.channel_id! }));
        // Its taps' legs are still open on their gateways (nothing told them): close them. The tap channels and
        // bridges on Asterisk are orphans, destroyed below.
        for (const leg of await repo.legsOf(tenantId, row.id)) {
          if (leg.state !== 'closed' && leg.gateway_id) closeLeg(this.m.link, tenantId, { legId: leg.id, gatewayId: leg.gateway_id, reason: 'controller_restart' });
        }
        const now = this.m.clock.now();
        const t = reduceCall(recordFromRow(row), { type: 'destroyed', by: stillUp ? 'system' : 'network' }, now, NO_POLICY);
        const r = t.call;
        const cdr = buildCdr(r, { callId: row.id, campaignId: row.campaign_id, leadId: row.lead_id, phone: row.phone, callerId: row.caller_id, recordingId: row.recording_id }, now);
        await repo.finishCall(
          tenantId,
          row.id,
          {
            state: 'ended',
            outcome: r.outcome ?? 'failed',
            end_at: now,
            hangup_by: r.hangupBy ?? 'network',
            hangup_cause: r.hangupCause ?? null,
            hangup_cause_text: r.hangupCauseText ?? null,
            abandoned: r.abandoned ? 1 : 0,
            updated_at: now,
          },
          cdr,
          newId(now),
          now,
        );
        this.m.publish('call.ended', tenantId, {
          callId: row.id,
          ...(row.campaign_id ? { campaignId: row.campaign_id } : {}),
          ...(row.lead_id !== null ? { leadId: row.lead_id } : {}),
          ...(row.agent_id ? { agentId: row.agent_id } : {}),
          direction: r.direction,
          outcome: r.outcome ?? 'failed',
          hangupBy: r.hangupBy ?? 'network',
          ...(r.hangupCause !== undefined ? { cause: r.hangupCause } : {}),
          abandoned: r.abandoned,
          durationMs: Math.max(0, now - r.startedAtMs),
          talkMs: r.connectAtMs !== undefined ? Math.max(0, now - r.connectAtMs) : 0,
        });
        await repo.closeRecordings(tenantId, row.id, now);
        closed.push(row.id);
      }
    }
    return closed;
  }

  /** Agent sessions whose bridge vanished (Asterisk restarted) are logged out; rows left by a previous run are cleaned. */
  private async checkAgents(server: AriServer, bridges: Set<string>, live: Map<string, Channel>): Promise<string[]> {
    const lost: string[] = [];
    for (const a of this.m.agents.all()) {
      if (a.server !== server || a.closed || a.record.state === 'logged_out') continue;
      if (!bridges.has(a.bridgeId)) {
        lost.push(a.agentId);
        await this.m.agents.lost(a, 'agent bridge vanished');
      } else if (a.phone && !live.has(a.phone.channelId)) {
        a.phone = undefined;
        await this.m.agents.command(a.tenantId, a.agentId, 'pause', 'phone_lost').catch(() => undefined);
      }
    }
    const repo = this.m.repo;
    for (const tenantId of await repo.tenantIds()) {
      for (const row of await repo.sessionsOf(tenantId, this.m.nodeId)) {
        if (row.server_id !== server.id || this.m.agents.get(row.agent_id)) continue;
        // A session from before a restart: its Asterisk side goes (the agent logs in again).
        if (row.phone_channel_id) await quietly(server.client.channels.hangup({ channelId: row.phone_channel_id }));
        if (row.phone_leg_id && row.gateway_id) closeLeg(this.m.link, tenantId, { legId: row.phone_leg_id, gatewayId: row.gateway_id, reason: 'controller_restart' });
        if (row.bridge_id) await quietly(server.client.bridges.destroy({ bridgeId: row.bridge_id }));
        await repo.deleteSession(tenantId, row.agent_id);
        const now = this.m.clock.now();
        await repo.logAgentState(tenantId, row.agent_id, { id: newId(now), state: 'logged_out', reason: 'controller_restart', callId: null, campaignId: null, atMs: now });
        this.m.publish('agent.state', tenantId, { agentId: row.agent_id, state: 'logged_out', previous: row.state as 'ready', reason: 'controller_restart', sinceMs: now });
        lost.push(row.agent_id);
      }
    }
    return lost;
  }
}
