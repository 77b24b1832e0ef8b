import { Type } from '@sinclair/typebox';
import { defineSection, setting } from '../config/define.js';
import { secretBytes } from '../signing.js';

/** The secrets of AI_EVENTS_SECRET: one, or several (space- or comma-separated) during a rotation. */
export function aiEventsSecrets(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}

/**
 * The `/ai/events` link between media gateways and the API, read by both: the
 * gateway posts to AI_EVENTS_URL signed with the first secret; the API accepts
 * any of the secrets.
 */
export const aiEventsSection = defineSection(
  'aiEvents',
  {
    url: setting({
      env: 'AI_EVENTS_URL',
      schema: Type.String({ pattern: '^https?://[^\\s]+$' }),
      optional: true,
      doc: "Where a media gateway posts transcript and STT events: the API's `POST /ai/events`, e.g. `http://api-host:8080/ai/events`. Unset in the one-process start: events go straight to the API in-process. Unset on a split gateway: they wait in its outbox.",
    }),
    secret: setting({
      env: 'AI_EVENTS_SECRET',
      schema: Type.String({ minLength: 1 }),
      optional: true,
      secret: true,
      doc: 'Standard Webhooks secret of `/ai/events` (`whsec_` + base64, at least 16 bytes). Several, space-separated, during a rotation: gateways sign with the first, the API accepts any. Unset: the API refuses `/ai/events` posts (503).',
    }),
    toleranceS: setting({
      env: 'AI_EVENTS_TOLERANCE_S',
      schema: Type.Integer({ minimum: 30, maximum: 3600 }),
      default: 300,
      doc: 'How far a post\'s `webhook-timestamp` may be from the API\'s clock; replayed ids are remembered for twice as long.',
    }),
    timeoutMs: setting({
      env: 'AI_EVENTS_TIMEOUT_MS',
      schema: Type.Integer({ minimum: 100, maximum: 120_000 }),
      default: 5000,
      doc: 'Timeout of one delivery attempt from a gateway\'s outbox.',
    }),
    retryMaxMs: setting({
      env: 'AI_EVENTS_RETRY_MAX_MS',
      schema: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
      default: 60_000,
      doc: 'Longest wait between delivery attempts; the outbox backs off exponentially up to it and retries until delivered.',
    }),
  },
  (v) => {
    const problems: { env: string; message: string }[] = [];
    const secrets = aiEventsSecrets(v.secret);
    for (const s of secrets) {
      try {
        secretBytes(s);
      } catch (err) {
        problems.push({ env: 'AI_EVENTS_SECRET', message: (err as Error).message });
        break;
      }
    }
    if (v.url && secrets.length === 0) problems.push({ env: 'AI_EVENTS_SECRET', message: 'is required because AI_EVENTS_URL is set' });
    return problems;
  },
);
