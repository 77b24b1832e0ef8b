/**
 * The ARI simulator (`@dialer/ari-controller/simulator`): a stand-in for
 * Asterisk 22's REST Interface for tests, demos and `dialerctl simulate-pbx`.
 */
export { AriSimulator, type AriSimulatorOptions, type SimFaults } from './simulator.js';
export { runSimulatorMain, parseSimulatorArgs } from './main.js';
export { PARTY_KINDS, isPartyKind, type PartyKind, type PartySpec } from './parties.js';
export type { RtpFaults, RtpStats } from './rtp.js';
export { SIM_MODULES, runningModules } from './modules.js';
export type { SimRequestLog } from './server.js';
export type { SentEvent } from './hub.js';
export type { SimReply } from './dialplan.js';
