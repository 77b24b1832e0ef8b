// The gateway's legs and browser sessions, and the commands that drive them.
// No sockets here: datagrams come in through `onDatagram`, go out through
// `send`, and browsers are answered through an injected `answer` function,
// so everything can be tested without a network.
import type { Logger } from 'pino';
import {
  createMessage,
  createRtpHeader,
  DialerError,
  newId,
  type AnyMessage,
  type Clock,
  type MediaEventSink,
  type MessageData,
  type Store,
  type SttStreamFactory,
  type VadEngine,
} from '@dialer/core';
import type { MediaConfig } from './config.js';
import { RtpLeg, type LegDeps } from './leg.js';
import { GatewayCounters, GatewayMetrics } from './metrics.js';
import { RecordingManager } from './record/recordings.js';
import { RtpDemux } from './rtp/demux.js';
import type { PeerState, WebRtcPeer, WebRtcPeerOptions } from './transport/webrtc-peer.js';
import { WebRtcSession } from './webrtc/session.js';

/** Answers a browser offer (werift in production). */
export type AnswerFn = (offerSdp: string, options: WebRtcPeerOptions) => Promise<{ sdp: string; peer: WebRtcPeer }>;

/** What a {@link Gateway} is built from. */
export interface GatewayOptions {
  gatewayId: string;
  /** Node id: the messages' source. */
  source: string;
  config: MediaConfig;
  log: Logger;
  clock: Clock;
  sink: MediaEventSink;
  store?: Store;
  stt?: SttStreamFactory;
  vad: VadEngine;
  recordingDir: string;
  answer: AnswerFn;
  /** Shares prom-client's default registry (one-process mode). */
  sharedMetrics?: boolean;
  /** Sees every added-latency sample (benchmarks). */
  onAddedLatency?: (ms: number) => void;
}

type LegClosedReason = MessageData<'media.leg.closed'>['reason'];

/** Legs, sessions and commands of one gateway. */
export class Gateway {
  readonly counters = new GatewayCounters();
  readonly metrics: GatewayMetrics;
  readonly demux: RtpDemux;
  readonly legs = new Map<string, RtpLeg>();
  readonly sessions = new Map<string, WebRtcSession>();
  readonly recordings: RecordingManager;
  private readonly legDeps: LegDeps;
  private readonly statsAt = new Map<string, number>();
  /** Legs with timer work (held packets, paced sending); most legs have none, so the 10 ms tick skips them. */
  private readonly ticking = new Set<RtpLeg>();
  private send: (buf: Buffer, length: number, port: number, host: string) => void = () => undefined;
  private rtpAddress: { host: string; port: number } = { host: '127.0.0.1', port: 0 };
  draining = false;
  private closed = false;

  constructor(private readonly o: GatewayOptions) {
    this.demux = new RtpDemux({ earlyPacketMs: o.config.earlyPacketMs });
    this.metrics = new GatewayMetrics(
      this.counters,
      {
        legs: () => ({ rtp: this.legs.size, webrtc: this.sessions.size }),
        liveLost: () => sum(this.legs, (l) => l.receiver.stats.lost),
        liveConcealedMs: () => sum(this.legs, (l) => l.receiver.stats.concealedMs),
        sttBacklogBytes: () => sum(this.legs, (l) => l.sttBacklogBytes),
        recordings: () => this.recordings.active,
        earlySources: () => this.demux.earlySources,
        syncDrops: () => this.syncDrops(),
      },
      { gatewayId: o.gatewayId, shared: o.sharedMetrics ?? false },
    );
    this.recordings = new RecordingManager({
      dir: o.recordingDir,
      layout: o.config.recordingLayout,
      sampleRate: o.config.recordingSampleRate,
      sink: o.sink,
      store: o.store,
      log: o.log.child({ component: 'recording' }),
      clock: o.clock,
      source: o.source,
    });
    this.legDeps = {
      log: o.log,
      clock: o.clock,
      sink: o.sink,
      counters: this.counters,
      metrics: this.metrics,
      header: createRtpHeader(),
      config: o.config,
      vad: o.vad,
      stt: o.stt,
      source: o.source,
      send: (buf, len, port, host) => this.send(buf, len, port, host),
      wantTick: (leg) => {
        if (this.legs.get(leg.legId) === leg) this.ticking.add(leg);
      },
      ...(o.onAddedLatency ? { onAddedLatency: o.onAddedLatency } : {}),
    };
  }

  get gatewayId(): string {
    return this.o.gatewayId;
  }

  /** Connects the RTP socket: where replies say to send, and how to send. */
  attachSocket(address: { host: string; port: number }, send: (buf: Buffer, length: number, port: number, host: string) => void): void {
    this.rtpAddress = address;
    this.send = send;
  }

  /** A datagram on the RTP socket. */
  onDatagram(buf: Buffer, address: string, port: number): void {
    this.demux.route(buf, address, port, this.o.clock.now());
  }

  /** Brings the unknown-source count up to date (the demux counts them). */
  syncDrops(): GatewayCounters {
    this.counters.dropped.unknown_source = this.demux.unknown + this.demux.earlyDropped;
    return this.counters;
  }

  /** `cmd.media.leg.open`: returns where Asterisk should send the leg's RTP. */
  openLeg(d: MessageData<'cmd.media.leg.open'>, tenantId: string): { rtpHost: string; rtpPort: number; legId: string } {
    this.assertOpen();
    const reply = { rtpHost: this.o.config.advertiseHost ?? this.rtpAddress.host, rtpPort: this.rtpAddress.port, legId: d.legId };
    const existing = this.legs.get(d.legId);
    if (existing) {
      // A retried open (the reply was lost) gets the same answer.
      if (existing.openedCallId !== d.callId) throw new DialerError('DIALER_ERR_CONFLICT', 'leg id already used by another call');
      return reply;
    }
    if (this.draining) throw new DialerError('DIALER_ERR_DRAINING');
    if (this.legs.size + this.sessions.size >= this.o.config.maxLegs) throw new DialerError('DIALER_ERR_MEDIA_CAPACITY');
    let session: WebRtcSession | undefined;
    if (d.webrtcSessionId !== undefined) {
      session = this.sessions.get(d.webrtcSessionId);
      if (!session) throw new DialerError('DIALER_ERR_NOT_FOUND', 'no such WebRTC session on this gateway', { details: { sessionId: d.webrtcSessionId } });
    }
    // Supervisors are not transcribed unless asked; others use the leg's chain or the default one.
    const chain = d.stt ? d.stt.providers : d.role === 'supervisor' ? undefined : [];
    const leg = new RtpLeg(
      {
        legId: d.legId,
        callId: d.callId,
        speaker: d.role,
        tenantId,
        codec: d.codec,
        ...(d.campaignId ? { campaignId: d.campaignId } : {}),
        ...(d.agentId ? { agentId: d.agentId } : {}),
        ...(d.webrtcSessionId ? { webrtcSessionId: d.webrtcSessionId } : {}),
        ...(chain ? { sttChain: chain } : {}),
        ...(d.stt?.language ? { language: d.stt.language } : {}),
        ...(d.stt?.hints ? { hints: d.stt.hints } : {}),
        ...(d.gapMs ? { gapMs: d.gapMs } : {}),
      },
      this.legDeps,
    );
    this.legs.set(d.legId, leg);
    this.demux.waiting++;
    this.statsAt.set(d.legId, this.o.clock.now());
    if (session) this.bridge(session, leg);
    // A softphone leg opened between calls (callId '') records nothing until it has a call.
    if (d.record && d.callId !== '') this.recordings.start(leg, false);
    this.metrics.legsOpened.inc({ kind: 'rtp' });
    this.o.log.info({ callId: d.callId, legId: d.legId, role: d.role, codec: d.codec, bridged: session !== undefined }, 'leg opened');
    this.emit('media.leg.opened', tenantId, {
      legId: d.legId,
      callId: d.callId,
      role: d.role,
      codec: d.codec,
      gatewayId: this.o.gatewayId,
      rtpHost: reply.rtpHost,
      ...(reply.rtpPort > 0 ? { rtpPort: reply.rtpPort } : {}),
    });
    return reply;
  }

  /** `cmd.media.leg.update`: Asterisk's address, recording on/off, pause. */
  updateLeg(d: MessageData<'cmd.media.leg.update'>): { legId: string; callId: string; recording: boolean; transcribing: boolean } {
    this.assertOpen();
    const leg = this.requireLeg(d.legId);
    if (d.remoteHost !== undefined || d.remotePort !== undefined) {
      if (d.remoteHost === undefined || d.remotePort === undefined) throw new DialerError('DIALER_ERR_VALIDATION', 'remoteHost and remotePort go together');
      const before = leg.remote;
      if (before) this.demux.unregister(leg, before.host, before.port);
      else this.demux.waiting--;
      leg.setRemote(d.remoteHost, d.remotePort);
      const evicted = this.demux.register(leg, d.remoteHost, d.remotePort);
      if (evicted) this.o.log.warn({ legId: d.legId, remote: `${d.remoteHost}:${d.remotePort}` }, 'rtp source moved from another leg');
    }
    if (d.callId !== undefined && d.callId !== leg.spec.callId) {
      // A softphone leg moves to another call: the last call's recording and transcript end here.
      this.recordings.stop(leg);
      leg.switchCall(d.callId, d.campaignId, d.stt);
      this.o.log.info({ legId: d.legId, callId: d.callId }, 'leg moved to another call');
    } else {
      if (d.campaignId !== undefined) leg.spec.campaignId = d.campaignId;
      if (d.stt) {
        leg.setSttSettings(d.stt);
        leg.startStt();
      }
    }
    if (d.record === true && leg.spec.callId !== '') this.recordings.start(leg, d.recordingPaused ?? false);
    else if (d.record === false) this.recordings.stop(leg);
    if (d.recordingPaused !== undefined && d.record !== false) this.recordings.setPaused(leg, d.recordingPaused);
    return { legId: d.legId, callId: leg.spec.callId, recording: this.recordings.isRecording(leg), transcribing: leg.transcribing };
  }

  /** `cmd.media.leg.close`. */
  async closeLegCommand(legId: string): Promise<{ legId: string; stats: MessageData<'media.leg.stats'>['stats'] }> {
    const leg = this.requireLeg(legId);
    const stats = await this.closeLeg(leg, 'closed');
    return { legId, stats };
  }

  /** `cmd.media.leg.play`. */
  async play(d: MessageData<'cmd.media.leg.play'>): Promise<{ durationMs: number }> {
    this.assertOpen();
    const leg = this.requireLeg(d.legId);
    if (d.stop) {
      leg.stopPlayback();
      return { durationMs: 0 };
    }
    if (!d.path) throw new DialerError('DIALER_ERR_VALIDATION', 'path or stop is required');
    return { durationMs: await leg.play(d.path) };
  }

  /** `cmd.media.webrtc.offer`: answers a browser; replaces a session with the same id. */
  async webrtcOffer(d: MessageData<'cmd.media.webrtc.offer'>, tenantId: string): Promise<{ sdp: string; legId: string; gatewayId: string }> {
    this.assertOpen();
    if (this.draining) throw new DialerError('DIALER_ERR_DRAINING');
    const previous = this.sessions.get(d.sessionId);
    if (!previous && this.legs.size + this.sessions.size >= this.o.config.maxLegs) throw new DialerError('DIALER_ERR_MEDIA_CAPACITY');
    const c = this.o.config;
    const { sdp, peer } = await this.o.answer(d.sdp, {
      ...(c.webrtcHost ? { host: c.webrtcHost } : {}),
      ...(c.webrtcPortMin > 0 ? { portRange: [c.webrtcPortMin, c.webrtcPortMax] as [number, number] } : {}),
    });
    if (this.closed) {
      await peer.close();
      throw new DialerError('DIALER_ERR_CLOSED');
    }
    const legId = newId(this.o.clock.now());
    const session = new WebRtcSession(
      { sessionId: d.sessionId, legId, role: d.role, tenantId, ...(d.agentId ? { agentId: d.agentId } : {}), ...(d.userId ? { userId: d.userId } : {}) },
      peer,
      {
        jitterDepth: c.jitterDepth,
        jitterMaxWaitMs: c.jitterMaxWaitMs,
        now: () => this.o.clock.now(),
        log: this.o.log.child({ sessionId: d.sessionId }),
        onState: (s, state) => this.onSessionState(s, state),
      },
    );
    let bridged: RtpLeg | undefined;
    if (previous) {
      bridged = previous.bridgedLeg;
      await this.closeSession(previous, 'closed', 'replaced');
    }
    this.sessions.set(d.sessionId, session);
    if (bridged && this.legs.get(bridged.legId) === bridged) this.bridge(session, bridged);
    this.metrics.legsOpened.inc({ kind: 'webrtc' });
    this.o.log.info({ sessionId: d.sessionId, legId, role: d.role, codec: session.codec }, 'webrtc session answered');
    return { sdp, legId, gatewayId: this.o.gatewayId };
  }

  /** `cmd.media.webrtc.close`. */
  async webrtcClose(sessionId: string): Promise<{ sessionId: string }> {
    const s = this.sessions.get(sessionId);
    if (!s) throw new DialerError('DIALER_ERR_NOT_FOUND', 'no such WebRTC session on this gateway', { details: { sessionId } });
    await this.closeSession(s, 'closed', 'closed');
    return { sessionId };
  }

  /** Fast timer (10 ms): paced sending and reorder timeouts. */
  tick(): void {
    const now = this.o.clock.now();
    for (const leg of this.ticking) {
      leg.tick(now);
      if (!leg.needsTick) this.ticking.delete(leg);
    }
    for (const s of this.sessions.values()) s.tick(now);
  }

  /** Slow timer (1 s): RTP timeouts, stats, held packets, stuck browser sessions. */
  housekeeping(): void {
    const now = this.o.clock.now();
    const c = this.o.config;
    this.demux.expire(now);
    for (const leg of [...this.legs.values()]) {
      const last = leg.lastPacketAtMs || leg.openedAtMs;
      if (now - last >= c.rtpTimeoutMs) {
        this.o.log.warn({ callId: leg.spec.callId, legId: leg.legId, silentMs: now - last }, 'rtp timeout; closing leg');
        void this.closeLeg(leg, 'rtp_timeout');
        continue;
      }
      if (c.statsIntervalMs > 0 && now - (this.statsAt.get(leg.legId) ?? 0) >= c.statsIntervalMs) {
        this.statsAt.set(leg.legId, now);
        const stats = leg.stats();
        this.metrics.jitter.observe(stats.jitterMs);
        this.emit('media.leg.stats', leg.spec.tenantId, { legId: leg.legId, callId: leg.spec.callId, stats });
      }
    }
    for (const s of [...this.sessions.values()]) {
      if (s.state !== 'connected' && now - s.stateSinceMs >= c.webrtcConnectTimeoutMs) {
        void this.closeSession(s, 'failed', s.state === 'connecting' ? 'connect_timeout' : 'disconnected_timeout');
      }
    }
  }

  /** Closes one leg and reports it. */
  async closeLeg(leg: RtpLeg, reason: LegClosedReason): Promise<MessageData<'media.leg.stats'>['stats']> {
    if (this.legs.get(leg.legId) !== leg) return leg.stats();
    this.legs.delete(leg.legId);
    this.statsAt.delete(leg.legId);
    this.ticking.delete(leg);
    if (leg.remote) this.demux.unregister(leg, leg.remote.host, leg.remote.port);
    else this.demux.waiting--;
    for (const s of this.sessions.values()) if (s.bridgedLeg === leg) s.bridge(undefined);
    await leg.close();
    this.recordings.stop(leg);
    const stats = leg.stats();
    this.counters.lostClosed += stats.lost;
    this.counters.concealedMsClosed += stats.concealedMs ?? 0;
    this.metrics.jitter.observe(stats.jitterMs);
    this.metrics.legsClosed.inc({ reason });
    this.o.log.info({ callId: leg.spec.callId, legId: leg.legId, reason, stats }, 'leg closed');
    this.emit('media.leg.closed', leg.spec.tenantId, { legId: leg.legId, callId: leg.spec.callId, reason, stats });
    return stats;
  }

  /** Closes everything (shutdown): legs are reported with reason `shutdown`, recordings saved. */
  async closeAll(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.legs.values()].map((l) => this.closeLeg(l, 'shutdown')));
    await Promise.allSettled([...this.sessions.values()].map((s) => this.closeSession(s, 'closed', 'shutdown')));
    await this.recordings.closeAll();
    await this.o.sink.flush?.();
    this.metrics.close();
  }

  private bridge(session: WebRtcSession, leg: RtpLeg): void {
    for (const other of this.legs.values()) {
      if (other !== leg && other.spec.webrtcSessionId === session.sessionId && session.bridgedLeg === other) other.setBridge(undefined);
    }
    session.bridge(leg);
    leg.setBridge(session);
  }

  private onSessionState(s: WebRtcSession, state: PeerState): void {
    if (this.sessions.get(s.sessionId) !== s) return;
    if (state === 'connected' || state === 'disconnected') this.emitSession(s, state);
    else if (state === 'failed') void this.closeSession(s, 'failed', 'ice_failed');
    else if (state === 'closed') void this.closeSession(s, 'closed', 'peer_closed');
  }

  private async closeSession(s: WebRtcSession, state: 'closed' | 'failed', reason: string): Promise<void> {
    if (this.sessions.get(s.sessionId) !== s) return;
    this.sessions.delete(s.sessionId);
    const leg = s.bridgedLeg;
    if (leg) leg.setBridge(undefined);
    await s.close();
    this.metrics.legsClosed.inc({ reason: state });
    this.o.log.info({ sessionId: s.sessionId, reason }, 'webrtc session closed');
    this.emitSession(s, state, reason);
  }

  private emitSession(s: WebRtcSession, state: MessageData<'media.webrtc.state'>['state'], reason?: string): void {
    const spec = s.spec;
    this.emit('media.webrtc.state', spec.tenantId, {
      sessionId: spec.sessionId,
      gatewayId: this.o.gatewayId,
      legId: spec.legId,
      role: spec.role,
      state,
      codec: s.codec,
      ...(spec.agentId ? { agentId: spec.agentId } : {}),
      ...(spec.userId ? { userId: spec.userId } : {}),
      ...(reason ? { reason } : {}),
    });
  }

  private requireLeg(legId: string): RtpLeg {
    const leg = this.legs.get(legId);
    if (!leg) throw new DialerError('DIALER_ERR_MEDIA_LEG_UNKNOWN', 'no such leg on this gateway', { details: { legId } });
    return leg;
  }

  private assertOpen(): void {
    if (this.closed) throw new DialerError('DIALER_ERR_CLOSED', 'media gateway is closed');
  }

  private emit<T extends 'media.leg.opened' | 'media.leg.stats' | 'media.leg.closed' | 'media.webrtc.state'>(type: T, tenantId: string, data: MessageData<T>): void {
    this.o.sink.emit(createMessage(type, tenantId, data, { clock: this.o.clock, source: this.o.source }) as AnyMessage);
  }
}

function sum<T>(m: Map<string, T>, f: (v: T) => number): number {
  let s = 0;
  for (const v of m.values()) s += f(v);
  return s;
}
