import { systemClock, type Clock } from '../clock.js';
import { createMessage, type AnyMessage, type MessageData, type Speaker } from '../messages/index.js';
import type { SttStream, TranscriptEvent } from './port.js';

/** Who a stream transcribes, for the messages it turns into. */
export interface SttLegContext {
  readonly tenantId: string;
  readonly callId: string;
  readonly legId: string;
  readonly speaker: Speaker;
  readonly campaignId?: string;
  readonly agentId?: string;
  /** Node id, set as the messages' `source`. */
  readonly source?: string;
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** The `transcript.interim` / `transcript.final` data of a transcript event. */
export function transcriptData(ev: TranscriptEvent, leg: SttLegContext): MessageData<'transcript.final'> {
  return {
    callId: leg.callId,
    legId: leg.legId,
    speaker: leg.speaker,
    segmentId: ev.segmentId,
    text: ev.text,
    ...(ev.words ? { words: ev.words.map((w) => ({ ...w, startMs: Math.max(0, w.startMs), endMs: Math.max(0, w.endMs), ...(w.confidence === undefined ? {} : { confidence: clamp01(w.confidence) }) })) } : {}),
    ...(ev.confidence === undefined ? {} : { confidence: clamp01(ev.confidence) }),
    ...(ev.language ? { language: ev.language } : {}),
    startMs: Math.max(0, ev.startMs),
    endMs: Math.max(0, ev.endMs),
    provider: ev.provider,
    ...(ev.latencyMs === undefined ? {} : { latencyMs: Math.max(0, ev.latencyMs) }),
    ...(leg.campaignId ? { campaignId: leg.campaignId } : {}),
    ...(leg.agentId ? { agentId: leg.agentId } : {}),
  };
}

/**
 * Turns a stream's events into the typed messages of `core`: transcripts
 * (`transcript.interim`, `transcript.final`), usage (`stt.usage`, per provider
 * that served the leg) and provider changes and failures (`media.stt.state`).
 * Returns a function that stops the bridge.
 */
export function bridgeSttStream(stream: SttStream, leg: SttLegContext, emit: (msg: AnyMessage) => void, clock: Clock = systemClock): () => void {
  const opts = { clock, ...(leg.source ? { source: leg.source } : {}) };
  const onTranscript = (ev: TranscriptEvent): void => {
    emit(createMessage(ev.kind === 'final' ? 'transcript.final' : 'transcript.interim', leg.tenantId, transcriptData(ev, leg), opts));
  };
  const onUsage = (u: { provider: string; audioMs: number }): void => {
    if (u.audioMs <= 0) return;
    emit(
      createMessage(
        'stt.usage',
        leg.tenantId,
        { callId: leg.callId, legId: leg.legId, provider: u.provider, audioMs: Math.round(u.audioMs), ...(leg.campaignId ? { campaignId: leg.campaignId } : {}) },
        opts,
      ),
    );
  };
  const onState = (s: { provider: string; state: 'connected' | 'failover' | 'error' | 'closed'; next?: string; error?: { toJSON?: () => unknown; code?: string; message?: string; retryable?: boolean }; gapMs?: number }): void => {
    const error = s.error ? { code: String(s.error.code), message: String(s.error.message), retryable: s.error.retryable === true } : undefined;
    emit(
      createMessage(
        'media.stt.state',
        leg.tenantId,
        {
          legId: leg.legId,
          callId: leg.callId,
          provider: s.provider,
          state: s.state,
          ...(s.next ? { next: s.next } : {}),
          ...(error ? { error } : {}),
          ...(s.gapMs ? { gapMs: Math.round(s.gapMs) } : {}),
        },
        opts,
      ),
    );
  };
  const onError = (err: { code: string; message: string; retryable: boolean }): void => {
    onState({ provider: stream.provider, state: 'error', error: err });
  };
  stream.on('transcript', onTranscript);
  stream.on('usage', onUsage);
  stream.on('state', onState);
  stream.on('error', onError);
  return () => {
    stream.off('transcript', onTranscript);
    stream.off('usage', onUsage);
    stream.off('state', onState);
    stream.off('error', onError);
  };
}
