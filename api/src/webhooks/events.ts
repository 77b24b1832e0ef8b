import type { MessageType } from '@dialer/core';

/** Bus message types delivered to webhook endpoints, and the event type they are delivered as. */
export const WEBHOOK_EVENT_TYPES = {
  'call.answered': 'call.answered',
  'call.connected': 'call.connected',
  'call.ended': 'call.ended',
  'transcript.final': 'call.transcript.final',
  'recording.saved': 'recording.saved',
  'recording.failed': 'recording.failed',
  'lead.disposed': 'lead.disposed',
  'campaign.state': 'campaign.state',
  'campaign.abandon_rate.warning': 'campaign.abandon_rate.warning',
  'agent.state': 'agent.state',
} as const satisfies Partial<Record<MessageType, string>>;

/** Event types an endpoint may subscribe to (`*` for all), plus `webhook.test` sent by the test route. */
export const SUBSCRIBABLE_EVENTS: readonly string[] = ['*', ...Object.values(WEBHOOK_EVENT_TYPES), 'webhook.test'];

/** The body every delivery carries, in the Standard Webhooks shape. */
export function webhookBody(type: string, timestamp: string, eventId: string, data: unknown): string {
  return JSON.stringify({ type, timestamp, eventId, data });
}
