import { consentRequired, newCall, newId, type CallPolicy } from '@dialer/core';
import type { AriEvent, Channel, StasisStart } from '../ari/generated/models.js';
import { Call, type CallInfo } from './call.js';
import type { CallManager } from './manager.js';
import { quietly } from './media.js';
import type { AriServer } from './server.js';

/**
 * Channels that enter Stasis without the controller having made them:
 * inbound calls (`Stasis(app,inbound,<did>)` in dialer-inbound), routed by
 * DID to a campaign and answered; anything else in the app that nobody owns is
 * a leftover and is hung up.
 */
export class InboundCalls {
  constructor(private readonly m: CallManager) {}


  onUnclaimed(server: AriServer, e: StasisStart): void {
    const ch = e.channel;
    const [kind, arg] = e.args;
    if (kind === 'inbound') {
      // Claim the channel now (resync must not take it for an orphan), replay its events once the call exists.
      const buffered: AriEvent[] = [e];
      server.router.channel(ch.id, (x) => buffered.push(x));
      this.inbound(server, ch, arg ?? ch.dialplan.exten, buffered).catch((err: unknown) => {
        this.m.log.error({ err, channelId: ch.id }, 'inbound call setup failed');
        server.router.forgetChannel(ch.id);
        void quietly(server.client.channels.hangup({ channelId: ch.id }));
      });
      return;
    }
    // A channel in our app that nobody owns: a tap or phone left over from before a restart, or a stray.
    this.m.log.warn({ channelId: ch.id, name: ch.name, args: e.args }, 'hanging up a channel nobody owns');
    void quietly(server.client.channels.hangup({ channelId: ch.id }));
  }

  private async inbound(server: AriServer, ch: Channel, did: string, buffered: AriEvent[]): Promise<void> {
    const route = await this.m.campaigns.route(did);
    if (!route) {
      this.m.log.warn({ did, channelId: ch.id }, 'inbound call to a DID with no route; hanging up');
      server.router.forgetChannel(ch.id);
      await quietly(server.client.channels.hangup({ channelId: ch.id, reason: 'unallocated' }));
      return;
    }
    const campaign = await this.m.campaigns.campaign(route.tenantId, route.campaignId);
    const recording = campaign?.recording ?? 'none';
    const consent = consentRequired(campaign?.consentMode ?? 'none', recording !== 'none') && !!campaign?.consentMedia;
    const policy: CallPolicy = {
      amd: false,
      amdAction: 'connect',
      hasVoicemailMedia: false,
      dropTimeoutMs: 0,
      hasAbandonMedia: false,
      consent,
      queueTimeoutMs: (campaign?.queueTimeoutS ?? 60) * 1000,
    };
    const now = this.m.clock.now();
    const callId = newId(now);
    const info: CallInfo = {
      tenantId: route.tenantId,
      direction: 'inbound',
      phone: ch.caller.number,
      ...(ch.caller.name ? { callerId: ch.caller.name } : {}),
      campaignId: route.campaignId,
      recording,
      consentRequired: consent,
      ...(campaign?.consentMedia ? { consentMedia: campaign.consentMedia } : {}),
      ...(campaign?.holdMedia ? { holdMedia: campaign.holdMedia } : {}),
      sttProviders: campaign?.sttProviders ?? [],
      ...(campaign?.sttLanguage ? { sttLanguage: campaign.sttLanguage } : {}),
      wrapUpS: campaign?.wrapUpS ?? 0,
      queuePriority: campaign?.queuePriority ?? 0,
      ...(campaign ? { queueFallback: campaign.queueFallback } : {}),
      ...(campaign?.script ? { script: campaign.script } : {}),
    };
    const call = new Call(callId, server, info, policy, ch.id, true, this.m, this.m.log, newCall('inbound', now));
    this.m.calls.set(callId, call);
    void this.m.repo.insertCall(route.tenantId, {
      id: callId,
      campaign_id: route.campaignId,
      direction: 'inbound',
      phone: ch.caller.number,
      caller_id: ch.caller.name || null,
      state: 'ringing',
      node_id: this.m.nodeId,
      asterisk_id: server.id,
      channel_id: ch.id,
      ring_at: now,
      created_at: now,
      updated_at: now,
    });
    this.m.publish('call.dialing', route.tenantId, { callId, campaignId: route.campaignId, direction: 'inbound', phone: ch.caller.number });
    call.publish('call.ringing');
    server.router.channel(ch.id, (x) => call.onEvent(x));
    for (const x of buffered) if (x.type !== 'StasisStart') call.onEvent(x);
    if (call.ended) return;
    call.request('answer', async () => {
      await server.client.channels.answer({ channelId: ch.id });
      call.apply({ type: 'answered' });
    });
  }

}
