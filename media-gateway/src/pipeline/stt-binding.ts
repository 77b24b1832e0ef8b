// One leg's speech-to-text stream and what it reports: transcripts become
// transcript.interim/final messages, connection changes media.stt.state,
// usage stt.usage. Vendors never appear here; the stream is the port.
import type { Logger } from 'pino';
import {
  createMessage,
  isDialerError,
  type AnyMessage,
  type Clock,
  type MediaEventSink,
  type Speaker,
  type SttStream,
  type TranscriptEvent,
} from '@dialer/core';

/** Who a leg is, for the messages. */
export interface LegIdentity {
  readonly legId: string;
  readonly callId: string;
  readonly speaker: Speaker;
  readonly tenantId: string;
  readonly campaignId?: string;
  readonly agentId?: string;
}

/** Listens to a leg's stream and emits its events. */
export class SttBinding {
  private provider: string;
  private closed = false;

  constructor(
    readonly stream: SttStream,
    private readonly leg: LegIdentity,
    private readonly sink: MediaEventSink,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly source: string,
    /** Audio lost before this stream (a leg re-opened after a gateway died), reported with the first connect. */
    private pendingGapMs = 0,
  ) {
    this.provider = stream.provider;
    stream.on('transcript', (t) => this.onTranscript(t));
    stream.on('open', () => this.onOpen());
    stream.on('error', (err) => {
      this.log.warn({ err, provider: stream.provider }, 'stt stream error');
      this.state('error', { error: isDialerError(err) ? err.toJSON() : { code: 'DIALER_ERR_INTERNAL', message: String(err), retryable: false } });
    });
    stream.on('usage', (u) => {
      this.emit('stt.usage', {
        callId: leg.callId,
        legId: leg.legId,
        provider: u.provider,
        audioMs: Math.max(0, Math.round(u.audioMs)),
        ...(leg.campaignId ? { campaignId: leg.campaignId } : {}),
      });
    });
    stream.on('close', () => this.state('closed'));
  }

  /** Reports audio lost to a backlog once it clears. */
  gap(gapMs: number): void {
    this.state('connected', { gapMs: Math.round(gapMs) });
  }

  /** Flushes and closes the stream. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.stream.close();
    } catch (err) {
      this.log.warn({ err }, 'stt stream close failed');
    }
  }

  private onOpen(): void {
    const now = this.stream.provider;
    if (now !== this.provider) {
      this.state('failover', { next: now }, this.provider);
      this.provider = now;
    }
    const gap = this.pendingGapMs;
    this.pendingGapMs = 0;
    this.state('connected', gap > 0 ? { gapMs: Math.round(gap) } : {});
  }

  private onTranscript(t: TranscriptEvent): void {
    if (t.provider !== this.provider) this.provider = t.provider;
    const leg = this.leg;
    const data = {
      callId: leg.callId,
      legId: leg.legId,
      speaker: leg.speaker,
      segmentId: t.segmentId,
      text: t.text,
      startMs: Math.max(0, t.startMs),
      endMs: Math.max(0, t.endMs),
      provider: t.provider,
      ...(t.words ? { words: [...t.words] } : {}),
      ...(t.confidence !== undefined ? { confidence: t.confidence } : {}),
      ...(t.language ? { language: t.language } : {}),
      ...(t.latencyMs !== undefined ? { latencyMs: Math.max(0, t.latencyMs) } : {}),
      ...(leg.campaignId ? { campaignId: leg.campaignId } : {}),
      ...(leg.agentId ? { agentId: leg.agentId } : {}),
    };
    this.log.debug({ kind: t.kind, segmentId: t.segmentId, pii: { text: t.text } }, 'transcript');
    this.emit(t.kind === 'final' ? 'transcript.final' : 'transcript.interim', data);
  }

  private state(
    state: 'connected' | 'failover' | 'error' | 'closed',
    extra: { next?: string; error?: { code: string; message: string; retryable: boolean }; gapMs?: number } = {},
    provider = this.stream.provider,
  ): void {
    this.emit('media.stt.state', { legId: this.leg.legId, callId: this.leg.callId, provider, state, ...extra });
  }

  private emit<T extends 'transcript.final' | 'transcript.interim' | 'media.stt.state' | 'stt.usage'>(
    type: T,
    data: Parameters<typeof createMessage<T>>[2],
  ): void {
    this.sink.emit(createMessage(type, this.leg.tenantId, data, { clock: this.clock, source: this.source }) as AnyMessage);
  }
}
