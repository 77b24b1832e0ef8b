import {
  backoffDelay,
  DialerError,
  redactTranscript,
  TypedEmitter,
  type Clock,
  type Logger,
  type RedactionOptions,
  type SttProvider,
  type SttStream,
  type SttStreamEvents,
  type SttStreamOptions,
  type SttStreamState,
  type TimerHandle,
  type TranscriptEvent,
} from '@dialer/core';
import { AudioLog } from '../base/audio-log.js';
import { isDropped } from '../base/errors.js';
import type { SttMetrics } from '../metrics.js';
import type { ProviderHealth } from './health.js';

/** One link of a chain: a provider, or why it could not be made (a missing key). */
export interface ChainLink {
  readonly name: string;
  readonly provider?: SttProvider;
  readonly error?: DialerError;
}

/** Settings of a failover stream. */
export interface FailoverSettings {
  readonly connectTimeoutMs: number;
  readonly stallTimeoutMs: number;
  readonly reconnectAttempts: number;
  readonly replayMaxMs: number;
  readonly redaction: RedactionOptions;
}

/** What a failover stream runs on. */
export interface FailoverDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: SttMetrics;
  readonly health: ProviderHealth;
  readonly random?: () => number;
}

type Mark = { atMs: number; kind: 'start' | 'end' };

/** Quick reconnects of one provider stay well inside the 2 s failover budget. */
const RECONNECT_BACKOFF = { initialMs: 100, maxMs: 800, jitter: 0.3 };
/** When every provider has failed in a row, the chain is retried with this backoff. */
const ROUND_BACKOFF = { initialMs: 1000, maxMs: 30_000, jitter: 0.3 };

/**
 * A leg's transcription over a chain of providers. It keeps the audio (and VAD
 * marks) since the last final result; when the current provider fails —
 * refused, 5xx, 429, dropped, or silent for `stallTimeoutMs` after speech
 * ended — it switches to the next provider at once (or reconnects the same one
 * after a dropped connection) and replays that audio, so no speech goes
 * untranscribed. Results of a provider that was switched away from are
 * ignored, and finals that end at or before the last final are dropped, so no
 * speech is transcribed twice into finals. Auth and other final errors take a
 * provider out of the chain for this leg. `error` is emitted only when no
 * provider is left.
 */
export class FailoverStream extends TypedEmitter<SttStreamEvents> implements SttStream {
  state: SttStreamState = 'connecting';
  private inner: SttStream | undefined;
  private index = -1;
  private readonly replay: AudioLog;
  private marks: Mark[] = [];
  private inSpeech = false;
  private readonly dead = new Set<number>();
  private readonly reconnects = new Map<number, number>();
  /** Providers that failed since one last opened: when the next one is among them, the chain went round. */
  private readonly failedRound = new Set<number>();
  private rounds = 0;
  private finalizeAtMs: number | undefined;
  private owedSince: number | undefined;
  private stallTimer: TimerHandle | undefined;
  private connectTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private openSegment: string | undefined;
  private remapNext: string | undefined;
  private readonly remap = new Map<string, string>();
  private readonly retiring = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  private gapMs = 0;
  private gapReportedAt = -Infinity;
  private readonly log: Logger;

  constructor(
    private readonly chain: readonly ChainLink[],
    private readonly options: SttStreamOptions,
    private readonly s: FailoverSettings,
    private readonly deps: FailoverDeps,
  ) {
    super();
    this.log = deps.log.child({ legId: options.legId, callId: options.callId, component: 'stt' });
    this.replay = new AudioLog(options.encoding, options.sampleRate, options.startOffsetMs ?? 0);
    chain.forEach((l, i) => {
      if (!l.provider) this.dead.add(i);
    });
    // Start with the first provider that has not failed recently (for other legs), else the first usable one.
    const usable = chain.map((_, i) => i).filter((i) => !this.dead.has(i));
    const first = usable.find((i) => !deps.health.isDown(chain[i]!.name)) ?? usable[0];
    if (first === undefined) {
      // Nothing to run on: report on the next tick, once listeners are attached.
      const t = deps.clock.setTimeout(() => this.exhausted(), 0);
      this.retryTimer = t;
      return;
    }
    this.attach(first);
  }

  get provider(): string {
    return this.chain[this.index]?.name ?? this.chain[0]?.name ?? 'none';
  }

  get bufferedBytes(): number {
    return this.inner ? this.inner.bufferedBytes : this.replay.byteLength;
  }

  // ---- input --------------------------------------------------------------

  write(audio: Uint8Array): void {
    if (this.state === 'closed' || this.state === 'closing' || this.state === 'failed') return;
    this.replay.append(audio);
    if (this.replay.durationMs > this.s.replayMaxMs) {
      const gap = this.replay.dropBefore(this.replay.endMs - this.s.replayMaxMs);
      this.trimMarks(this.replay.startMs);
      if (gap > 0) {
        this.deps.metrics.inc('gap_ms', { provider: this.provider }, Math.round(gap));
        // The window overflows only while no provider answers; report the lost audio at most once a second.
        this.gapMs += gap;
        const now = this.deps.clock.now();
        if (now - this.gapReportedAt >= 1000) {
          this.gapReportedAt = now;
          this.emit('state', { provider: this.provider, state: 'error', gapMs: Math.round(this.gapMs) });
          this.gapMs = 0;
        }
      }
    }
    this.inner?.write(audio);
  }

  speechStart(atMs: number): void {
    if (this.state === 'closed' || this.state === 'closing' || this.state === 'failed') return;
    this.inSpeech = true;
    this.marks.push({ atMs, kind: 'start' });
    this.inner?.speechStart(atMs);
  }

  speechEnd(atMs: number): void {
    if (this.state === 'closed' || this.state === 'closing' || this.state === 'failed') return;
    this.inSpeech = false;
    this.marks.push({ atMs, kind: 'end' });
    this.inner?.speechEnd(atMs);
    this.owe();
  }

  finalize(): void {
    if (this.state === 'closed' || this.state === 'closing' || this.state === 'failed') return;
    this.finalizeAtMs = this.replay.endMs;
    this.inner?.finalize();
    this.owe();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const failed = this.state === 'failed';
      this.state = 'closing';
      this.clearTimers();
      const inner = this.inner;
      // Audio that no provider holds is lost now: report it.
      const gapMs = inner ? 0 : Math.round(this.replay.durationMs);
      if (inner) await inner.close().catch(() => undefined);
      await Promise.allSettled([...this.retiring]);
      this.inner = undefined;
      this.state = 'closed';
      if (!failed) this.emit('state', { provider: this.provider, state: 'closed', ...(gapMs > 0 ? { gapMs } : {}) });
      this.emit('close');
    })();
    return this.closing;
  }

  // ---- providers ----------------------------------------------------------

  private attach(index: number): void {
    const link = this.chain[index]!;
    this.index = index;
    const startOffsetMs = this.replay.startMs;
    let s: SttStream;
    try {
      s = link.provider!.open({ ...this.options, startOffsetMs });
    } catch (err) {
      const e = err instanceof DialerError ? err : new DialerError('DIALER_ERR_STT_UNAVAILABLE', `${link.name}: ${(err as Error).message}`, { cause: err });
      this.inner = undefined;
      const t = this.deps.clock.setTimeout(() => this.onFailure(index, e), 0);
      this.retryTimer = t;
      return;
    }
    this.inner = s;
    this.deps.metrics.inc('streams_opened', { provider: link.name });
    const current = (): boolean => this.inner === s;
    s.on('open', () => {
      if (!current()) return;
      this.deps.clock.clearTimeout(this.connectTimer);
      this.failedRound.clear();
      this.rounds = 0;
      this.deps.health.ok(link.name);
      if (this.state === 'connecting') this.state = 'open';
      // `open` each time a provider of the chain connects (`provider` names it); `state` says why it changed.
      this.emit('open');
      this.emit('state', { provider: link.name, state: 'connected' });
    });
    s.on('transcript', (ev) => {
      if (current()) this.onTranscript(index, ev);
    });
    s.on('speech_started', (ev) => {
      if (!current()) return;
      this.touch();
      this.emit('speech_started', ev);
    });
    s.on('utterance_end', (ev) => {
      if (!current()) return;
      this.touch();
      this.emit('utterance_end', ev);
    });
    s.on('activity', () => {
      if (current()) this.touch();
    });
    s.on('error', (err) => {
      if (current()) this.onFailure(index, err);
    });
    s.on('close', () => {
      // A provider stream that closes by itself (not asked to) has dropped the leg.
      if (current() && this.state !== 'closing' && this.state !== 'closed') {
        this.onFailure(index, new DialerError('DIALER_ERR_STT_UNAVAILABLE', `${link.name}: stream closed unexpectedly`, { details: { dropped: true } }));
      }
    });
    // Usage comes from every stream this leg used, including the ones it left.
    s.on('usage', (u) => {
      this.deps.metrics.inc('audio_ms', { provider: u.provider }, u.audioMs);
      this.emit('usage', u);
    });
    this.connectTimer = this.deps.clock.setTimeout(() => {
      if (current() && s.state === 'connecting') {
        this.onFailure(index, new DialerError('DIALER_ERR_STT_UNAVAILABLE', `${link.name}: not connected after ${this.s.connectTimeoutMs} ms`, { details: { stage: 'connect' } }));
      }
    }, this.s.connectTimeoutMs);
    this.replayInto(s);
  }

  /** Writes the audio and VAD marks since the last final into a new provider stream, in order. */
  private replayInto(s: SttStream): void {
    let m = 0;
    let replayed = 0;
    for (const c of this.replay.chunksBetween(this.replay.startMs)) {
      while (m < this.marks.length && this.marks[m]!.atMs <= c.startMs) this.mark(s, this.marks[m++]!);
      s.write(c.bytes);
      replayed += c.bytes.length;
    }
    while (m < this.marks.length) this.mark(s, this.marks[m++]!);
    if (replayed > 0) this.deps.metrics.inc('replayed_ms', { provider: s.provider }, Math.round(this.replay.durationMs));
    if (this.finalizeAtMs !== undefined) s.finalize();
    if (this.owedSince !== undefined) {
      this.owedSince = undefined;
      this.owe();
    }
  }

  private mark(s: SttStream, m: Mark): void {
    if (m.kind === 'start') s.speechStart(m.atMs);
    else s.speechEnd(m.atMs);
  }

  private onTranscript(index: number, ev: TranscriptEvent): void {
    this.touch();
    const committed = this.replay.startMs;
    if (ev.kind === 'final' && ev.endMs <= committed + 1) return;
    // The first segment of a new provider continues the interim the UI already shows.
    let segmentId = this.remap.get(ev.segmentId);
    if (segmentId === undefined) {
      segmentId = this.remapNext ?? ev.segmentId;
      this.remapNext = undefined;
      if (segmentId !== ev.segmentId) this.remap.set(ev.segmentId, segmentId);
    }
    const out = redactTranscript({ ...ev, segmentId }, this.s.redaction);
    if (ev.kind === 'interim') this.openSegment = segmentId;
    else {
      if (this.openSegment === segmentId) this.openSegment = undefined;
      this.remap.delete(ev.segmentId);
      this.commit(ev.endMs);
      this.reconnects.delete(index);
    }
    this.emit('transcript', out);
  }

  /** Everything up to `endMs` is transcribed: forget its audio and marks. */
  private commit(endMs: number): void {
    this.replay.dropBefore(endMs);
    this.trimMarks(this.replay.startMs);
    if (this.finalizeAtMs !== undefined && this.replay.startMs >= this.finalizeAtMs - 1) this.finalizeAtMs = undefined;
  }

  private trimMarks(fromMs: number): void {
    let lastBefore: Mark | undefined;
    const keep: Mark[] = [];
    for (const m of this.marks) {
      if (m.atMs <= fromMs) lastBefore = m;
      else keep.push(m);
    }
    // Speech that began before the cut and goes on: the replay starts inside it.
    if (lastBefore?.kind === 'start') keep.unshift({ atMs: fromMs, kind: 'start' });
    this.marks = keep;
  }

  private onFailure(index: number, err: DialerError): void {
    if (this.state === 'closing' || this.state === 'closed' || this.state === 'failed') return;
    const link = this.chain[index]!;
    const old = this.inner;
    this.inner = undefined;
    this.deps.clock.clearTimeout(this.connectTimer);
    this.deps.clock.clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (old) this.retire(old);
    if (this.openSegment) this.remapNext = this.openSegment;

    this.deps.metrics.inc('provider_errors', { provider: link.name, code: err.code });
    if (err.code === 'DIALER_ERR_STT_AUTH') this.deps.metrics.inc('auth_errors', { provider: link.name });
    if (err.code === 'DIALER_ERR_STT_STALL') this.deps.metrics.inc('stalls', { provider: link.name });
    this.deps.health.failed(link.name, err);
    this.log.warn({ provider: link.name, err: { code: err.code, message: err.message, retryable: err.retryable } }, 'stt provider failed');
    if (!err.retryable) this.dead.add(index);

    const live = this.chain.map((_, i) => i).filter((i) => !this.dead.has(i));
    if (live.length === 0) {
      this.exhausted(err);
      return;
    }
    const used = this.reconnects.get(index) ?? 0;
    if (err.retryable && isDropped(err) && used < this.s.reconnectAttempts) {
      this.reconnects.set(index, used + 1);
      this.deps.metrics.inc('reconnects', { provider: link.name });
      this.emit('state', { provider: link.name, state: 'failover', next: link.name, error: err });
      this.later(backoffDelay(used, RECONNECT_BACKOFF, this.deps.random), () => this.attach(index));
      return;
    }
    const next = live.find((i) => i > index) ?? live[0]!;
    this.failedRound.add(index);
    if (this.failedRound.has(next)) {
      // Every provider failed in a row: wait, then go round again (audio keeps collecting for replay).
      const wait = backoffDelay(this.rounds++, ROUND_BACKOFF, this.deps.random);
      this.failedRound.clear();
      this.emit('state', { provider: link.name, state: 'error', error: err });
      this.later(wait, () => this.attach(next));
      return;
    }
    this.deps.metrics.inc('failovers', { provider: link.name, next: this.chain[next]!.name });
    this.emit('state', { provider: link.name, state: 'failover', next: this.chain[next]!.name, error: err });
    this.attach(next);
  }

  private exhausted(last?: DialerError): void {
    if (this.state === 'closing' || this.state === 'closed' || this.state === 'failed') return;
    this.clearTimers();
    this.state = 'failed';
    const causes = this.chain.map((l) => ({ provider: l.name, ...(l.error ? { error: l.error.message } : {}) }));
    this.deps.metrics.inc('exhausted', { provider: this.provider });
    this.log.error({ chain: causes }, 'every stt provider of the chain failed');
    this.emit('error', new DialerError('DIALER_ERR_STT_EXHAUSTED', `no STT provider left for this leg${last ? `; last: ${last.message}` : ''}`, { details: { chain: causes }, ...(last ? { cause: last } : {}) }));
  }

  /** Closes a provider stream that was switched away from, in the background; its usage still counts. */
  private retire(s: SttStream): void {
    const p = s.close().catch(() => undefined);
    this.retiring.add(p);
    void p.finally(() => this.retiring.delete(p));
  }

  /** A result is owed (speech ended or finalize): if nothing comes within the stall timeout, the provider has stalled. */
  private owe(): void {
    if (this.owedSince !== undefined || !this.inner) return;
    this.owedSince = this.deps.clock.now();
    const index = this.index;
    const s = this.inner;
    this.stallTimer = this.deps.clock.setTimeout(() => {
      this.stallTimer = undefined;
      if (this.inner !== s || this.owedSince === undefined) return;
      this.owedSince = undefined;
      this.onFailure(index, new DialerError('DIALER_ERR_STT_STALL', `${this.chain[index]!.name}: no answer for ${this.s.stallTimeoutMs} ms`));
    }, this.s.stallTimeoutMs);
  }

  private touch(): void {
    this.owedSince = undefined;
    this.deps.clock.clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  private later(ms: number, fn: () => void): void {
    this.deps.clock.clearTimeout(this.retryTimer);
    this.retryTimer = this.deps.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state !== 'closing' && this.state !== 'closed' && this.state !== 'failed') fn();
    }, ms);
  }

  private clearTimers(): void {
    for (const t of [this.stallTimer, this.connectTimer, this.retryTimer]) this.deps.clock.clearTimeout(t);
    this.stallTimer = this.connectTimer = this.retryTimer = undefined;
  }
}
