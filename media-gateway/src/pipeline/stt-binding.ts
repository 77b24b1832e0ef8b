// One leg's speech-to-text stream and what it reports: transcripts become
// transcript.interim/final messages, provider changes media.stt.state, usage
// stt.usage. Vendors never appear here; the stream is the port.
//
// The messages come from core's bridgeSttStream, so the gateway reports a
// failover stream's `state` events (with `next`, `error` and `gapMs`) exactly
// as any other user of the port would. A plain provider stream (no failover,
// e.g. singleProviderFactory) has no `state` events: for it the binding turns
// `open` and `close` into `connected` and `closed`. Either way each stream
// reports one `closed`, and the gateway adds its own gaps: a backlog that
// dropped audio, and audio lost before a re-opened leg (merged into the
// first state message).
import type { Logger } from 'pino';
import {
  bridgeSttStream,
  createMessage,
  type AnyMessage,
  type Clock,
  type MediaEventSink,
  type MessageData,
  type Speaker,
  type SttStream,
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

type StateData = MessageData<'media.stt.state'>;

/** Listens to a leg's stream and emits its events. */
export class SttBinding {
  private closed = false;
  /** The stream reports its own provider changes (`state` events): `open`/`close` are not turned into states. */
  private reportsState = false;
  private closedReported = false;
  private stateReported = false;
  private readonly unbridge: () => void;

  constructor(
    readonly stream: SttStream,
    private readonly leg: LegIdentity,
    private readonly sink: MediaEventSink,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly source: string,
    /** Audio lost before this stream (a leg re-opened after a gateway died), reported with the first state message. */
    private pendingGapMs = 0,
  ) {
    // Registered before the bridge's listener, so the flag is set when the bridge's message arrives.
    stream.on('state', () => {
      this.reportsState = true;
    });
    this.unbridge = bridgeSttStream(stream, { ...leg, source }, (m) => this.out(m), clock);
    stream.on('open', () => {
      // A failover stream emits `state` right after `open`: decide once it had the chance.
      queueMicrotask(() => {
        if (!this.reportsState) this.state({ state: 'connected' });
      });
    });
    stream.on('error', (err) => this.log.warn({ err, provider: stream.provider }, 'stt stream error'));
    stream.on('transcript', (t) => this.log.debug({ kind: t.kind, segmentId: t.segmentId, pii: { text: t.text } }, 'transcript'));
    stream.on('close', () => {
      // A failover stream reports `closed` itself, except after it gave up (then only `error` came).
      if (!this.closedReported) this.state({ state: 'closed' });
      this.unbridge();
    });
  }

  /** Reports audio lost to a backlog once it clears. */
  gap(gapMs: number): void {
    this.state({ state: 'connected', gapMs: Math.round(gapMs) });
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

  private state(extra: Pick<StateData, 'state'> & Partial<StateData>): void {
    const data: StateData = { legId: this.leg.legId, callId: this.leg.callId, provider: this.stream.provider, ...extra };
    this.out(createMessage('media.stt.state', this.leg.tenantId, data, { clock: this.clock, source: this.source }) as AnyMessage);
  }

  /** Every message of the stream passes here: one `closed` per stream, and the re-open gap on the first state. */
  private out(msg: AnyMessage): void {
    if (msg.type === 'media.stt.state') {
      const d = msg.data as StateData;
      if (this.closedReported) return;
      if (d.state === 'closed') this.closedReported = true;
      const first = !this.stateReported;
      this.stateReported = true;
      if (first && this.pendingGapMs > 0) {
        const gapMs = Math.round(this.pendingGapMs + (d.gapMs ?? 0));
        this.pendingGapMs = 0;
        msg = createMessage('media.stt.state', this.leg.tenantId, { ...d, gapMs }, { clock: this.clock, source: this.source }) as AnyMessage;
      }
    }
    this.sink.emit(msg);
  }
}
