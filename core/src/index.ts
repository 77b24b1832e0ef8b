/**
 * @dialer/core: types, config, logging, errors, lifecycle, messages, the bus
 * and store ports, and pure domain logic. It imports no other workspace.
 */
export * from './errors/index.js';
export * from './config/index.js';
export * from './messages/index.js';
export * from './bus/index.js';
export * from './store/index.js';
export { newId, newToken, isUuid } from './ids.js';
export { systemClock, SimulatedClock, type Clock, type TimerHandle } from './clock.js';
export { TypedEmitter, setListenerErrorHandler, type EventMap, type Listener, type ListenerErrorHandler } from './events.js';
export { createLogger, silentLogger, SECRET_KEYS, PII_KEY, type Logger, type LoggerOptions } from './logger.js';
export { runDaemons, once, CloseGuard, type Daemon, type RunOptions, type Runner } from './lifecycle.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export {
  signWebhook,
  verifyWebhook,
  secretBytes,
  MIN_SECRET_BYTES,
  generateWebhookSecret,
  MemoryReplayGuard,
  WEBHOOK_HEADERS,
  DEFAULT_TOLERANCE_S,
  type ReplayGuard,
  type SignInput,
  type VerifyInput,
} from './signing.js';
export { createDaemonContext, type DaemonContext } from './context.js';
export { runMain, EXIT_CONFIG, type RunMainOptions } from './main.js';
export * from './stt/index.js';
export * from './media/index.js';
export * from './call/index.js';
export * from './dialer/index.js';
export * from './leads/index.js';
export * from './outbox/index.js';
