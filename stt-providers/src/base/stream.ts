import {
  audioMs,
  DialerError,
  TypedEmitter,
  type Clock,
  type Logger,
  type SttStream,
  type SttStreamEvents,
  type SttStreamOptions,
  type SttStreamState,
  type TimerHandle,
  type TranscriptEvent,
} from '@dialer/core';
import { sttErrorFromTransport } from './errors.js';

/** What every streaming adapter gets from its provider. */
export interface StreamDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly connectTimeoutMs: number;
  readonly keepAliveMs: number;
  /** Audio held while connecting; older audio is dropped beyond it (the failover layer still has it). */
  readonly maxPendingMs: number;
  /** How long a graceful close waits for the provider's last results. */
  readonly closeTimeoutMs: number;
}

/**
 * The life cycle every adapter shares: connect with a timeout, hold audio
 * while connecting, send keep-alives during silence, account usage, map
 * provider times to leg offsets, measure latency, and close gracefully (the
 * provider's last results still arrive) or hard. Subclasses speak the vendor's
 * protocol through the abstract methods and report back with `opened`,
 * `failed`, `emitTranscript` and `activity`.
 */
export abstract class BaseSttStream extends TypedEmitter<SttStreamEvents> implements SttStream {
  state: SttStreamState = 'connecting';
  protected readonly log: Logger;
  protected sentBytes = 0;
  /** Audio and VAD marks held while connecting, in the order they came. */
  private pending: Array<Uint8Array | { mark: 'start' | 'end'; atMs: number }> = [];
  private pendingBytes = 0;
  private writtenBytes = 0;
  private finalizeOnOpen = false;
  private lastSendAt = 0;
  private keepAliveTimer: TimerHandle | undefined;
  private connectTimer: TimerHandle | undefined;
  private closing: Promise<void> | undefined;
  private usageSent = false;
  /** `[leg offset at the end of a write, wall time]`, to measure latency. */
  private writeMarks: Array<[number, number]> = [];

  constructor(
    readonly provider: string,
    protected readonly options: SttStreamOptions,
    protected readonly deps: StreamDeps,
  ) {
    super();
    this.log = deps.log.child({ provider, legId: options.legId });
  }

  /** Opens the vendor connection; resolves once audio may be sent. */
  protected abstract connect(): Promise<void>;
  /** Sends audio (the caller may reuse `audio` after the call returns: copy what is kept). */
  protected abstract sendAudio(audio: Uint8Array): void;
  /** Asks for final results of everything sent. */
  protected abstract sendFinalize(): void;
  protected abstract sendKeepAlive(): void;
  /** Closes the connection; `graceful`: let the provider flush its last results first (bounded by the caller). */
  protected abstract closeConnection(graceful: boolean): Promise<void>;

  /** Subclasses call this at the end of their constructor. */
  protected begin(): void {
    this.connectTimer = this.deps.clock.setTimeout(() => {
      if (this.state === 'connecting') {
        this.failed(new DialerError('DIALER_ERR_STT_UNAVAILABLE', `${this.provider}: no connection after ${this.deps.connectTimeoutMs} ms`, { details: { stage: 'connect', timeout: true } }));
      }
    }, this.deps.connectTimeoutMs);
    let p: Promise<void>;
    try {
      p = this.connect();
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      () => this.opened(),
      (err: unknown) => this.failed(sttErrorFromTransport(this.provider, err, 'connect')),
    );
  }

  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Leg offset of the first audio this stream was given. */
  protected get originMs(): number {
    return this.options.startOffsetMs ?? 0;
  }

  /** Leg offset just after the audio written so far. */
  protected get positionMs(): number {
    return this.originMs + audioMs(this.writtenBytes, this.options.encoding, this.options.sampleRate);
  }

  write(audio: Uint8Array): void {
    if (this.state !== 'connecting' && this.state !== 'open') return;
    this.writtenBytes += audio.length;
    this.mark();
    if (this.state === 'connecting') {
      this.pending.push(audio.slice());
      this.pendingBytes += audio.length;
      const maxBytes = (this.deps.maxPendingMs / 1000) * this.options.sampleRate * (this.options.encoding === 'linear16' ? 2 : 1);
      while (this.pendingBytes > maxBytes && this.pending.length > 1) {
        const dropped = this.pending.shift()!;
        if (dropped instanceof Uint8Array) this.pendingBytes -= dropped.length;
      }
      return;
    }
    this.pushAudio(audio);
  }

  private pushAudio(audio: Uint8Array): void {
    try {
      this.sendAudio(audio);
      this.sentBytes += audio.length;
      this.lastSendAt = this.deps.clock.now();
    } catch (err) {
      this.failed(sttErrorFromTransport(this.provider, err, 'stream'));
    }
  }

  speechStart(atMs: number): void {
    if (this.state === 'connecting') this.pending.push({ mark: 'start', atMs });
    else if (this.state === 'open') this.onSpeechStart(atMs);
  }

  speechEnd(atMs: number): void {
    if (this.state === 'connecting') this.pending.push({ mark: 'end', atMs });
    else if (this.state === 'open') this.onSpeechEnd(atMs);
  }

  /** VAD marks, for adapters that use them (manual commits). */
  protected onSpeechStart(_atMs: number): void {}
  protected onSpeechEnd(_atMs: number): void {}

  finalize(): void {
    if (this.state === 'connecting') this.finalizeOnOpen = true;
    else if (this.state === 'open') {
      try {
        this.sendFinalize();
      } catch (err) {
        this.failed(sttErrorFromTransport(this.provider, err, 'stream'));
      }
    }
  }

  close(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    this.closing ??= (async () => {
      const graceful = this.state === 'open';
      this.state = 'closing';
      this.stopTimers();
      this.pending = [];
      this.pendingBytes = 0;
      await this.boundedClose(graceful);
      this.state = 'closed';
      this.sendUsage();
      this.emit('close');
    })();
    return this.closing;
  }

  private async boundedClose(graceful: boolean): Promise<void> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = this.deps.clock.setTimeout(() => resolve('timeout'), this.deps.closeTimeoutMs);
    });
    try {
      const r = await Promise.race([this.closeConnection(graceful).then(() => 'done' as const), timeout]);
      if (r === 'timeout') await this.closeConnection(false);
    } catch (err) {
      this.log.debug({ err }, 'close failed');
    } finally {
      this.deps.clock.clearTimeout(timer);
    }
  }

  /** The connection is ready: send what was held, then stream. */
  protected opened(): void {
    if (this.state !== 'connecting') return;
    this.deps.clock.clearTimeout(this.connectTimer);
    this.state = 'open';
    const held = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const item of held) {
      if (item instanceof Uint8Array) this.pushAudio(item);
      else if (item.mark === 'start') this.onSpeechStart(item.atMs);
      else this.onSpeechEnd(item.atMs);
      if (this.state !== 'open') return;
    }
    if (this.finalizeOnOpen) this.finalize();
    this.lastSendAt = this.deps.clock.now();
    const every = Math.max(250, Math.floor(this.deps.keepAliveMs / 2));
    this.keepAliveTimer = this.deps.clock.setInterval(() => {
      if (this.state !== 'open' || this.deps.clock.now() - this.lastSendAt < this.deps.keepAliveMs) return;
      try {
        this.sendKeepAlive();
        this.lastSendAt = this.deps.clock.now();
      } catch (err) {
        this.failed(sttErrorFromTransport(this.provider, err, 'stream'));
      }
    }, every);
    this.emit('open');
  }

  /** The provider failed: report once, and drop the connection. Failures while closing are expected and ignored. */
  protected failed(err: DialerError): void {
    if (this.state === 'failed' || this.state === 'closed' || this.state === 'closing') return;
    this.state = 'failed';
    this.stopTimers();
    this.pending = [];
    this.pendingBytes = 0;
    this.log.warn({ err: { code: err.code, message: err.message, details: err.details } }, 'stt provider failed');
    this.closeConnection(false).catch(() => undefined);
    this.emit('error', err);
  }

  /** Audio billed by the provider (default: everything sent). */
  protected usageBytes(): number {
    return this.sentBytes;
  }

  /** The provider answered something. */
  protected activity(): void {
    if (this.state === 'open' || this.state === 'closing') this.emit('activity');
  }

  /** Emits a normalised transcript, adding the latency from when its last audio was written. */
  protected emitTranscript(ev: Omit<TranscriptEvent, 'provider' | 'latencyMs'>): void {
    if (this.state !== 'open' && this.state !== 'closing') return;
    const latencyMs = this.latencyFor(ev.endMs);
    this.emit('transcript', { ...ev, provider: this.provider, ...(latencyMs === undefined ? {} : { latencyMs }) });
    this.emit('activity');
  }

  private mark(): void {
    this.writeMarks.push([this.positionMs, this.deps.clock.now()]);
    if (this.writeMarks.length > 4000) this.writeMarks.splice(0, 2000);
  }

  private latencyFor(endMs: number): number | undefined {
    const marks = this.writeMarks;
    let lo = 0;
    let hi = marks.length - 1;
    if (hi < 0 || marks[hi]![0] < endMs - 1) return undefined;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid]![0] >= endMs - 1) hi = mid;
      else lo = mid + 1;
    }
    return Math.max(0, this.deps.clock.now() - marks[lo]![1]);
  }

  private sendUsage(): void {
    if (this.usageSent) return;
    this.usageSent = true;
    this.emit('usage', { provider: this.provider, audioMs: Math.round(audioMs(this.usageBytes(), this.options.encoding, this.options.sampleRate)) });
  }

  private stopTimers(): void {
    this.deps.clock.clearTimeout(this.connectTimer);
    this.deps.clock.clearInterval(this.keepAliveTimer);
    this.connectTimer = undefined;
    this.keepAliveTimer = undefined;
  }
}
