import { Type, type Static } from '@sinclair/typebox';
import { CampaignStatus, DialMode } from './common.js';

/** Live per-campaign figures, published once a second for wallboards. */
export const CampaignStats = Type.Object({
  campaignId: Type.String(),
  status: CampaignStatus,
  dialMode: DialMode,
  /** Lines dialled per available agent right now. */
  dialLevel: Type.Number({ minimum: 0 }),
  callsDialing: Type.Integer({ minimum: 0 }),
  callsWaiting: Type.Integer({ minimum: 0 }),
  callsInQueue: Type.Integer({ minimum: 0 }),
  agents: Type.Object({
    ready: Type.Integer({ minimum: 0 }),
    paused: Type.Integer({ minimum: 0 }),
    onCall: Type.Integer({ minimum: 0 }),
    wrapUp: Type.Integer({ minimum: 0 }),
  }),
  abandonRateToday: Type.Number({ minimum: 0 }),
  abandonRate30d: Type.Number({ minimum: 0 }),
  targetAbandonRate: Type.Number({ minimum: 0 }),
  answerRate: Type.Number({ minimum: 0 }),
  hopperSize: Type.Optional(Type.Integer({ minimum: 0 })),
});

/** One minute of a campaign's day, from the first `campaign.stats` of the minute (the wallboard's history). */
export const CampaignHistoryPoint = Type.Object({
  t: Type.Integer({ description: 'Start of the minute (ms since the epoch).' }),
  abandonRateToday: Type.Number(),
  answerRate: Type.Number(),
  dialLevel: Type.Number(),
  callsWaiting: Type.Integer(),
  callsInQueue: Type.Integer(),
  agents: Type.Object({ ready: Type.Integer(), paused: Type.Integer(), onCall: Type.Integer(), wrapUp: Type.Integer() }),
});
export type CampaignHistoryPoint = Static<typeof CampaignHistoryPoint>;

/** Messages from the dialer engine. */
export const DialerMessages = {
  'campaign.state': Type.Object({
    campaignId: Type.String(),
    status: CampaignStatus,
    previous: Type.Optional(CampaignStatus),
    byUserId: Type.Optional(Type.String()),
  }),
  'campaign.stats': CampaignStats,
  'campaign.abandon_rate.warning': Type.Object({
    campaignId: Type.String(),
    window: Type.Union([Type.Literal('30d'), Type.Literal('24h'), Type.Literal('today')]),
    rate: Type.Number({ minimum: 0 }),
    target: Type.Number({ minimum: 0 }),
  }),
  'lead.disposed': Type.Object({
    leadId: Type.Union([Type.String(), Type.Integer()]),
    callId: Type.Optional(Type.String()),
    campaignId: Type.String(),
    agentId: Type.Optional(Type.String()),
    disposition: Type.String(),
    notes: Type.Optional(Type.String()),
    callbackAtMs: Type.Optional(Type.Integer()),
  }),
} as const;
