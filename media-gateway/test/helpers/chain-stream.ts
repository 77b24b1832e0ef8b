// A failover stream for the gateway's tests, over core's fake providers: the
// gateway may not import stt-providers (only its composition root does), so
// this plays the port's contract of a failover stream (core/src/stt/port.ts):
// `open` then `state: connected` each time a provider connects, `state:
// failover` with `next` and `error` when one fails, `state: closed` then
// `close` at the end, `error` only when no provider is left. Unlike the real
// one (which reports audio that fell out of its replay window in an `error`
// state as it happens), it reports that gap on the `failover` state: the
// gateway passes `gapMs` through whichever state carries it.
import {
  acceptsFormat,
  audioMs,
  TypedEmitter,
  type DialerError,
  type SttProvider,
  type SttStream,
  type SttStreamEvents,
  type SttStreamFactory,
  type SttStreamOptions,
  type SttStreamState,
} from '@dialer/core';

/** Writes since the last final: replayed into the next provider, except what is older than `replayMaxMs` (reported as `gapMs`). */
export class ChainStream extends TypedEmitter<SttStreamEvents> implements SttStream {
  state: SttStreamState = 'connecting';
  private inner: SttStream | undefined;
  private index = -1;
  private log: Uint8Array[] = [];
  private logMs = 0;
  private committedMs: number;

  constructor(
    private readonly chain: readonly SttProvider[],
    private readonly options: SttStreamOptions,
    private readonly replayMaxMs: number,
  ) {
    super();
    this.committedMs = options.startOffsetMs ?? 0;
    this.attach(0);
  }

  get provider(): string {
    return this.chain[this.index]!.name;
  }

  get bufferedBytes(): number {
    return this.inner?.bufferedBytes ?? 0;
  }

  private ms(bytes: number): number {
    return audioMs(bytes, this.options.encoding, this.options.sampleRate);
  }

  private attach(i: number, gapMs = 0): void {
    this.index = i;
    const s = this.chain[i]!.open({ ...this.options, startOffsetMs: this.committedMs + gapMs });
    this.inner = s;
    const current = (): boolean => this.inner === s;
    s.on('open', () => {
      if (!current()) return;
      this.state = 'open';
      this.emit('open');
      this.emit('state', { provider: this.chain[i]!.name, state: 'connected' });
    });
    s.on('transcript', (t) => {
      if (!current()) return;
      if (t.kind === 'final') {
        // Everything up to its end is transcribed: forget that audio.
        let drop = t.endMs - this.committedMs;
        while (this.log.length > 0 && drop >= this.ms(this.log[0]!.length)) {
          const n = this.ms(this.log.shift()!.length);
          drop -= n;
          this.logMs -= n;
          this.committedMs += n;
        }
      }
      this.emit('transcript', t);
    });
    s.on('usage', (u) => void this.emit('usage', u));
    s.on('error', (err) => {
      if (current()) this.fail(i, err);
    });
    for (const b of this.log) s.write(b);
  }

  private fail(i: number, err: DialerError): void {
    void this.inner?.close();
    this.inner = undefined;
    if (i + 1 >= this.chain.length) {
      this.state = 'failed';
      this.emit('error', err);
      return;
    }
    // Audio older than the replay window is not replayed: a gap.
    let gapMs = 0;
    while (this.log.length > 0 && this.logMs > this.replayMaxMs) {
      const n = this.ms(this.log.shift()!.length);
      this.logMs -= n;
      gapMs += n;
    }
    this.emit('state', { provider: this.chain[i]!.name, state: 'failover', next: this.chain[i + 1]!.name, error: err, ...(gapMs > 0 ? { gapMs } : {}) });
    this.attach(i + 1, gapMs);
    this.committedMs += gapMs;
  }

  write(audio: Uint8Array): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.log.push(audio);
    this.logMs += this.ms(audio.length);
    this.inner?.write(audio);
  }

  speechStart(atMs: number): void {
    this.inner?.speechStart(atMs);
  }

  speechEnd(atMs: number): void {
    this.inner?.speechEnd(atMs);
  }

  finalize(): void {
    this.inner?.finalize();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const failed = this.state === 'failed';
    this.state = 'closed';
    await this.inner?.close();
    if (!failed) this.emit('state', { provider: this.provider, state: 'closed' });
    this.emit('close');
  }
}

/** A factory whose every stream fails over along `chain` (the first provider decides the input format). */
export function chainFactory(chain: readonly SttProvider[], replayMaxMs = 10_000): SttStreamFactory {
  return {
    inputFormat(_names, source) {
      const c = chain[0]!.capabilities;
      const ok = chain.every((p) => acceptsFormat(p.capabilities, source.encoding, source.sampleRate));
      return ok ? { ...source, continuousAudio: c.continuousAudio } : { ...c.preferred, continuousAudio: c.continuousAudio };
    },
    open: (_names, options) => new ChainStream(chain, options, replayMaxMs),
    close: async () => {
      for (const p of chain) await p.close();
    },
  };
}
