import { Type } from '@sinclair/typebox';
import { Codec, EpochMs, ErrorShape, Speaker } from './common.js';

/** Per-leg RTP statistics (RFC 3550 jitter, in milliseconds). */
export const LegStats = Type.Object({
  packets: Type.Integer({ minimum: 0 }),
  bytes: Type.Integer({ minimum: 0 }),
  lost: Type.Integer({ minimum: 0 }),
  late: Type.Integer({ minimum: 0 }),
  duplicate: Type.Integer({ minimum: 0 }),
  jitterMs: Type.Number({ minimum: 0 }),
  concealedMs: Type.Optional(Type.Integer({ minimum: 0 })),
  sttDroppedMs: Type.Optional(Type.Integer({ minimum: 0 })),
});

const RecordingData = Type.Object({
  recordingId: Type.String(),
  callId: Type.String(),
  path: Type.Optional(Type.String()),
  format: Type.Optional(Type.String()),
  channels: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 })),
  durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
  sizeBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  error: Type.Optional(ErrorShape),
});

/**
 * One speech-to-text provider as a gateway sees it (in `media.gateway.heartbeat`):
 * `ok` after its last stream connected or ended cleanly, `down` while new legs
 * skip it after a failure (until `downUntilMs`), `unused` when configured but
 * not tried since the gateway started.
 */
export const SttProviderHealth = Type.Object({
  provider: Type.String({ minLength: 1, maxLength: 64 }),
  state: Type.Union([Type.Literal('ok'), Type.Literal('down'), Type.Literal('unused')]),
  /** Streams open on this provider now. */
  streams: Type.Optional(Type.Integer({ minimum: 0 })),
  /** While `down`: when new legs may start on it again. */
  downUntilMs: Type.Optional(EpochMs),
  lastOkAtMs: Type.Optional(EpochMs),
  lastErrorAtMs: Type.Optional(EpochMs),
  /** The last failure (its coded error: DIALER_ERR_STT_AUTH, DIALER_ERR_STT_UNAVAILABLE, ...); never a key or transcript. */
  lastError: Type.Optional(ErrorShape),
});

/** Messages from the media gateway. */
export const MediaMessages = {
  'media.leg.opened': Type.Object({
    legId: Type.String(),
    callId: Type.String(),
    role: Speaker,
    codec: Codec,
    gatewayId: Type.String(),
    /** Where the gateway receives this leg's RTP. */
    rtpHost: Type.Optional(Type.String()),
    rtpPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  }),
  'media.leg.stats': Type.Object({ legId: Type.String(), callId: Type.String(), stats: LegStats }),
  'media.leg.closed': Type.Object({
    legId: Type.String(),
    callId: Type.String(),
    reason: Type.Union([
      Type.Literal('closed'),
      Type.Literal('rtp_timeout'),
      Type.Literal('error'),
      Type.Literal('shutdown'),
    ]),
    stats: LegStats,
  }),
  /** The gateway announces itself every few seconds; the controller picks healthy gateways from these. */
  'media.gateway.heartbeat': Type.Object({
    gatewayId: Type.String(),
    rtpHost: Type.String(),
    legs: Type.Integer({ minimum: 0 }),
    maxLegs: Type.Integer({ minimum: 0 }),
    draining: Type.Boolean(),
    startedAtMs: EpochMs,
    /** The beat interval (MEDIA_HEARTBEAT_MS): the controller declares the gateway dead after 3 missed beats. */
    intervalMs: Type.Optional(Type.Integer({ minimum: 1 })),
    /** The speech-to-text providers of this gateway's chain (STT_PROVIDERS), in chain order, as the gateway sees them now. */
    stt: Type.Optional(Type.Array(SttProviderHealth, { maxItems: 32 })),
  }),
  /** Speech-to-text state of a leg: connected, failed over, or failed. */
  'media.stt.state': Type.Object({
    legId: Type.String(),
    callId: Type.String(),
    provider: Type.String(),
    state: Type.Union([Type.Literal('connected'), Type.Literal('failover'), Type.Literal('error'), Type.Literal('closed')]),
    next: Type.Optional(Type.String()),
    error: Type.Optional(ErrorShape),
    /** Audio not transcribed (a gap), when a failover or backlog dropped some. */
    gapMs: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  /** Audio seconds sent to a provider, for cost tracking. */
  'stt.usage': Type.Object({
    callId: Type.String(),
    legId: Type.String(),
    provider: Type.String(),
    audioMs: Type.Integer({ minimum: 0 }),
    campaignId: Type.Optional(Type.String()),
  }),
  /** The VAD heard a turn start or end on a leg (offsets within the leg's audio). */
  'media.leg.speech': Type.Object({
    legId: Type.String(),
    callId: Type.String(),
    speaker: Speaker,
    state: Type.Union([Type.Literal('start'), Type.Literal('end')]),
    atMs: Type.Integer({ minimum: 0 }),
  }),
  /** A browser (WebRTC) session on a gateway: an agent's softphone or a supervisor's console. */
  'media.webrtc.state': Type.Object({
    sessionId: Type.String(),
    gatewayId: Type.String(),
    legId: Type.String(),
    role: Speaker,
    state: Type.Union([Type.Literal('connected'), Type.Literal('disconnected'), Type.Literal('closed'), Type.Literal('failed')]),
    codec: Type.Optional(Codec),
    agentId: Type.Optional(Type.String()),
    userId: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
  }),
  'recording.started': RecordingData,
  'recording.paused': RecordingData,
  'recording.resumed': RecordingData,
  'recording.saved': RecordingData,
  'recording.failed': RecordingData,
} as const;
