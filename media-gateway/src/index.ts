export { mediaSection, type MediaConfig } from './config.js';
export { createMediaDaemon, type MediaDaemon, type MediaDaemonOptions } from './daemon.js';
export { Gateway, type GatewayOptions, type AnswerFn } from './gateway.js';
export { createWebRtcVadEngine } from './vad/webrtc-vad.js';
