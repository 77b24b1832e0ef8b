import { CAUSE_TEXTS, type Logger } from '@dialer/core';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Channel } from '../ari/generated/models.js';
import type { PromptStore } from './audio.js';
import { EventHub } from './hub.js';
import type { RtpFaults } from './rtp.js';
import { SimBridge, SimChannel, astTime, type SimChannelKind } from './state.js';

/** Options the engine runs with (see {@link AriSimulatorOptions} for their meaning). */
export interface SimEngineOptions {
  log: Logger;
  prompts: PromptStore;
  rtpHost: string;
  timeScale: number;
  asteriskId: string;
  rtpFaults: () => RtpFaults;
  /** Asterisk's wall clock (the real one plus any injected clock offset). */
  now: () => number;
  externalMediaStasisDelayMs: number;
}

/**
 * The simulated Asterisk core: channels, bridges, Stasis, and the primitive
 * steps (state changes, variables, dialplan steps, hangups) from which the
 * traced event sequences are built.
 */
export class SimEngine {
  readonly channels = new Map<string, SimChannel>();
  readonly bridges = new Map<string, SimBridge>();
  readonly hub: EventHub;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly epoch = Math.floor(Date.now() / 1000);
  private seq = 0;
  private nameSeq = 0;
  private stopped = false;

  constructor(readonly o: SimEngineOptions) {
    this.hub = new EventHub(o.asteriskId, o.now);
  }

  get log(): Logger {
    return this.o.log;
  }

  /** An Asterisk-style unique id: `<epoch seconds>.<sequence>`. */
  newChannelId(): string {
    return `${this.epoch}.${this.seq++}`;
  }

  /** The next 8-hex-digit channel name suffix. */
  nameSuffix(): string {
    return (this.nameSeq++).toString(16).padStart(8, '0');
  }

  newUuid(): string {
    return randomUUID();
  }

  pointer(): string {
    return `0x7f${randomBytes(5).toString('hex')}`;
  }

  nowIso(): string {
    return astTime(this.o.now());
  }

  // --- time -----------------------------------------------------------------

  /** Runs `fn` after `ms` of simulated time (scaled by timeScale). */
  after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, Math.max(0, ms * this.o.timeScale));
    t.unref();
    this.timers.add(t);
    return t;
  }

  /** Runs `fn` after `ms` of real time, unscaled (protocol races, not party behaviour). */
  afterReal(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  cancel(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  /** Sleeps `ms` of simulated time; rejects when the signal aborts (the channel hung up). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = this.after(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = (): void => {
        this.cancel(t);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops every timer and forgets every channel and bridge (an Asterisk restart). */
  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const ch of this.channels.values()) {
      ch.script?.abort();
      ch.rtp?.close();
      if (ch.ringTimer) clearTimeout(ch.ringTimer);
    }
    this.channels.clear();
    this.bridges.clear();
  }

  stop(): void {
    this.stopped = true;
    this.reset();
  }

  // --- primitives -------------------------------------------------------------

  createChannel(
    kind: SimChannelKind,
    id: string,
    name: string,
    init: { state: Channel['state']; dialplan: Channel['dialplan']; caller?: Channel['caller']; protocolId?: string },
  ): SimChannel {
    const ch = new SimChannel(id, name, kind, this.nowIso(), init);
    this.channels.set(id, ch);
    return ch;
  }

  /** An event about one channel: `{ ...fields, channel }`. */
  chan(type: string, ch: SimChannel, fields: Record<string, unknown> = {}, leading?: Record<string, unknown>): void {
    this.hub.emit(type, { ...fields, channel: ch.json() }, { channels: [ch] }, leading);
  }

  created(ch: SimChannel): void {
    this.chan('ChannelCreated', ch);
  }

  setState(ch: SimChannel, state: Channel['state']): void {
    if (ch.destroyed || ch.state === state) return;
    ch.state = state;
    this.chan('ChannelStateChange', ch);
  }

  setVar(ch: SimChannel, variable: string, value: string): void {
    if (ch.destroyed) return;
    ch.vars.set(variable, value);
    this.chan('ChannelVarset', ch, {}, { variable, value });
  }

  /** Runs one dialplan application step (ChannelDialplan). */
  step(ch: SimChannel | undefined, app: string, data: string, where?: { context: string; exten: string; priority: number }): void {
    if (!ch || ch.destroyed) return;
    ch.dialplan = where
      ? { context: where.context, exten: where.exten, priority: where.priority, app_name: app, app_data: data }
      : { ...ch.dialplan, priority: ch.dialplan.app_name === '' || ch.dialplan.app_name === 'AppDial2' ? ch.dialplan.priority : ch.dialplan.priority + 1, app_name: app, app_data: data };
    this.chan('ChannelDialplan', ch, { dialplan_app: app, dialplan_app_data: data });
  }

  /** A Dial event: `peer` is the dialled (;1) channel; there is no `caller` for originates. */
  dial(peer: SimChannel, dialstatus: string): void {
    if (peer.destroyed) return;
    this.hub.emit('Dial', { dialstatus, forward: '', dialstring: peer.dialstring ?? '', peer: peer.json() }, { channels: [peer] });
  }

  subscribe(ch: SimChannel, app: string): void {
    ch.subscribers.add(app);
  }

  enterStasis(ch: SimChannel, app: string, args: readonly string[]): void {
    if (ch.destroyed) return;
    this.setVar(ch, 'STASISSTATUS', '');
    this.subscribe(ch, app);
    ch.stasisApp = app;
    ch.stasisEntries++;
    ch.dialplan = { ...ch.dialplan, app_name: 'Stasis', app_data: [app, ...args].join(',') };
    this.chan('StasisStart', ch, { args: [...args] });
  }

  /** StasisEnd. Channels that entered Stasis from the dialplan (and snoops) lose their app-only subscription here. */
  leaveStasis(ch: SimChannel): void {
    if (!ch.inStasis) return;
    const app = ch.stasisApp!;
    ch.stasisApp = undefined;
    this.chan('StasisEnd', ch);
    if (ch.kind === 'pjsip-in' || ch.kind === 'snoop') ch.subscribers.delete(app);
  }

  hangupRequest(ch: SimChannel, fields: { cause?: number; soft?: boolean }): void {
    if (ch.destroyed) return;
    ch.hangupRequested = true;
    const leading: Record<string, unknown> = {};
    if (fields.cause !== undefined) leading['cause'] = fields.cause;
    if (fields.soft) leading['soft'] = true;
    this.chan('ChannelHangupRequest', ch, {}, leading);
  }

  /** ChannelDestroyed, and the channel is gone (its RTP socket closed, its snoops ended). */
  destroy(ch: SimChannel, cause: number, causeText?: string): void {
    if (ch.destroyed) return;
    ch.destroyed = true;
    ch.script?.abort();
    if (ch.ringTimer) this.cancel(ch.ringTimer);
    this.chan('ChannelDestroyed', ch, { cause, cause_txt: causeText ?? CAUSE_TEXTS[cause] ?? 'Unknown' });
    ch.rtp?.close();
    this.channels.delete(ch.id);
    for (const p of ch.playbacks.splice(0)) this.onPlaybackTargetGone?.(p);
    this.onChannelGone?.(ch);
  }

  /** Hooks for the playback/recording layer. */
  onPlaybackTargetGone: ((playbackId: string) => void) | undefined;
  onChannelGone: ((ch: SimChannel) => void) | undefined;

  /** The Stasis exit that ends every channel: leave its bridge, StasisEnd, STASISSTATUS for each entry. */
  private leaveEverything(ch: SimChannel): void {
    if (ch.bridgeId) {
      const br = this.bridges.get(ch.bridgeId);
      if (br) this.leaveBridge(br, ch);
    }
    this.leaveStasis(ch);
    for (let i = 0; i < ch.stasisEntries; i++) this.setVar(ch, 'STASISSTATUS', 'SUCCESS');
    ch.stasisEntries = 0;
  }

  /** Ends a channel's snoops: their bridges keep the ExternalMedia channels (nothing is cleaned up for you). */
  endSnoops(ch: SimChannel): void {
    for (const sid of [...ch.snoops]) {
      const s = this.channels.get(sid);
      ch.snoops.delete(sid);
      if (!s || s.destroyed) continue;
      this.leaveEverything(s);
      this.destroy(s, 16);
    }
  }

  // --- hangups ----------------------------------------------------------------

  /** `DELETE /channels/{id}`: the app hangs up (HangupRequest cause 32 soft, then cause 16). */
  hangupByApp(ch: SimChannel, causeCode = 16): void {
    if (ch.destroyed) return;
    const p = ch.partner;
    ch.script?.abort();
    this.hangupRequest(ch, { cause: 32, soft: true });
    if ((ch.kind === 'local1' || ch.kind === 'pjsip-out') && !ch.answered) {
      // A ringing originate cancelled by the app: Dial NOANSWER (unlike a ring timeout).
      this.dial(ch, 'NOANSWER');
      if (p) this.hangupRequest(p, { cause: causeCode });
      this.destroy(ch, causeCode);
      if (p) this.finishPartner(p, causeCode);
      return;
    }
    this.leaveEverything(ch);
    if (p) this.hangupRequest(p, { cause: causeCode });
    this.endSnoops(ch);
    this.destroy(ch, causeCode);
    if (p) this.finishPartner(p, causeCode);
  }

  private finishPartner(p: SimChannel, cause: number): void {
    p.script?.abort();
    if (p.inPlayback) {
      p.inPlayback = false;
      this.setVar(p, 'PLAYBACKSTATUS', 'SUCCESS');
    }
    this.hangupRequest(p, { cause: 16, soft: true });
    this.destroy(p, cause);
  }

  /** The far end hangs up: a Local party's `Hangup(cause)`, or a SIP BYE (no cause in the HangupRequest). */
  hangupByFarEnd(ch: SimChannel, cause = 16): void {
    if (ch.destroyed) return;
    const p = ch.partner;
    if (ch.kind === 'local1' && p) {
      this.step(p, 'Hangup', String(cause));
      p.script?.abort();
      if (p.inPlayback) {
        p.inPlayback = false;
        this.setVar(p, 'PLAYBACKSTATUS', 'SUCCESS');
      }
      this.hangupRequest(p, { cause, soft: true });
      this.hangupRequest(ch, { cause });
      this.destroy(p, cause);
      this.leaveEverything(ch);
      this.endSnoops(ch);
      this.destroy(ch, cause);
      return;
    }
    // A SIP BYE: RTP QoS variables, a HangupRequest with no cause, then the Stasis exit.
    ch.script?.abort();
    this.rtpQos(ch);
    this.hangupRequest(ch, {});
    this.leaveEverything(ch);
    if (ch.kind === 'pjsip-in') this.hangupRequest(ch, { cause: 16, soft: true });
    this.endSnoops(ch);
    this.destroy(ch, 16);
  }

  private rtpQos(ch: SimChannel): void {
    const peer = ch.bridgeId
      ? (this.bridges.get(ch.bridgeId)?.channels.map((id) => this.channels.get(id)).find((c) => c && c.id !== ch.id && c.kind === 'externalMedia') ?? undefined)
      : undefined;
    const stats: Array<[string, string]> = [
      ['RTPAUDIOQOS', 'ssrc=314598702;themssrc=1592594996;lp=0;rxjitter=0.000000;rxcount=329;txjitter=0.000000;txcount=0;rlp=0;rtt=0.000000;rxmes=0.000000;txmes=88.087887'],
      ['RTPAUDIOQOSJITTER', 'minrxjitter=000.000000;maxrxjitter=000.000000;avgrxjitter=000.000000;stdevrxjitter=000.000000;mintxjitter=000.000000;maxtxjitter=000.000000;avgtxjitter=000.000000;stdevtxjitter=000.000000;'],
      ['RTPAUDIOQOSLOSS', '  minrxlost=000.000000;  maxrxlost=000.000000;  avgrxlost=000.000000;  stdevrxlost=000.000000;  mintxlost=000.000000;  maxtxlost=000.000000;  avgtxlost=000.000000;  stdevtxlost=000.000000;'],
      ['RTPAUDIOQOSRTT', '     minrtt=000.000000;     maxrtt=000.000000;     avgrtt=000.000000;     stdevrtt=000.000000;'],
      ['RTPAUDIOQOSMES', '   minrxmes=088.087887;   maxrxmes=088.087887;   avgrxmes=088.087887;   stdevrxmes=000.000000;   mintxmes=000.000000;   maxtxmes=000.000000;   avgtxmes=000.000000;   stdevtxmes=000.000000;'],
    ];
    for (const [k, v] of stats) {
      this.setVar(ch, k, v);
      if (peer) this.setVar(peer, `${k}BRIDGED`, v);
    }
  }

  /** An unanswered originate times out: cause 19 on both halves, and no Dial NOANSWER. */
  ringTimeout(ch: SimChannel): void {
    if (ch.destroyed || ch.answered) return;
    const p = ch.partner;
    ch.script?.abort();
    if (p) {
      p.script?.abort();
      this.hangupRequest(p, { cause: 19 });
    }
    this.destroy(ch, 19);
    if (p) {
      this.hangupRequest(p, { cause: 16, soft: true });
      this.destroy(p, 19);
    }
  }

  // --- bridges -----------------------------------------------------------------

  /** A bridge made through ARI; an app subscribes to it when one of its Stasis channels joins. */
  createBridge(init: { id?: string; name?: string; type?: string }): SimBridge {
    const br = new SimBridge(init.id ?? this.newUuid(), init.name ?? '', init.type ?? 'mixing', this.nowIso());
    this.bridges.set(br.id, br);
    this.hub.emit('BridgeCreated', { bridge: br.json() }, { bridge: br });
    return br;
  }

  private othersNames(br: SimBridge, ch: SimChannel): string {
    return br.channels
      .filter((id) => id !== ch.id)
      .map((id) => this.channels.get(id)?.name ?? '')
      .join(',');
  }

  joinBridge(br: SimBridge, ch: SimChannel): void {
    if (ch.bridgeId === br.id) return;
    if (ch.bridgeId) {
      const old = this.bridges.get(ch.bridgeId);
      if (old) this.leaveBridge(old, ch);
    }
    br.channels.push(ch.id);
    ch.bridgeId = br.id;
    if (ch.stasisApp) br.subscribers.add(ch.stasisApp);
    this.hub.emit('ChannelEnteredBridge', { bridge: br.json(), channel: ch.json() }, { channels: [ch], bridge: br });
    if (br.channels.length >= 2) {
      for (const id of br.channels) {
        const m = this.channels.get(id);
        if (m && m !== ch) this.setVar(m, 'BRIDGEPEER', this.othersNames(br, m));
      }
      this.setVar(ch, 'BRIDGEPEER', this.othersNames(br, ch));
      const members = br.channels.map((id) => this.channels.get(id)).filter((c): c is SimChannel => c !== undefined);
      const sip = members.find((c) => c.kind === 'pjsip-in' || c.kind === 'pjsip-out');
      const em = members.find((c) => c.kind === 'externalMedia');
      if (sip && em && (ch === sip || ch === em) && members.length === 2) {
        this.setVar(em, 'BRIDGEPVTCALLID', sip.protocolId);
        this.chan('ChannelConnectedLine', em);
      }
    }
  }

  leaveBridge(br: SimBridge, ch: SimChannel): void {
    const i = br.channels.indexOf(ch.id);
    if (i < 0) return;
    if (ch.vars.get('BRIDGEPEER')) this.setVar(ch, 'BRIDGEPEER', '');
    if (ch.vars.get('BRIDGEPVTCALLID')) this.setVar(ch, 'BRIDGEPVTCALLID', '');
    br.channels.splice(i, 1);
    ch.bridgeId = undefined;
    this.hub.emit('ChannelLeftBridge', { bridge: br.json(), channel: ch.json() }, { channels: [ch], bridge: br });
  }

  destroyBridge(br: SimBridge): void {
    for (const id of [...br.channels]) {
      const ch = this.channels.get(id);
      if (ch) this.leaveBridge(br, ch);
    }
    this.bridges.delete(br.id);
    for (const p of br.playbacks.splice(0)) this.onPlaybackTargetGone?.(p);
    this.hub.emit('BridgeDestroyed', { bridge: br.json() }, { bridge: br });
  }
}
