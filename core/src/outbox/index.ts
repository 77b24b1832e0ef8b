// The outbox area of core: durable, ordered delivery of messages to another daemon.
export {
  Outbox,
  type OutboxOptions,
  type OutboxEntry,
  type OutboxDelivery,
  type OutboxStats,
  type DeliveryResult,
} from './outbox.js';
export { httpWebhookDelivery, localDelivery, type HttpDeliveryOptions } from './delivery.js';
export { aiEventsSection, aiEventsSecrets } from './config.js';
export {
  createAiEventsOutbox,
  outboxDaemon,
  outboxEventSink,
  OUTBOX_EVENT_TYPES,
  type AiEventsConfig,
  type AiEventsOutboxOptions,
} from './ai-events.js';
