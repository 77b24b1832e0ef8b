// The call area of core: pure call-flow and agent-state logic, with the clock injected as `nowMs`.
export { outcomeFromDialStatus, outcomeFromCause, hangupByFromRequest, CAUSE_TEXTS } from './outcome.js';
export {
  newCall,
  reduceCall,
  type CallPolicy,
  type CallRecord,
  type CallInput,
  type CallEffect,
  type CallTimer,
  type CallStep,
  type CallTransition,
} from './call-machine.js';
export { reduceAgent, loggedOutAgent, isAvailable, type AgentRecord, type AgentInput, type AgentEffect, type AgentTransition } from './agent-machine.js';
export { buildCdr, type CdrContext, type CdrValues } from './cdr.js';
export { consentRequired, ALL_PARTY_CONSENT_US_STATES, type Jurisdiction } from './consent.js';
