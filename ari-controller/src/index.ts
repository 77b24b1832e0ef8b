export { ariSection, ariServers, AriServerSpec, type AriConfig } from './config.js';
export { dialerSection, DialerService, DEFAULT_DIALER_SETTINGS, type DialerServiceOptions, type DialerSettings } from './dialer/index.js';
export { createAriDaemon, type AriDaemon, type AriDaemonOptions } from './daemon.js';
export { AriConnection, type AriConnectionOptions, type AriConnectionEvents } from './transport/connection.js';
export { createAriClient, buildRequest, ariErrorCode, ariStatus, type AriEndpoint, type AriHttpOptions, type AriErrorDetails } from './transport/ari-http.js';
export { CallManager, dialString, type PlaceRequest } from './calls/manager.js';
export type { ResyncReport } from './calls/resync.js';
export * from './ari/index.js';
