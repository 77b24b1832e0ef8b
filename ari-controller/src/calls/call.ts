import {
  buildCdr,
  newId,
  reduceCall,
  type CallDirection,
  type CallEffect,
  type CallInput,
  type CallPolicy,
  type CallRecord,
  type CallTimer,
  type Clock,
  type EventType,
  type Logger,
  type MessageData,
  type TimerHandle,
} from '@dialer/core';
import type { AriEvent, ChannelHangupRequest, ChannelDestroyed, Dial, StasisStart } from '../ari/generated/models.js';
import { ariStatus } from '../transport/ari-http.js';
import type { AriServer } from './server.js';
import type { CallRepository } from './repository.js';

/** The facts of one call that do not change with its state. */
export interface CallInfo {
  readonly tenantId: string;
  readonly direction: CallDirection;
  readonly phone: string;
  readonly callerId?: string;
  readonly campaignId?: string;
  readonly leadId?: number;
  /** Preview and manual calls: the agent who gets it (reserved while it rings). */
  readonly wantedAgentId?: string;
  readonly recording: 'none' | 'gateway' | 'bridge';
  readonly consentRequired: boolean;
  readonly consentMedia?: string;
  readonly abandonMedia?: string;
  readonly voicemailMedia?: string;
  readonly holdMedia?: string;
  readonly sttProviders: readonly string[];
  readonly sttLanguage?: string;
  readonly wrapUpS: number;
  readonly queuePriority: number;
  readonly queueFallback?: { kind: 'voicemail' | 'queue' | 'hangup'; campaignId?: string; media?: string };
  readonly script?: string;
}

/** What a call needs from the controller around it. */
export interface CallHost {
  readonly clock: Clock;
  readonly nodeId: string;
  readonly app: string;
  readonly amdContext: string;
  readonly repo: CallRepository;
  publish<T extends EventType>(type: T, tenantId: string, data: MessageData<T>): void;
  /** Connect the call to a free agent now if there is one; otherwise it waits. */
  dispatch(call: Call): void;
  queueFallback(call: Call): void;
  /** The call ended: release its agent, taps, recording and bridges. */
  finished(call: Call): void;
}

/** A media URI for ARI `play`: `sound:` when no scheme was given. */
export function mediaUri(m: string): string {
  return /^[a-z]+:/.test(m) ? m : `sound:${m}`;
}

/**
 * One call on one Asterisk server: feeds its channel's events into the pure
 * flow (`reduceCall` in core) and carries out the effects at the ARI edge.
 */
export class Call {
  record: CallRecord;
  /** The queue (campaign) whose agents may take the call; a transfer to a queue changes it. */
  queueCampaignId: string | undefined;
  /** The bridge the customer is in now: the agent's, a hold bridge, a consult or transfer bridge. */
  bridgeId: string | undefined;
  readonly log: Logger;
  /** Extra bridges made for this call (hold, transfer); deleted at the end. */
  readonly ownBridges = new Set<string>();
  /** Ids of resources to release at the end (taps, monitors, recordings), owned by their services. */
  readonly extras = new Map<string, () => Promise<void>>();
  recordingId: string | undefined;
  /** Set by the controller when no agent will disposition the call (`voicemail`: the caller left a message); goes to the row and the CDR. */
  disposition: string | undefined;
  /** Recording may run: inbound calls heard any consent announcement before queueing; outbound ones once connected and announced. */
  recordingAllowed: boolean;
  private readonly timers = new Map<CallTimer, TimerHandle>();
  private readonly playbacks = new Map<string, 'abandon' | 'voicemail' | 'consent' | 'other'>();
  private readonly playbackDone = new Map<string, () => void>();
  private playSeq = 0;
  private ariChain: Promise<void> = Promise.resolve();
  private written = '';
  /** Resolved when the call has ended and its CDR is written. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    readonly id: string,
    readonly server: AriServer,
    readonly info: CallInfo,
    readonly policy: CallPolicy,
    /** The customer channel. Outbound: the id we chose (= call id); inbound: Asterisk's. */
    readonly channelId: string,
    /** Entered Stasis from the dialplan (inbound): app-only mode sends no ChannelDestroyed after its StasisEnd. */
    readonly fromDialplan: boolean,
    private readonly host: CallHost,
    log: Logger,
    record: CallRecord,
  ) {
    this.record = record;
    this.recordingAllowed = info.direction === 'inbound';
    this.queueCampaignId = info.campaignId;
    this.log = log.child({ callId: id });
    this.done = new Promise((r) => (this.resolveDone = r));
    this.written = this.rowKey();
  }

  get ended(): boolean {
    return this.record.state === 'ended';
  }

  get agentId(): string | undefined {
    return this.record.agentId;
  }

  /** Feeds one input into the flow and carries out what it asks. */
  apply(input: CallInput): void {
    const t = reduceCall(this.record, input, this.host.clock.now(), this.policy);
    if (t.call === this.record && t.effects.length === 0) return;
    this.record = t.call;
    if (t.call.state !== 'ended') this.persist();
    for (const e of t.effects) this.run(e);
  }

  /** Maps the customer channel's ARI events to flow inputs. */
  onEvent(e: AriEvent): void {
    switch (e.type) {
      case 'Dial':
        this.apply({ type: 'dial', status: (e as Dial).dialstatus });
        break;
      case 'ChannelStateChange':
        if (e.channel.state === 'Ringing') this.apply({ type: 'ringing' });
        break;
      case 'StasisStart':
        this.onStasisStart(e);
        break;
      case 'StasisEnd':
        this.apply({ type: 'stasis_end', fromDialplan: this.fromDialplan });
        break;
      case 'ChannelHangupRequest': {
        const h = e as ChannelHangupRequest;
        this.apply({ type: 'hangup_request', ...(h.cause !== undefined ? { cause: h.cause } : {}), ...(h.soft !== undefined ? { soft: h.soft } : {}) });
        break;
      }
      case 'ChannelDestroyed': {
        const d = e as ChannelDestroyed;
        this.apply({ type: 'destroyed', cause: d.cause, causeText: d.cause_txt });
        break;
      }
      case 'ChannelHold':
      case 'ChannelUnhold':
        break;
      case 'PlaybackFinished': {
        const what = this.playbacks.get(e.playback.id);
        this.playbacks.delete(e.playback.id);
        this.server.router.forgetPlayback(e.playback.id);
        const after = this.playbackDone.get(e.playback.id);
        this.playbackDone.delete(e.playback.id);
        if (what && what !== 'other') this.apply({ type: 'playback_done', what });
        after?.();
        break;
      }
      default:
        break;
    }
  }

  private onStasisStart(e: StasisStart): void {
    const [kind, result, cause, beep] = e.args;
    if (kind === 'amd') {
      const r = result === 'MACHINE' || result === 'HUMAN' || result === 'NOTSURE' || result === 'HANGUP' ? result : 'NOTSURE';
      this.apply({ type: 'amd', result: r, ...(cause ? { cause } : {}), beep: beep === 'tone' || beep === 'silence' });
      return;
    }
    if (this.info.direction !== 'inbound') this.apply({ type: 'answered' });
  }

  /** Runs an ARI action after the previous ones, so a call's requests reach Asterisk in order. */
  private ari(what: string, fn: () => Promise<unknown>): void {
    this.ariChain = this.ariChain.then(async () => {
      try {
        await fn();
      } catch (err) {
        this.onAriError(what, err);
      }
    });
  }

  private onAriError(what: string, err: unknown): void {
    const status = ariStatus(err);
    if (status === 404 && !this.ended) {
      // The channel is gone and its events were missed (a reconnect gap): end the call here.
      this.log.warn({ what }, 'customer channel is gone; ending the call');
      this.apply({ type: 'destroyed' });
      return;
    }
    this.log.warn({ err: { message: (err as Error).message }, what }, 'ARI request for a call failed');
    const kind = what.startsWith('play ') ? what.slice(5) : '';
    if (kind === 'abandon' || kind === 'voicemail' || kind === 'consent') this.apply({ type: 'playback_done', what: kind });
  }

  /** Plays media to the customer (only: the agent does not hear it); `after` runs when it finished, or failed. */
  play(what: 'abandon' | 'voicemail' | 'consent' | 'other', media: string, after?: () => void): void {
    const playbackId = `dlr-pb-${this.id}-${++this.playSeq}`;
    this.playbacks.set(playbackId, what);
    if (after) this.playbackDone.set(playbackId, after);
    this.server.router.playback(playbackId, (e) => this.onEvent(e));
    this.ari(`play ${what}`, async () => {
      try {
        await this.server.client.channels.play({ channelId: this.channelId, media: mediaUri(media), playbackId });
      } catch (err) {
        this.playbacks.delete(playbackId);
        this.playbackDone.delete(playbackId);
        this.server.router.forgetPlayback(playbackId);
        after?.();
        throw err;
      }
    });
  }

  /** Runs an ARI request in the call's order (public for the manager, transfers and monitoring). */
  request(what: string, fn: () => Promise<unknown>): void {
    this.ari(what, fn);
  }

  private run(e: CallEffect): void {
    const client = this.server.client;
    switch (e.type) {
      case 'continue_amd':
        this.ari('continue to AMD', () =>
          client.channels.continueInDialplan({ channelId: this.channelId, context: this.host.amdContext, extension: e.waitForBeep ? 'vmdrop' : 's', priority: 1 }),
        );
        break;
      case 'find_agent':
        this.host.dispatch(this);
        break;
      case 'start_timer': {
        this.host.clock.clearTimeout(this.timers.get(e.timer));
        const timer = e.timer;
        this.timers.set(timer, this.host.clock.setTimeout(() => this.apply({ type: 'timer', timer }), e.ms));
        break;
      }
      case 'cancel_timer':
        this.host.clock.clearTimeout(this.timers.get(e.timer));
        this.timers.delete(e.timer);
        break;
      case 'answer':
        this.ari('answer', () => client.channels.answer({ channelId: this.channelId }));
        break;
      case 'play': {
        const media = e.what === 'abandon' ? this.info.abandonMedia : e.what === 'voicemail' ? this.info.voicemailMedia : this.info.consentMedia;
        if (!media) this.apply({ type: 'playback_done', what: e.what });
        else this.play(e.what, media);
        break;
      }
      case 'queue_fallback':
        this.host.queueFallback(this);
        break;
      case 'hangup':
        this.ari('hangup', () => client.channels.hangup({ channelId: this.channelId, reason_code: '16' }));
        break;
      case 'publish':
        this.publish(e.event);
        break;
      case 'finished':
        this.finish();
        break;
    }
  }

  private ids(): { callId: string; campaignId?: string; leadId?: number } {
    return {
      callId: this.id,
      ...(this.info.campaignId ? { campaignId: this.info.campaignId } : {}),
      ...(this.info.leadId !== undefined ? { leadId: this.info.leadId } : {}),
    };
  }

  /** Publishes one of the call's state messages, built from the record. */
  publish(event: Extract<CallEffect, { type: 'publish' }>['event']): void {
    const r = this.record;
    const now = this.host.clock.now();
    const t = this.info.tenantId;
    switch (event) {
      case 'call.ringing':
        return this.host.publish('call.ringing', t, { ...this.ids(), atMs: r.ringAtMs ?? now });
      case 'call.answered':
        return this.host.publish('call.answered', t, { ...this.ids(), atMs: r.answerAtMs ?? now });
      case 'call.amd':
        return this.host.publish('call.amd', t, {
          ...this.ids(),
          result: r.amdResult ?? 'NOTSURE',
          ...(r.amdCause ? { cause: r.amdCause } : {}),
          durationMs: Math.max(0, now - (r.answerAtMs ?? now)),
        });
      case 'call.queued':
        return this.host.publish('call.queued', t, { ...this.ids(), queueId: this.queueCampaignId ?? 'default', position: 0, waitingMs: 0 });
      case 'call.connected':
        return this.host.publish('call.connected', t, {
          ...this.ids(),
          agentId: r.agentId ?? '',
          ...(this.bridgeId ? { bridgeId: this.bridgeId } : {}),
          waitMs: Math.max(0, (r.connectAtMs ?? now) - (r.humanAtMs ?? r.answerAtMs ?? now)),
        });
      case 'call.hold':
        return this.host.publish('call.hold', t, { ...this.ids(), held: r.held });
      case 'call.ended':
        return this.host.publish('call.ended', t, {
          ...this.ids(),
          ...(r.agentId ? { agentId: r.agentId } : {}),
          direction: this.info.direction,
          outcome: r.outcome ?? 'failed',
          hangupBy: r.hangupBy ?? 'unknown',
          ...(r.hangupCause !== undefined ? { cause: r.hangupCause } : {}),
          ...(r.hangupCauseText ? { causeText: r.hangupCauseText } : {}),
          ...(r.dialStatus ? { dialStatus: r.dialStatus } : {}),
          abandoned: r.abandoned,
          durationMs: Math.max(0, (r.endAtMs ?? now) - r.startedAtMs),
          talkMs: r.connectAtMs !== undefined ? Math.max(0, (r.endAtMs ?? now) - r.connectAtMs) : 0,
        });
    }
  }

  private rowPatch(): Record<string, unknown> {
    const r = this.record;
    return {
      state: r.state,
      agent_id: r.agentId ?? null,
      bridge_id: this.bridgeId ?? null,
      dial_status: r.dialStatus ?? null,
      amd_status: r.amdResult ?? null,
      amd_cause: r.amdCause ?? null,
      outcome: r.outcome ?? null,
      abandoned: r.abandoned ? 1 : 0,
      ring_at: r.ringAtMs ?? null,
      answer_at: r.answerAtMs ?? null,
      connect_at: r.connectAtMs ?? null,
      end_at: r.endAtMs ?? null,
      hangup_cause: r.hangupCause ?? null,
      hangup_cause_text: r.hangupCauseText ?? null,
      hangup_by: r.hangupBy ?? null,
      recording_id: this.recordingId ?? null,
      // Only when set: an agent's disposition is written to the row by others and must not be overwritten with null.
      ...(this.disposition ? { disposition: this.disposition } : {}),
      meta: JSON.stringify({ step: r.step ?? null, humanAtMs: r.humanAtMs ?? null, queueCampaignId: this.queueCampaignId ?? null, held: r.held }),
    };
  }

  private rowKey(): string {
    return JSON.stringify(this.rowPatch());
  }

  /** Writes the call row when something in it changed. */
  persist(): void {
    const key = this.rowKey();
    if (key === this.written) return;
    this.written = key;
    void this.host.repo.updateCall(this.info.tenantId, this.id, { ...(this.rowPatch() as object), updated_at: this.host.clock.now() });
  }

  private finish(): void {
    for (const t of this.timers.values()) this.host.clock.clearTimeout(t);
    this.timers.clear();
    for (const id of this.playbacks.keys()) this.server.router.forgetPlayback(id);
    this.host.finished(this);
    const now = this.host.clock.now();
    const cdr = buildCdr(
      this.record,
      {
        callId: this.id,
        campaignId: this.info.campaignId ?? null,
        leadId: this.info.leadId ?? null,
        phone: this.info.phone,
        callerId: this.info.callerId ?? null,
        recordingId: this.recordingId ?? null,
        disposition: this.disposition ?? null,
        hasTranscript: this.info.sttProviders.length > 0 && this.record.answerAtMs !== undefined,
      },
      now,
    );
    this.written = this.rowKey();
    void this.host.repo
      .finishCall(this.info.tenantId, this.id, { ...(this.rowPatch() as object), updated_at: now }, cdr, newId(now), now)
      .then(() => this.resolveDone());
  }
}
