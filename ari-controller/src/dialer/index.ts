// The dialer service of the ARI controller.
export type { AgentCounts, AgentPool, CallControl, DialRequest, DialResult } from './ports.js';
export { dialerSection, DEFAULT_DIALER_SETTINGS, type DialerSettings } from './config.js';
export { DialerService, type DialerServiceOptions } from './service.js';
export { CampaignRunner, type RunnerDeps } from './campaign-runner.js';
export { loadCampaignConfig, type CampaignConfig } from './campaign-config.js';
export { AgentTracker, type AgentRelease } from './agent-tracker.js';
export { applyCallOutcome, AWAIT_DISPOSITION_MS, type FinishedCall } from './outcomes.js';
