import { Type } from '@sinclair/typebox';
import { defineSection, setting, type SectionValues } from '@dialer/core';

/** Settings of the dialer service that runs inside the ARI controller. */
export const dialerSection = defineSection('dialer', {
  tickMs: setting({
    env: 'DIALER_TICK_MS',
    schema: Type.Integer({ minimum: 100, maximum: 10_000 }),
    default: 1000,
    doc: 'How often each running campaign asks its pacer how many calls to place.',
  }),
  leaseTtlMs: setting({
    env: 'DIALER_LEASE_TTL_MS',
    schema: Type.Integer({ minimum: 3000, maximum: 300_000 }),
    default: 15_000,
    doc: 'Campaign ownership lease: a campaign is paced by one controller node; another takes over this long after the owner stops renewing.',
  }),
  claimTtlMs: setting({
    env: 'DIALER_CLAIM_TTL_MS',
    schema: Type.Integer({ minimum: 60_000, maximum: 86_400_000 }),
    default: 600_000,
    doc: 'How long a lead claimed from the hopper stays reserved for its node; leads of a node that died return after it.',
  }),
  abandonWarnAt: setting({
    env: 'DIALER_ABANDON_WARN_AT',
    schema: Type.Number({ minimum: 0.1, maximum: 1 }),
    default: 0.8,
    doc: 'Publish campaign.abandon_rate.warning when a campaign\'s abandon rate reaches this share of its target.',
  }),
});

/** The parsed dialer settings. */
export type DialerSettings = SectionValues<(typeof dialerSection)['settings']>;

/** Defaults, for wiring without a parsed configuration (tests, embedders). */
export const DEFAULT_DIALER_SETTINGS: DialerSettings = { tickMs: 1000, leaseTtlMs: 15_000, claimTtlMs: 600_000, abandonWarnAt: 0.8 };
