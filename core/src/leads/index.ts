// The leads area of core: store-bound domain operations of the dialer.
export { PhoneNormalizer, parseDncPattern, type NormalizedPhone, type PhoneResult, type PhoneNormalizerOptions } from './phone.js';
export { deriveTimezone, zonesForPhone, zonesForRegion, isValidZone, type TimezoneInput } from './timezone.js';
export { dncScopeKey, dialerDb, type DncScope, type DialerDatabase, type DialerLeasesTable } from './db.js';
export {
  addDnc,
  removeDnc,
  checkDnc,
  importDnc,
  listDnc,
  DncScrubber,
  type AddDncInput,
  type DncContext,
  type DncEntry,
  type DncHit,
  type DncImportReport,
  type ImportDncInput,
} from './dnc.js';
export {
  importLeads,
  getImport,
  listImportErrors,
  validateMapping,
  type ImportLeadsInput,
  type ImportProgress,
  type ImportReport,
  type ImportRowError,
  type LeadField,
  type LeadImportMapping,
} from './import.js';
export {
  claimLeads,
  claimDueCallbacks,
  campaignZones,
  openZones,
  releaseLead,
  recordAttempt,
  recoverExpiredClaims,
  completeCallback,
  type ClaimInput,
  type ClaimedLead,
  type LeadOrder,
  type LeadRelease,
} from './hopper.js';
export {
  applyDisposition,
  scheduleCallback,
  cancelCallback,
  listCallbacks,
  type CallbackInput,
  type DispositionInput,
  type DispositionResult,
} from './dispositions.js';
export { exportLeadsCsv, exportCallResultsCsv, searchLeads, csvField, type LeadFilter, type LeadSearch } from './export.js';
export { acquireLease, releaseLease, leaseOwner, type LeaseState } from './lease.js';
export { recordCallResult, abandonReport, reportDay, type AbandonReport, type CallResult } from './stats.js';
