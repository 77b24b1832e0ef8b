import type { Logger } from 'pino';
import type { EventBus } from '../bus/index.js';
import { systemClock, type Clock } from '../clock.js';
import { DialerError } from '../errors/index.js';
import { silentLogger } from '../logger.js';
import type { AnyMessage, Message } from '../messages/index.js';
import { toJson, type Store } from '../store/index.js';
import { NO_REDACTION, redactTranscript, type RedactionOptions } from './redact.js';

/** The message types `/ai/events` accepts: what a media gateway reports about speech. */
export const AI_EVENT_TYPES = ['transcript.final', 'transcript.interim', 'stt.usage', 'media.stt.state'] as const;
export type AiEventType = (typeof AI_EVENT_TYPES)[number];

/** What happened to one ingested event. */
export type IngestOutcome = 'stored' | 'published' | 'duplicate';

/** Options of {@link createAiEventIngest}. */
export interface AiEventIngestOptions {
  store: Store;
  bus: EventBus;
  log?: Logger;
  clock?: Clock;
  /** Applied to transcripts before they are stored and fanned out (the API's copy of the gateway's rules). */
  redaction?: RedactionOptions;
}

/** Stores and fans out the events of `/ai/events` (the route and the one-process start share it). */
export interface AiEventIngest {
  /** Validated message in; idempotent by message id. Throws a coded error for what can never be accepted. */
  ingest(msg: AnyMessage): Promise<IngestOutcome>;
}

/** True when `type` is accepted on `/ai/events`. */
export function isAiEventType(type: string): type is AiEventType {
  return (AI_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * Final transcript segments and usage are stored once (the message id is the
 * row's id and `transcript_segments.event_id`), then published on the bus for
 * fan-out; a duplicate is neither stored nor published again. Interims and
 * STT state changes are only published.
 */
export function createAiEventIngest(o: AiEventIngestOptions): AiEventIngest {
  const log = (o.log ?? silentLogger()).child({ component: 'ai-events' });
  const clock = o.clock ?? systemClock;
  const redaction = o.redaction ?? NO_REDACTION;
  const knownTenants = new Map<string, number>();

  async function assertTenant(tenantId: string): Promise<void> {
    const now = clock.now();
    const until = knownTenants.get(tenantId);
    if (until !== undefined && until > now) return;
    const row = await o.store.db.selectFrom('tenants').select('id').where('id', '=', tenantId).executeTakeFirst();
    if (!row) throw new DialerError('DIALER_ERR_VALIDATION', `unknown tenant ${JSON.stringify(tenantId).slice(0, 80)}`, { details: [{ path: '/tenantId', message: 'no such tenant' }] });
    if (knownTenants.size > 10_000) knownTenants.clear();
    knownTenants.set(tenantId, now + 60_000);
  }

  async function publish(msg: AnyMessage): Promise<void> {
    try {
      await o.bus.publish(msg);
    } catch (err) {
      // Storage is the record; the live fan-out is best effort and a retry must not store twice.
      log.warn({ err, id: msg.id, type: msg.type }, 'ai event stored but not published');
    }
  }

  async function storeFinal(msg: Message<'transcript.final'>): Promise<boolean> {
    const d = msg.data;
    const r = await o.store
      .tenant(msg.tenantId)
      .insertInto('transcript_segments', {
        id: msg.id,
        call_id: d.callId,
        leg_id: d.legId,
        speaker: d.speaker,
        segment_id: d.segmentId,
        event_id: msg.id,
        start_ms: d.startMs,
        end_ms: d.endMs,
        text: d.text,
        is_final: 1,
        confidence: d.confidence ?? null,
        language: d.language ?? null,
        provider: d.provider,
        latency_ms: d.latencyMs ?? null,
        words: d.words ? toJson(d.words) : null,
        created_at: clock.now(),
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async function storeUsage(msg: Message<'stt.usage'>): Promise<boolean> {
    const d = msg.data;
    const r = await o.store
      .tenant(msg.tenantId)
      .insertInto('stt_usage', {
        id: msg.id,
        call_id: d.callId,
        leg_id: d.legId,
        campaign_id: d.campaignId ?? null,
        provider: d.provider,
        audio_ms: d.audioMs,
        created_at: clock.now(),
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  return {
    async ingest(msg: AnyMessage): Promise<IngestOutcome> {
      if (!isAiEventType(msg.type)) {
        throw new DialerError('DIALER_ERR_VALIDATION', `event type ${msg.type} is not accepted on /ai/events`, {
          details: [{ path: '/type', message: `must be one of ${AI_EVENT_TYPES.join(', ')}` }],
        });
      }
      await assertTenant(msg.tenantId);
      let out: AnyMessage = msg;
      if (msg.type === 'transcript.final' || msg.type === 'transcript.interim') {
        const data = redactTranscript(msg.data, redaction);
        if (data !== msg.data) out = { ...msg, data } as AnyMessage;
      }
      let stored: boolean | undefined;
      try {
        if (out.type === 'transcript.final') stored = await storeFinal(out);
        else if (out.type === 'stt.usage') stored = await storeUsage(out);
      } catch (err) {
        throw new DialerError('DIALER_ERR_DB_UNAVAILABLE', `cannot store ${msg.type}: ${(err as Error).message}`, { cause: err });
      }
      if (stored === false) return 'duplicate';
      await publish(out);
      return stored ? 'stored' : 'published';
    },
  };
}
