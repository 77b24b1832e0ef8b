// The dialer area of core: pure logic with the clock injected.
export type { Pacer, PacerOptions, PacingEvent, PacingSnapshot } from './pacing/types.js';
export { createPacer } from './pacing/create.js';
export { PredictivePacer, type PredictiveOptions } from './pacing/predictive.js';
export { ProgressivePacer, RatioPacer } from './pacing/simple.js';
export { VicidialAdaptTaperedPacer, type VicidialAdaptOptions } from './pacing/vicidial.js';
export { simulatePacing, type PacingRunResult, type SimulateOptions } from './sim/simulator.js';
export { PACING_PROFILES, type TrafficProfile, type AnswerMix, type Dist } from './sim/profiles.js';
export {
  parseCallWindow,
  isInCallWindow,
  nextCallWindowOpen,
  ruleFor,
  leadZones,
  localDayKey,
  nextLocalDayStart,
  type CallWindow,
  type CallWindowRule,
  type WindowLead,
} from './call-window.js';
export {
  recycleAfter,
  parseRecycleRules,
  consumerCapReached,
  UK_ABANDON_HOLD_S,
  type RecycleRule,
  type RecyclePolicy,
  type AttemptState,
  type RecycleDecision,
  type ConsumerCaps,
} from './recycling.js';
export {
  abandonRate,
  abandonWindowMs,
  abandonLevel,
  estimateAmdFalsePositives,
  type AbandonCounters,
  type AbandonLevel,
  type ComplianceMode,
} from './compliance.js';
export { checkLeadAtDialTime, returnCallback, extendClaims, type DialCheckCampaign, type DialRefusal } from './dial-check.js';
export {
  nextPreviewLead,
  skipPreviewLead,
  preparePreviewDial,
  recordPreviewDial,
  previewLeadOfCall,
  previewHolder,
  previewCallHolder,
  previewAgentOf,
  PREVIEW_CLAIM_MS,
  PREVIEW_CALL_CLAIM_MS,
  PREVIEW_SKIP_HOLD_MS,
  type PreviewLead,
  type PreviewInput,
  type PreviewDial,
} from './preview.js';
