import { Type } from '@sinclair/typebox';
import { Codec, ErrorShape, Speaker, Target } from './common.js';

/**
 * Commands: sent with `bus.request()` and answered by `cmd.reply`. The API and
 * CLI send call and agent commands to the ARI controller; the controller sends
 * leg commands to a media gateway.
 */
export const CommandMessages = {
  'cmd.call.originate': Type.Object({
    phone: Type.String(),
    campaignId: Type.Optional(Type.String()),
    leadId: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
    agentId: Type.Optional(Type.String()),
    callerId: Type.Optional(Type.String()),
    ringTimeoutS: Type.Optional(Type.Integer({ minimum: 1, maximum: 300 })),
  }),
  'cmd.call.hangup': Type.Object({ callId: Type.String(), reason: Type.Optional(Type.String()) }),
  'cmd.call.transfer': Type.Object({
    callId: Type.String(),
    action: Type.Union([
      Type.Literal('blind'),
      Type.Literal('warm'),
      Type.Literal('complete'),
      Type.Literal('cancel'),
      Type.Literal('three_way'),
    ]),
    target: Type.Optional(Target),
  }),
  'cmd.call.hold': Type.Object({ callId: Type.String(), hold: Type.Boolean() }),
  'cmd.call.mute': Type.Object({ callId: Type.String(), mute: Type.Boolean() }),
  'cmd.call.monitor': Type.Object({
    callId: Type.String(),
    supervisorId: Type.String(),
    mode: Type.Union([Type.Literal('listen'), Type.Literal('whisper'), Type.Literal('barge'), Type.Literal('stop')]),
  }),
  'cmd.call.record': Type.Object({
    callId: Type.String(),
    action: Type.Union([Type.Literal('start'), Type.Literal('stop'), Type.Literal('pause'), Type.Literal('resume')]),
  }),
  'cmd.call.dtmf': Type.Object({ callId: Type.String(), digits: Type.String({ pattern: '^[0-9A-D*#]{1,32}$' }) }),
  'cmd.agent.state': Type.Object({
    agentId: Type.String(),
    action: Type.Union([
      Type.Literal('login'),
      Type.Literal('logout'),
      Type.Literal('ready'),
      Type.Literal('pause'),
      Type.Literal('wrap_up_done'),
    ]),
    reason: Type.Optional(Type.String()),
    campaignIds: Type.Optional(Type.Array(Type.String())),
  }),
  'cmd.campaign.control': Type.Object({
    campaignId: Type.String(),
    action: Type.Union([Type.Literal('start'), Type.Literal('pause'), Type.Literal('stop')]),
  }),
  'cmd.media.leg.open': Type.Object({
    legId: Type.String(),
    callId: Type.String(),
    role: Speaker,
    codec: Codec,
    /** The gateway this command is for; others ignore it. */
    gatewayId: Type.String(),
    record: Type.Optional(Type.Boolean()),
    stt: Type.Optional(
      Type.Object({
        providers: Type.Array(Type.String(), { minItems: 1 }),
        language: Type.Optional(Type.String()),
        hints: Type.Optional(Type.Array(Type.String())),
      }),
    ),
    campaignId: Type.Optional(Type.String()),
    agentId: Type.Optional(Type.String()),
    /** Bridge this RTP leg to a browser session of the same gateway: Asterisk's audio goes to the browser, the browser's back to Asterisk (and is what gets transcribed). */
    webrtcSessionId: Type.Optional(Type.String()),
    /** A tap re-opened on this gateway after its first gateway died: milliseconds of audio lost in between (the transcript resumes after this gap). */
    gapMs: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  'cmd.media.leg.update': Type.Object({
    legId: Type.String(),
    gatewayId: Type.String(),
    /** Asterisk's UNICASTRTP_LOCAL_ADDRESS/PORT: where RTP comes from and where return audio goes. */
    remoteHost: Type.Optional(Type.String()),
    remotePort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    record: Type.Optional(Type.Boolean()),
    recordingPaused: Type.Optional(Type.Boolean()),
    /** Softphone legs (webrtcSessionId): the call the agent is on now, '' between calls, so the agent's own transcript and recording belong to it. */
    callId: Type.Optional(Type.String()),
    campaignId: Type.Optional(Type.String()),
    stt: Type.Optional(
      Type.Object({
        providers: Type.Array(Type.String()),
        language: Type.Optional(Type.String()),
      }),
    ),
  }),
  'cmd.media.leg.close': Type.Object({ legId: Type.String(), gatewayId: Type.String(), reason: Type.Optional(Type.String()) }),
  /** Plays a WAV file (a prompt or TTS output, on the gateway's disk) to Asterisk on a leg, paced at 20 ms; `stop` ends it. Reply `{ durationMs }`. */
  'cmd.media.leg.play': Type.Object({
    legId: Type.String(),
    gatewayId: Type.String(),
    path: Type.Optional(Type.String({ minLength: 1 })),
    stop: Type.Optional(Type.Boolean()),
  }),
  /** A browser's SDP offer (agent softphone or supervisor leg); the reply carries `{ sdp, legId }`. */
  'cmd.media.webrtc.offer': Type.Object({
    sessionId: Type.String(),
    role: Speaker,
    sdp: Type.String({ maxLength: 65536 }),
    agentId: Type.Optional(Type.String()),
    userId: Type.Optional(Type.String()),
    callId: Type.Optional(Type.String()),
    /** When set, only that gateway answers. */
    gatewayId: Type.Optional(Type.String()),
  }),
  'cmd.media.webrtc.close': Type.Object({ sessionId: Type.String(), gatewayId: Type.Optional(Type.String()) }),
  /** The answer to any command; `correlationId` on the envelope names the request. */
  'cmd.reply': Type.Object({
    ok: Type.Boolean(),
    result: Type.Optional(Type.Unknown()),
    error: Type.Optional(ErrorShape),
  }),
} as const;
