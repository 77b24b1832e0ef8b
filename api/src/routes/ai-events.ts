import type { FastifyInstance } from 'fastify';
import {
  aiEventsSecrets,
  connectRedis,
  createAiEventIngest,
  DialerError,
  isAiEventType,
  NO_REDACTION,
  parseMessage,
  RedisReplayGuard,
  StoreReplayGuard,
  verifyWebhook,
  type AiEventIngest,
  type AnyMessage,
  type DaemonContext,
  type RedactionOptions,
  type ReplayGuard,
} from '@dialer/core';

/** Settings of `POST /ai/events`. Without a secret the route answers 503. */
export interface AiEventsOptions {
  /** AI_EVENTS_SECRET: one or more Standard Webhooks secrets (any may sign). */
  secrets?: readonly string[];
  /** AI_EVENTS_TOLERANCE_S (default 300). */
  toleranceS?: number;
  /** Applied to transcripts before they are stored (third-party gateways may not redact). */
  redaction?: RedactionOptions;
  /** With REDIS_URL, the replay guard is shared by every API node through Redis. */
  redisUrl?: string;
  redisPrefix?: string;
  /** Overrides the replay guard (tests). */
  replayGuard?: ReplayGuard;
}

/** The route's options from the loaded configuration (`core`, `aiEvents`, `redaction` sections). */
export function aiEventsOptionsFromConfig(config: {
  core: { redisUrl?: string | undefined; busPrefix: string };
  aiEvents: { secret?: string | undefined; toleranceS: number };
  redaction: RedactionOptions;
}): AiEventsOptions {
  return {
    secrets: aiEventsSecrets(config.aiEvents.secret),
    toleranceS: config.aiEvents.toleranceS,
    redaction: config.redaction,
    ...(config.core.redisUrl ? { redisUrl: config.core.redisUrl } : {}),
    redisPrefix: config.core.busPrefix,
  };
}

/**
 * `POST /ai/events`: transcript and STT events from media gateways (ours, through
 * their outbox, or a third party's), signed with the Standard Webhooks scheme.
 *
 * Checks, each with its status and nothing stored when it fails: headers
 * present (400), timestamp within the tolerance (401), signature (401), body a
 * valid message whose id is the `webhook-id` and whose type belongs here (400),
 * id not seen before (409). Then final segments and usage are stored
 * idempotently and the events are published on the bus for fan-out.
 */
export async function aiEventsRoutes(app: FastifyInstance, o: AiEventsOptions & { ctx: DaemonContext }): Promise<void> {
  const { ctx } = o;
  const secrets = o.secrets ?? [];
  const toleranceS = o.toleranceS ?? 300;
  const log = ctx.log.child({ component: 'ai-events' });
  let guard = o.replayGuard;
  let closeGuard: (() => Promise<void>) | undefined;
  if (!guard && o.redisUrl) {
    const client = await connectRedis({ url: o.redisUrl, log, name: `${o.redisPrefix ?? 'dialer'}-${ctx.nodeId}-ai-events` });
    guard = new RedisReplayGuard(client, `${o.redisPrefix ?? 'dialer'}:ai-events`, () => ctx.clock.now());
    closeGuard = () => client.close().catch(() => undefined);
  }
  const replay: ReplayGuard = guard ?? new StoreReplayGuard(ctx.store.db, () => ctx.clock.now());
  const ingest: AiEventIngest = createAiEventIngest({ store: ctx.store, bus: ctx.bus, log, clock: ctx.clock, redaction: o.redaction ?? NO_REDACTION });
  if (secrets.length === 0) log.warn('AI_EVENTS_SECRET is not set: POST /ai/events answers 503');

  await app.register(async (scope) => {
    // The signature covers the raw body: keep it as received, whatever the content type says.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.addHook('onClose', async () => {
      await closeGuard?.();
    });

    scope.post('/ai/events', { config: { auth: false } }, async (req, reply) => {
      if (secrets.length === 0) {
        throw new DialerError('DIALER_ERR_UNAVAILABLE', 'AI events are not accepted here: AI_EVENTS_SECRET is not set');
      }
      const raw = typeof req.body === 'string' ? req.body : '';
      const { id } = await verifyWebhook({ secret: secrets, headers: req.headers, body: raw, toleranceS, clock: ctx.clock });
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw new DialerError('DIALER_ERR_WEBHOOK_MALFORMED', 'the body is not JSON');
      }
      const msg: AnyMessage = parseMessage(value);
      if (msg.id !== id) {
        throw new DialerError('DIALER_ERR_VALIDATION', 'webhook-id must be the message id', { details: [{ path: '/id', message: `is ${JSON.stringify(msg.id).slice(0, 80)}, the header says ${JSON.stringify(id).slice(0, 80)}` }] });
      }
      if (!isAiEventType(msg.type)) {
        throw new DialerError('DIALER_ERR_VALIDATION', `event type ${msg.type} is not accepted on /ai/events`, { details: [{ path: '/type', message: 'not an AI event' }] });
      }
      if (!(await replay.remember(id, ctx.clock.now() + 2 * toleranceS * 1000))) {
        throw new DialerError('DIALER_ERR_WEBHOOK_REPLAY', `webhook-id ${id} was already processed`);
      }
      try {
        const outcome = await ingest.ingest(msg);
        req.log.debug({ id, type: msg.type, outcome }, 'ai event accepted');
        return reply.code(200).send({ id, type: msg.type, outcome });
      } catch (err) {
        // Not processed: let the sender retry with the same id.
        await replay.forget(id).catch(() => undefined);
        throw err;
      }
    });
  });
}
