import type { DialerError } from '../errors/index.js';
import type { TypedEmitter } from '../events.js';
import type { Speaker, Word } from '../messages/index.js';

/** Audio encodings a provider may accept. `linear16` is signed 16-bit little-endian PCM. */
export type SttEncoding = 'mulaw' | 'alaw' | 'linear16';

/** What a provider can do; callers branch on these, never on the provider's name. */
export interface SttCapabilities {
  /** True: a live connection per leg. False: batch, fed VAD-gated segments. */
  readonly streaming: boolean;
  readonly interim: boolean;
  readonly encodings: readonly SttEncoding[];
  readonly sampleRates: readonly number[];
  /** What the gateway should send when it has a choice (u-law passes through untouched when listed). */
  readonly preferred: { readonly encoding: SttEncoding; readonly sampleRate: number };
  readonly diarization: boolean;
  /** BCP-47 tags, or `any`. */
  readonly languages: readonly string[] | 'any';
  readonly keywordHints: boolean;
  /** Wants every frame (true), or only speech segments the VAD marks (false). */
  readonly continuousAudio: boolean;
  /** The exact encoding and rate pairs accepted, when not every encoding works at every rate. */
  readonly formats?: readonly { readonly encoding: SttEncoding; readonly sampleRate: number }[];
}

/** True when a provider with these capabilities accepts audio in this encoding and rate. */
export function acceptsFormat(c: SttCapabilities, encoding: SttEncoding, sampleRate: number): boolean {
  if (c.formats) return c.formats.some((f) => f.encoding === encoding && f.sampleRate === sampleRate);
  return c.encodings.includes(encoding) && c.sampleRates.includes(sampleRate);
}

/** Options of one stream (one leg). */
export interface SttStreamOptions {
  readonly callId: string;
  readonly legId: string;
  readonly speaker: Speaker;
  readonly tenantId?: string;
  readonly campaignId?: string;
  readonly encoding: SttEncoding;
  readonly sampleRate: number;
  readonly language?: string;
  readonly hints?: readonly string[];
  /** Offset within the leg of the first frame written, so offsets stay right after a failover replay. */
  readonly startOffsetMs?: number;
}

/** One normalised transcript result; offsets are milliseconds within the leg. */
export interface TranscriptEvent {
  readonly kind: 'interim' | 'final';
  /** Stable across the interims and the final of one utterance. */
  readonly segmentId: string;
  readonly text: string;
  readonly words?: readonly Word[];
  readonly confidence?: number;
  readonly language?: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly provider: string;
  /** From the end of the audio it covers to its arrival. */
  readonly latencyMs?: number;
}

/** Events of an {@link SttStream}. */
export type SttStreamEvents = {
  transcript: [TranscriptEvent];
  speech_started: [{ atMs: number }];
  utterance_end: [{ atMs: number }];
  /** A coded error; `retryable` tells the failover chain whether to move on or give up on this provider. */
  error: [DialerError];
  /** Audio sent to the provider, for cost accounting. Emitted at least once, on close. */
  usage: [{ provider: string; audioMs: number }];
  /** Connected (a failover stream: each time a provider of its chain connects; `provider` names it). */
  open: [];
  close: [];
  /** The provider answered something (any protocol message); failover streams use it to tell a stall from silence. */
  activity: [];
  /** Failover streams only: which provider serves the leg now, and why it changed (maps to `media.stt.state`). */
  state: [SttStateChange];
};

/** A provider change on a failover stream. */
export interface SttStateChange {
  readonly provider: string;
  /** `connected`: `provider` serves the leg; `failover`: it failed and `next` takes over; `error`: it failed with no one to take over (yet); `closed`: the stream ended. */
  readonly state: 'connected' | 'failover' | 'error' | 'closed';
  readonly next?: string;
  readonly error?: DialerError;
  /** Audio that will not be transcribed (older than the replay window), in ms. */
  readonly gapMs?: number;
}

export type SttStreamState = 'connecting' | 'open' | 'closing' | 'closed' | 'failed';

/**
 * A live transcription of one leg. `write` never blocks: the stream buffers, bounded, while it connects.
 * A provider's stream emits `error` when that provider fails (`retryable` says whether another try can
 * succeed). A failover stream (from {@link SttStreamFactory.open}) reports provider failures with `state`
 * events and emits `error` only when no provider of its chain can serve the leg any more.
 */
export interface SttStream extends TypedEmitter<SttStreamEvents> {
  readonly provider: string;
  readonly state: SttStreamState;
  /** Bytes accepted but not yet sent to the provider. */
  readonly bufferedBytes: number;
  /** Audio in the stream's encoding and rate, any length (the gateway sends 80 to 100 ms). */
  write(audio: Uint8Array): void;
  /** The VAD heard speech start / end at these leg offsets. */
  speechStart(atMs: number): void;
  speechEnd(atMs: number): void;
  /** Asks for final results for everything written so far. */
  finalize(): void;
  /** Flushes and closes. Idempotent. */
  close(): Promise<void>;
}

/** A speech-to-text backend: opens one stream per leg. */
export interface SttProvider {
  readonly name: string;
  readonly capabilities: SttCapabilities;
  open(options: SttStreamOptions): SttStream;
  /** Releases shared resources (connection pools). Idempotent. */
  close(): Promise<void>;
}

/** Milliseconds of audio in `bytes` of the given encoding and rate. */
export function audioMs(bytes: number, encoding: SttEncoding, sampleRate: number): number {
  const bytesPerSample = encoding === 'linear16' ? 2 : 1;
  return (bytes / bytesPerSample / sampleRate) * 1000;
}

/** Audio format the gateway hands a stream. */
export interface SttInputFormat {
  readonly encoding: SttEncoding;
  readonly sampleRate: number;
  /** False when every provider of the chain only wants VAD-gated speech (batch). */
  readonly continuousAudio: boolean;
}

/**
 * What the media gateway is given at its composition root: opens failover
 * streams over a provider chain (stt-providers implements it; tests use
 * {@link singleProviderFactory} with the fake provider).
 */
export interface SttStreamFactory {
  /**
   * The format to send for this chain: the source format itself when every
   * provider accepts it (u-law passes through), otherwise the best one they all take.
   */
  inputFormat(chain: readonly string[], source: { encoding: SttEncoding; sampleRate: number }): SttInputFormat;
  /** Opens a stream over the chain; an empty chain means the configured default. */
  open(chain: readonly string[], options: SttStreamOptions): SttStream;
  /** Idempotent. */
  close(): Promise<void>;
}

/** A factory over one provider, without failover: for tests and simple setups. */
export function singleProviderFactory(provider: SttProvider): SttStreamFactory {
  return {
    inputFormat(_chain, source) {
      const c = provider.capabilities;
      const ok = acceptsFormat(c, source.encoding, source.sampleRate);
      return ok
        ? { encoding: source.encoding, sampleRate: source.sampleRate, continuousAudio: c.continuousAudio }
        : { encoding: c.preferred.encoding, sampleRate: c.preferred.sampleRate, continuousAudio: c.continuousAudio };
    },
    open: (_chain, options) => provider.open(options),
    close: () => provider.close(),
  };
}
