import { Type, type Static } from '@sinclair/typebox';

/** Who a media leg or transcript belongs to. The customer and the agent are transcribed separately. */
export const Speaker = Type.Union([Type.Literal('customer'), Type.Literal('agent'), Type.Literal('supervisor')]);
export type Speaker = Static<typeof Speaker>;

/** Agent states, as shown on the wallboard. */
export const AgentState = Type.Union([
  Type.Literal('logged_out'),
  Type.Literal('ready'),
  Type.Literal('paused'),
  Type.Literal('on_call'),
  Type.Literal('wrap_up'),
]);
export type AgentState = Static<typeof AgentState>;

export const CallDirection = Type.Union([Type.Literal('outbound'), Type.Literal('inbound'), Type.Literal('manual')]);
export type CallDirection = Static<typeof CallDirection>;

/** A call's life, from the controller's point of view. */
export const CallState = Type.Union([
  Type.Literal('dialing'),
  Type.Literal('ringing'),
  Type.Literal('answered'),
  Type.Literal('amd'),
  Type.Literal('queued'),
  Type.Literal('connected'),
  Type.Literal('held'),
  Type.Literal('transferring'),
  Type.Literal('ended'),
]);
export type CallState = Static<typeof CallState>;

/** Outcome of a call attempt, used by pacing, recycling and reports. */
export const CallOutcome = Type.Union([
  Type.Literal('human'),
  Type.Literal('machine'),
  Type.Literal('busy'),
  Type.Literal('no_answer'),
  Type.Literal('congestion'),
  Type.Literal('failed'),
  Type.Literal('abandoned'),
  Type.Literal('cancelled'),
]);
export type CallOutcome = Static<typeof CallOutcome>;

export const HangupBy = Type.Union([
  Type.Literal('customer'),
  Type.Literal('agent'),
  Type.Literal('supervisor'),
  Type.Literal('system'),
  Type.Literal('network'),
  Type.Literal('unknown'),
]);
export type HangupBy = Static<typeof HangupBy>;

export const AmdResult = Type.Union([Type.Literal('HUMAN'), Type.Literal('MACHINE'), Type.Literal('NOTSURE'), Type.Literal('HANGUP')]);
export type AmdResult = Static<typeof AmdResult>;

/** Audio formats on the wire between Asterisk, the gateway and browsers. */
export const Codec = Type.Union([Type.Literal('ulaw'), Type.Literal('alaw'), Type.Literal('slin16'), Type.Literal('opus')]);
export type Codec = Static<typeof Codec>;

export const DialMode = Type.Union([
  Type.Literal('manual'),
  Type.Literal('preview'),
  Type.Literal('progressive'),
  Type.Literal('ratio'),
  Type.Literal('predictive'),
]);
export type DialMode = Static<typeof DialMode>;

export const CampaignStatus = Type.Union([Type.Literal('stopped'), Type.Literal('running'), Type.Literal('paused')]);
export type CampaignStatus = Static<typeof CampaignStatus>;

/** A transfer or dial target. */
export const Target = Type.Union([
  Type.Object({ kind: Type.Literal('queue'), campaignId: Type.String() }),
  Type.Object({ kind: Type.Literal('agent'), agentId: Type.String() }),
  Type.Object({ kind: Type.Literal('number'), phone: Type.String() }),
]);
export type Target = Static<typeof Target>;

/** A coded error as it travels in messages and API responses. */
export const ErrorShape = Type.Object({
  code: Type.String(),
  message: Type.String(),
  retryable: Type.Boolean(),
  details: Type.Optional(Type.Unknown()),
});
export type ErrorShape = Static<typeof ErrorShape>;

/** Milliseconds since the epoch. */
export const EpochMs = Type.Integer({ minimum: 0 });
