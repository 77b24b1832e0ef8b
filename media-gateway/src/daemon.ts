// The media gateway daemon: binds the RTP socket, answers the leg and WebRTC
// commands addressed to it on the bus (and its share of the browser offers
// that name no gateway), runs the pacing and housekeeping timers, announces
// itself, and serves /metrics and /health when alone.
import { join } from 'node:path';
import {
  busEventSink,
  createMessage,
  energyVadEngine,
  NOT_MINE,
  once,
  type Daemon,
  type DaemonContext,
  type MediaEventSink,
  type SttStreamFactory,
  type TimerHandle,
  type Unsubscribe,
  type VadEngine,
} from '@dialer/core';
import type { MediaConfig } from './config.js';
import { Gateway, type AnswerFn } from './gateway.js';
import { OfferPlacement } from './webrtc/placement.js';
import { serveMetrics, type MetricsServer } from './transport/http.js';
import { bindRtpSocket, type RtpSocket } from './transport/rtp-socket.js';
import { answerOffer } from './transport/webrtc-peer.js';
import { createWebRtcVadEngine } from './vad/webrtc-vad.js';

/** The media gateway daemon. */
export interface MediaDaemon extends Daemon {
  readonly gatewayId: string;
  /** The bound RTP address, once started. */
  rtpAddress(): { host: string; port: number } | undefined;
  /** The /metrics endpoint, when it runs. */
  metricsAddress(): { host: string; port: number } | undefined;
  /** The legs and sessions (for tests and tools). */
  readonly gateway: Gateway;
  /** Which gateway answers offers that name none, as this one sees its peers. */
  readonly placement: OfferPlacement;
}

/** Optional parts, injected by the composition root. */
export interface MediaDaemonOptions {
  /** Tenant of the heartbeat (default `system`). */
  tenantId?: string;
  /** Speech-to-text streams; without it legs are not transcribed. Closed with the daemon. */
  stt?: SttStreamFactory;
  /** Where events go (default: published on the bus). */
  sink?: MediaEventSink;
  /** Voice activity detector (default: by MEDIA_VAD_ENGINE). */
  vad?: VadEngine;
  /** DATA_DIR, for the default recording directory. */
  dataDir?: string;
  /** One-process mode: register metrics on prom-client's default registry (served by the API) and skip the own endpoint. */
  sharedMetrics?: boolean;
  /** Gateway id (default `media:<nodeId>`). */
  gatewayId?: string;
  /** Answers browser offers (default: werift). */
  answer?: AnswerFn;
  /** Sees every added-latency sample (benchmarks). */
  onAddedLatency?: (ms: number) => void;
}

/** Creates the media gateway over a shared context. */
export function createMediaDaemon(ctx: DaemonContext, config: MediaConfig, options: MediaDaemonOptions = {}): MediaDaemon {
  const log = ctx.log.child({ component: 'media' });
  const gatewayId = options.gatewayId ?? `media:${ctx.nodeId}`;
  const startedAtMs = ctx.clock.now();
  const sink = options.sink ?? busEventSink(ctx.bus, log);
  const vad = options.vad ?? (config.vadEngine === 'energy' ? energyVadEngine : createWebRtcVadEngine());
  if (!options.stt) log.info('no speech-to-text factory; legs are not transcribed');
  const gateway = new Gateway({
    gatewayId,
    source: ctx.nodeId,
    config,
    log,
    clock: ctx.clock,
    sink,
    store: ctx.store,
    ...(options.stt ? { stt: options.stt } : {}),
    vad,
    recordingDir: config.recordingDir ?? join(options.dataDir ?? './data', 'recordings'),
    answer: options.answer ?? answerOffer,
    sharedMetrics: options.sharedMetrics ?? false,
    ...(options.onAddedLatency ? { onAddedLatency: options.onAddedLatency } : {}),
  });
  let socket: RtpSocket | undefined;
  let http: MetricsServer | undefined;
  let fast: TimerHandle | undefined;
  let slow: TimerHandle | undefined;
  let beat: TimerHandle | undefined;
  const handlers: Unsubscribe[] = [];
  const tenant = options.tenantId ?? 'system';
  const placement = new OfferPlacement(gatewayId, config.heartbeatMs);

  const heartbeat = (): void => {
    const data = {
      gatewayId,
      rtpHost: config.advertiseHost ?? config.rtpHost,
      legs: gateway.legs.size + gateway.sessions.size,
      maxLegs: config.maxLegs,
      draining: gateway.draining,
      startedAtMs,
      intervalMs: config.heartbeatMs,
    };
    placement.prune(ctx.clock.now());
    placement.onHeartbeat(data, ctx.clock.now());
    ctx.bus.publish(createMessage('media.gateway.heartbeat', tenant, data, { source: ctx.nodeId, clock: ctx.clock })).catch((err: unknown) => {
      log.warn({ err }, 'heartbeat publish failed');
    });
  };

  const mine = (id: string | undefined, strict: boolean): boolean => (id === undefined ? !strict : id === gatewayId);

  return {
    name: 'media-gateway',
    gatewayId,
    gateway,
    placement,
    rtpAddress: () => socket?.address,
    metricsAddress: () => http?.address,
    async start() {
      socket = await bindRtpSocket({ host: config.rtpHost, port: config.rtpPort, recvBufferBytes: config.recvBufferBytes, log }, (buf, address, port) =>
        gateway.onDatagram(buf, address, port),
      );
      const s = socket;
      gateway.attachSocket(s.address, (buf, len, port, host) => s.send(buf, len, port, host));
      handlers.push(
        await ctx.bus.handle('cmd.media.leg.open', (m) => (mine(m.data.gatewayId, true) ? gateway.openLeg(m.data, m.tenantId) : NOT_MINE)),
        await ctx.bus.handle('cmd.media.leg.update', (m) => (mine(m.data.gatewayId, true) ? gateway.updateLeg(m.data) : NOT_MINE)),
        await ctx.bus.handle('cmd.media.leg.close', (m) => (mine(m.data.gatewayId, true) ? gateway.closeLegCommand(m.data.legId) : NOT_MINE)),
        await ctx.bus.handle('cmd.media.leg.play', (m) => (mine(m.data.gatewayId, true) ? gateway.play(m.data) : NOT_MINE)),
        // Peers and the sessions they hold, for offers that name no gateway.
        await ctx.bus.subscribe('media.gateway.heartbeat', (m) => {
          // A gateway seen for the first time learns of this one at once, not a beat later.
          if (m.type === 'media.gateway.heartbeat' && placement.onHeartbeat(m.data, ctx.clock.now())) heartbeat();
        }),
        await ctx.bus.subscribe('media.webrtc.state', (m) => {
          if (m.type === 'media.webrtc.state') placement.onSessionState(m.data);
        }),
        await ctx.bus.handle('cmd.media.webrtc.offer', (m) => {
          const d = m.data;
          const answers = d.gatewayId !== undefined ? d.gatewayId === gatewayId : placement.answers(d.sessionId, gateway.sessions.has(d.sessionId), ctx.clock.now());
          return answers ? gateway.webrtcOffer(d, m.tenantId) : NOT_MINE;
        }),
        await ctx.bus.handle('cmd.media.webrtc.close', (m) => {
          if (!mine(m.data.gatewayId, false)) return NOT_MINE;
          // Without a gateway id, only the gateway that holds the session answers.
          if (m.data.gatewayId === undefined && !gateway.sessions.has(m.data.sessionId)) return NOT_MINE;
          return gateway.webrtcClose(m.data.sessionId);
        }),
      );
      fast = ctx.clock.setInterval(() => gateway.tick(), 10);
      slow = ctx.clock.setInterval(() => gateway.housekeeping(), 1000);
      if (!options.sharedMetrics && config.metricsPort > 0) {
        http = await serveMetrics(config.metricsHost, config.metricsPort, gateway.metrics.registry, () => ({
          ok: true,
          gatewayId,
          draining: gateway.draining,
          legs: gateway.legs.size,
          sessions: gateway.sessions.size,
        }));
      }
      log.info({ rtp: s.address, recvBufferBytes: s.recvBufferBytes, metrics: http?.address, gatewayId }, 'media gateway listening');
      heartbeat();
      beat = ctx.clock.setInterval(heartbeat, config.heartbeatMs);
    },
    async drain(signal) {
      gateway.draining = true;
      heartbeat();
      // Calls in flight end on their own (the controller closes their legs).
      while (gateway.legs.size > 0 && !signal.aborted) {
        await ctx.clock.sleep(100, signal).catch(() => undefined);
      }
    },
    close: once(async () => {
      ctx.clock.clearInterval(beat);
      for (const u of handlers.splice(0)) await u().catch(() => undefined);
      await gateway.closeAll();
      // The gateway owns the factory it was given: its streams are closed by now.
      await options.stt?.close().catch((err: unknown) => log.warn({ err }, 'stt factory close failed'));
      ctx.clock.clearInterval(fast);
      ctx.clock.clearInterval(slow);
      await http?.close();
      await socket?.close();
    }),
  };
}
