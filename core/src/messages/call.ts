import { Type } from '@sinclair/typebox';
import { AgentState, AmdResult, CallDirection, CallOutcome, EpochMs, HangupBy, Target } from './common.js';

const Ids = {
  callId: Type.String(),
  campaignId: Type.Optional(Type.String()),
  leadId: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
};

/** Messages about a call's life, published by the ARI controller. */
export const CallMessages = {
  'call.dialing': Type.Object({
    ...Ids,
    direction: CallDirection,
    phone: Type.String(),
    callerId: Type.Optional(Type.String()),
    agentId: Type.Optional(Type.String()),
  }),
  'call.ringing': Type.Object({ ...Ids, atMs: EpochMs }),
  'call.answered': Type.Object({ ...Ids, atMs: EpochMs }),
  'call.amd': Type.Object({ ...Ids, result: AmdResult, cause: Type.Optional(Type.String()), durationMs: Type.Optional(Type.Integer()) }),
  'call.queued': Type.Object({
    ...Ids,
    queueId: Type.String(),
    position: Type.Integer({ minimum: 0 }),
    waitingMs: Type.Integer({ minimum: 0 }),
  }),
  'call.connected': Type.Object({
    ...Ids,
    agentId: Type.String(),
    bridgeId: Type.Optional(Type.String()),
    /** From human answer to the agent hearing the customer. */
    waitMs: Type.Integer({ minimum: 0 }),
  }),
  /** The call pop-up for the agent: the lead's details travel with it. */
  'call.popup': Type.Object({
    ...Ids,
    agentId: Type.String(),
    direction: CallDirection,
    lead: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    script: Type.Optional(Type.String()),
  }),
  'call.hold': Type.Object({ ...Ids, held: Type.Boolean() }),
  'call.transferred': Type.Object({
    ...Ids,
    kind: Type.Union([Type.Literal('blind'), Type.Literal('warm'), Type.Literal('three_way')]),
    state: Type.Union([Type.Literal('started'), Type.Literal('completed'), Type.Literal('cancelled')]),
    target: Target,
    fromAgentId: Type.Optional(Type.String()),
  }),
  'call.monitor': Type.Object({
    ...Ids,
    supervisorId: Type.String(),
    mode: Type.Union([Type.Literal('listen'), Type.Literal('whisper'), Type.Literal('barge')]),
    active: Type.Boolean(),
  }),
  'call.ended': Type.Object({
    ...Ids,
    agentId: Type.Optional(Type.String()),
    direction: CallDirection,
    outcome: CallOutcome,
    hangupBy: HangupBy,
    cause: Type.Optional(Type.Integer()),
    causeText: Type.Optional(Type.String()),
    dialStatus: Type.Optional(Type.String()),
    abandoned: Type.Boolean(),
    durationMs: Type.Integer({ minimum: 0 }),
    talkMs: Type.Integer({ minimum: 0 }),
  }),
  /** An agent's state changed (login, ready, pause with reason, on call, wrap-up, logout). */
  'agent.state': Type.Object({
    agentId: Type.String(),
    userId: Type.Optional(Type.String()),
    state: AgentState,
    previous: Type.Optional(AgentState),
    reason: Type.Optional(Type.String()),
    callId: Type.Optional(Type.String()),
    campaignIds: Type.Optional(Type.Array(Type.String())),
    sinceMs: EpochMs,
    /** Seconds of wrap-up allowed, when entering wrap_up. */
    wrapUpS: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
} as const;
