import {
  acceptsFormat,
  DialerError,
  FakeSttProvider,
  NO_REDACTION,
  systemClock,
  type Clock,
  type Logger,
  type RedactionOptions,
  type SttEncoding,
  type SttInputFormat,
  type SttProvider,
  type SttStream,
  type SttStreamFactory,
  type SttStreamOptions,
} from '@dialer/core';
import { AssemblyAiProvider } from './assemblyai/provider.js';
import type { StreamDeps } from './base/stream.js';
import { isOpenAiHost, PROVIDER_NAMES, type SttConfig } from './config.js';
import { DeepgramProvider } from './deepgram/provider.js';
import { FailoverStream, type ChainLink } from './failover/stream.js';
import { ProviderHealth } from './failover/health.js';
import { SttCounters, type SttMetrics } from './metrics.js';
import { OpenAiBatchProvider } from './openai/batch.js';
import { OpenAiRealtimeProvider } from './openai/realtime.js';

/** What {@link createSttStreamFactory} runs on. */
export interface SttFactoryDeps {
  log: Logger;
  clock?: Clock;
  /** Applied to every transcript (interim and final) before it leaves the stream. */
  redaction?: RedactionOptions;
  /** Counters (default: in-memory {@link SttCounters}, readable from `factory.metrics`). */
  metrics?: SttMetrics;
  /** Providers by name that replace or add to the built-in ones (tests, custom vendors). */
  providers?: Readonly<Record<string, SttProvider>>;
  random?: () => number;
}

/** The factory the media gateway's composition root gets. */
export interface DialerSttStreamFactory extends SttStreamFactory {
  readonly metrics: SttMetrics;
  /** The provider of that name (created on first use); throws a coded error when it cannot be made. */
  provider(name: string): SttProvider;
}

/** Formats tried, in order, when the source format is not accepted by every provider of a chain. */
const FALLBACK_FORMATS: ReadonlyArray<{ encoding: SttEncoding; sampleRate: number }> = [
  { encoding: 'mulaw', sampleRate: 8000 },
  { encoding: 'linear16', sampleRate: 16000 },
  { encoding: 'linear16', sampleRate: 8000 },
  { encoding: 'linear16', sampleRate: 24000 },
  { encoding: 'alaw', sampleRate: 8000 },
];

/**
 * The real speech-to-text factory: builds each provider from the `stt`
 * settings (lazily, so a provider without a key fails only the legs that name
 * it) and opens a {@link FailoverStream} per leg over the chain.
 */
export function createSttStreamFactory(config: SttConfig, deps: SttFactoryDeps): DialerSttStreamFactory {
  const clock = deps.clock ?? systemClock;
  const log = deps.log.child({ component: 'stt' });
  const metrics = deps.metrics ?? new SttCounters();
  const health = new ProviderHealth(clock);
  const redaction = deps.redaction ?? NO_REDACTION;
  const made = new Map<string, SttProvider>();
  let closed = false;

  const streamDeps: StreamDeps = {
    clock,
    log,
    connectTimeoutMs: config.connectTimeoutMs,
    keepAliveMs: config.keepAliveMs,
    maxPendingMs: config.replayMaxMs,
    closeTimeoutMs: Math.max(3000, config.stallTimeoutMs),
  };

  const missingKey = (name: string, env: string): DialerError =>
    new DialerError('DIALER_ERR_STT_AUTH', `${name}: ${env} is not set`, { details: { provider: name, setting: env } });

  function build(name: string): SttProvider {
    const injected = deps.providers?.[name];
    if (injected) return injected;
    switch (name) {
      case 'deepgram':
        if (!config.deepgramApiKey) throw missingKey(name, 'DEEPGRAM_API_KEY');
        return new DeepgramProvider(
          {
            apiKey: config.deepgramApiKey,
            url: config.deepgramUrl,
            model: config.deepgramModel,
            language: config.language,
            hints: config.hints,
            interim: config.interim,
            endpointingMs: config.endpointingMs,
            utteranceEndMs: config.deepgramUtteranceEndMs,
            smartFormat: config.deepgramSmartFormat,
          },
          streamDeps,
        );
      case 'assemblyai':
        if (!config.assemblyaiApiKey) throw missingKey(name, 'ASSEMBLYAI_API_KEY');
        return new AssemblyAiProvider(
          {
            apiKey: config.assemblyaiApiKey,
            url: config.assemblyaiUrl,
            speechModel: config.assemblyaiSpeechModel,
            language: config.language,
            hints: config.hints,
            endpointingMs: config.endpointingMs,
            formatTurns: config.assemblyaiFormatTurns,
            chunkMs: config.assemblyaiChunkMs,
          },
          streamDeps,
        );
      case 'openai-realtime':
        if (!config.openaiApiKey) throw missingKey(name, 'OPENAI_API_KEY');
        return new OpenAiRealtimeProvider(
          {
            apiKey: config.openaiApiKey,
            url: config.openaiUrl,
            model: config.openaiRealtimeModel,
            language: config.language,
            hints: config.hints,
            interim: config.interim,
            vad: config.openaiRealtimeVad,
            endpointingMs: config.endpointingMs,
          },
          streamDeps,
        );
      case 'openai-batch': {
        const url = config.openaiBatchUrl ?? config.openaiUrl;
        if (!config.openaiApiKey && isOpenAiHost(url)) throw missingKey(name, 'OPENAI_API_KEY');
        return new OpenAiBatchProvider(
          {
            // Self-hosted servers usually need no key; the SDK still sends a bearer.
            apiKey: config.openaiApiKey ?? 'no-key',
            url,
            model: config.openaiBatchModel,
            language: config.language,
            hints: config.hints,
            sampleRate: config.openaiBatchSampleRate,
            wordTimestamps: config.openaiBatchWordTimestamps,
            maxSegmentMs: config.openaiBatchMaxSegmentMs,
            requestTimeoutMs: config.stallTimeoutMs,
          },
          streamDeps,
        );
      }
      case 'fake':
        return new FakeSttProvider('fake', { interim: config.interim, delayMs: 200, utterances: ['this is a transcript from the fake provider'] }, clock);
      default:
        throw new DialerError('DIALER_ERR_VALIDATION', `unknown STT provider ${JSON.stringify(name)}; known: ${PROVIDER_NAMES.join(', ')}`);
    }
  }

  function provider(name: string): SttProvider {
    let p = made.get(name);
    if (!p) {
      p = build(name);
      made.set(name, p);
    }
    return p;
  }

  function links(chain: readonly string[]): ChainLink[] {
    const names = chain.length > 0 ? chain : config.providers;
    if (names.length === 0) throw new DialerError('DIALER_ERR_VALIDATION', 'no STT provider chain: set STT_PROVIDERS or the campaign\'s providers');
    return names.map((name) => {
      try {
        return { name, provider: provider(name) };
      } catch (err) {
        const e = err instanceof DialerError ? err : new DialerError('DIALER_ERR_STT_UNAVAILABLE', (err as Error).message);
        log.warn({ provider: name, err: { code: e.code, message: e.message } }, 'stt provider unavailable for this chain');
        return { name, error: e };
      }
    });
  }

  return {
    metrics,
    provider,
    inputFormat(chain, source): SttInputFormat {
      const caps = links(chain).flatMap((l) => (l.provider ? [l.provider.capabilities] : []));
      if (caps.length === 0) return { encoding: source.encoding, sampleRate: source.sampleRate, continuousAudio: true };
      const continuousAudio = caps.some((c) => c.continuousAudio);
      const all = (f: { encoding: SttEncoding; sampleRate: number }): boolean => caps.every((c) => acceptsFormat(c, f.encoding, f.sampleRate));
      if (all(source)) return { encoding: source.encoding, sampleRate: source.sampleRate, continuousAudio };
      const pick = [caps[0]!.preferred, ...FALLBACK_FORMATS].find(all) ?? caps[0]!.preferred;
      return { encoding: pick.encoding, sampleRate: pick.sampleRate, continuousAudio };
    },
    open(chain, options: SttStreamOptions): SttStream {
      if (closed) throw new DialerError('DIALER_ERR_CLOSED', 'stt factory is closed');
      const l = links(chain);
      return new FailoverStream(
        l,
        { ...options, language: options.language ?? config.language, hints: options.hints ?? config.hints },
        {
          connectTimeoutMs: config.connectTimeoutMs,
          stallTimeoutMs: config.stallTimeoutMs,
          reconnectAttempts: config.reconnectAttempts,
          replayMaxMs: config.replayMaxMs,
          redaction,
        },
        { clock, log, metrics, health, ...(deps.random ? { random: deps.random } : {}) },
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...made.values()].map((p) => p.close()));
    },
  };
}
