import { Type } from '@sinclair/typebox';
import { defineSection, setting, type SectionValues } from '@dialer/core';

/** Provider names a chain may list. */
export const PROVIDER_NAMES = ['deepgram', 'assemblyai', 'openai-realtime', 'openai-batch', 'fake'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const KEY_OF: Partial<Record<ProviderName, 'DEEPGRAM_API_KEY' | 'ASSEMBLYAI_API_KEY' | 'OPENAI_API_KEY'>> = {
  deepgram: 'DEEPGRAM_API_KEY',
  assemblyai: 'ASSEMBLYAI_API_KEY',
  'openai-realtime': 'OPENAI_API_KEY',
};

const ms = (min: number, max: number) => Type.Integer({ minimum: min, maximum: max });

/** True when the batch endpoint is OpenAI's own service (which needs a key); self-hosted servers may not. */
export function isOpenAiHost(url: string): boolean {
  try {
    return new URL(url).hostname.endsWith('openai.com');
  } catch {
    return false;
  }
}

/** Speech-to-text settings, read by the media gateway. */
export const sttSection = defineSection(
  'stt',
  {
    providers: setting({
      env: 'STT_PROVIDERS',
      schema: Type.Array(Type.Union(PROVIDER_NAMES.map((n) => Type.Literal(n)))),
      default: [],
      doc: 'Default failover chain, comma-separated, e.g. `deepgram,assemblyai,openai-batch`. Empty: no transcription unless a campaign sets one.',
    }),
    deepgramApiKey: setting({ env: 'DEEPGRAM_API_KEY', schema: Type.String({ minLength: 1 }), optional: true, secret: true, doc: 'Deepgram key; required when the chain lists deepgram.' }),
    assemblyaiApiKey: setting({ env: 'ASSEMBLYAI_API_KEY', schema: Type.String({ minLength: 1 }), optional: true, secret: true, doc: 'AssemblyAI key; required when the chain lists assemblyai.' }),
    openaiApiKey: setting({
      env: 'OPENAI_API_KEY',
      schema: Type.String({ minLength: 1 }),
      optional: true,
      secret: true,
      doc: 'OpenAI key; required for openai-realtime, and for openai-batch against api.openai.com.',
    }),
    language: setting({
      env: 'STT_LANGUAGE',
      schema: Type.String({ minLength: 2, maxLength: 35, pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$' }),
      default: 'en',
      doc: 'Default language (BCP-47, e.g. `en`, `en-US`, `es`); a campaign may set its own.',
    }),
    hints: setting({
      env: 'STT_HINTS',
      schema: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 }),
      default: [],
      doc: 'Default keyword hints (product names, jargon), comma-separated; sent as Deepgram `keyterm`, AssemblyAI `keyterms_prompt`, OpenAI `prompt`.',
    }),
    interim: setting({
      env: 'STT_INTERIM',
      schema: Type.Boolean(),
      default: true,
      doc: 'Ask streaming providers for interim (partial) results.',
    }),
    endpointingMs: setting({
      env: 'STT_ENDPOINTING_MS',
      schema: ms(10, 5000),
      default: 300,
      doc: "Silence that ends an utterance at the provider (Deepgram `endpointing`, AssemblyAI `min_turn_silence`, OpenAI server VAD `silence_duration_ms`).",
    }),
    connectTimeoutMs: setting({
      env: 'STT_CONNECT_TIMEOUT_MS',
      schema: ms(100, 30_000),
      default: 1500,
      doc: 'A provider that has not opened its stream by then has failed (the leg fails over).',
    }),
    stallTimeoutMs: setting({
      env: 'STT_STALL_TIMEOUT_MS',
      schema: ms(500, 120_000),
      default: 5000,
      doc: 'A provider that sends nothing for this long after the end of speech (or a finalize) has stalled: the leg fails over.',
    }),
    reconnectAttempts: setting({
      env: 'STT_RECONNECT_ATTEMPTS',
      schema: Type.Integer({ minimum: 0, maximum: 10 }),
      default: 2,
      doc: 'Quick reconnects (with backoff) to the same provider after its connection drops, before the leg fails over to the next one.',
    }),
    replayMaxMs: setting({
      env: 'STT_REPLAY_MAX_MS',
      schema: ms(1000, 600_000),
      default: 60_000,
      doc: 'Audio kept since the last final result, replayed into the next provider on failover; older audio is reported as a gap.',
    }),
    keepAliveMs: setting({
      env: 'STT_KEEPALIVE_MS',
      schema: ms(1000, 60_000),
      default: 5000,
      doc: 'After this long without audio (paused recording, a held call), a keep-alive message keeps the provider connection open.',
    }),
    deepgramUrl: setting({
      env: 'DEEPGRAM_URL',
      schema: Type.String({ pattern: '^(wss?|https?)://' }),
      default: 'wss://api.deepgram.com',
      doc: 'Deepgram base URL (live streaming is `/v1/listen` under it); a self-hosted Deepgram or a proxy goes here.',
    }),
    deepgramModel: setting({ env: 'DEEPGRAM_MODEL', schema: Type.String({ minLength: 1 }), default: 'nova-3', doc: 'Deepgram model, e.g. `nova-3`, `nova-2-phonecall`.' }),
    deepgramUtteranceEndMs: setting({
      env: 'DEEPGRAM_UTTERANCE_END_MS',
      schema: ms(1000, 5000),
      default: 1000,
      doc: 'Deepgram `utterance_end_ms`: the gap in words after which it sends `UtteranceEnd`.',
    }),
    deepgramSmartFormat: setting({ env: 'DEEPGRAM_SMART_FORMAT', schema: Type.Boolean(), default: true, doc: 'Deepgram `smart_format` (punctuation, numerals as digits).' }),
    assemblyaiUrl: setting({
      env: 'ASSEMBLYAI_URL',
      schema: Type.String({ pattern: '^wss://' }),
      default: 'wss://streaming.assemblyai.com/v3/ws',
      doc: 'AssemblyAI Universal-Streaming (v3) WebSocket URL (the SDK accepts only `wss:`).',
    }),
    assemblyaiSpeechModel: setting({
      env: 'ASSEMBLYAI_SPEECH_MODEL',
      schema: Type.String({ minLength: 1 }),
      default: 'universal-streaming-english',
      doc: 'AssemblyAI `speech_model`, e.g. `universal-streaming-english`, `universal-streaming-multilingual`.',
    }),
    assemblyaiChunkMs: setting({
      env: 'ASSEMBLYAI_CHUNK_MS',
      schema: ms(50, 1000),
      default: 100,
      doc: 'Audio per AssemblyAI message (it accepts 50 to 1000 ms).',
    }),
    assemblyaiFormatTurns: setting({ env: 'ASSEMBLYAI_FORMAT_TURNS', schema: Type.Boolean(), default: true, doc: 'AssemblyAI `format_turns`: the final of a turn is punctuated and cased.' }),
    openaiUrl: setting({
      env: 'OPENAI_URL',
      schema: Type.String({ pattern: '^https?://' }),
      default: 'https://api.openai.com/v1',
      doc: 'OpenAI API base URL; realtime transcription connects to `<url>/realtime?intent=transcription` over WebSocket.',
    }),
    openaiRealtimeModel: setting({
      env: 'OPENAI_REALTIME_MODEL',
      schema: Type.String({ minLength: 1 }),
      default: 'gpt-4o-transcribe',
      doc: 'Transcription model of openai-realtime sessions: `gpt-4o-transcribe`, `gpt-4o-mini-transcribe` or `whisper-1`.',
    }),
    openaiRealtimeVad: setting({
      env: 'OPENAI_REALTIME_VAD',
      schema: Type.Union([Type.Literal('server_vad'), Type.Literal('none')]),
      default: 'server_vad',
      doc: "openai-realtime turn detection: `server_vad` (OpenAI cuts turns) or `none` (the gateway's VAD commits each segment).",
    }),
    openaiBatchUrl: setting({
      env: 'OPENAI_BATCH_URL',
      schema: Type.String({ pattern: '^https?://' }),
      optional: true,
      doc: 'Base URL of openai-batch (`<url>/audio/transcriptions`); default OPENAI_URL. Point it at an OpenAI-compatible self-hosted server (faster-whisper, whisper.cpp) to keep audio on premises.',
    }),
    openaiBatchModel: setting({
      env: 'OPENAI_BATCH_MODEL',
      schema: Type.String({ minLength: 1 }),
      default: 'gpt-4o-mini-transcribe',
      doc: 'openai-batch model: `gpt-4o-transcribe`, `gpt-4o-mini-transcribe`, `whisper-1`, or the model name a self-hosted server expects.',
    }),
    openaiBatchSampleRate: setting({
      env: 'OPENAI_BATCH_SAMPLE_RATE',
      schema: Type.Union([Type.Literal(8000), Type.Literal(16000), Type.Literal(24000)]),
      default: 16000,
      doc: 'Sample rate of the 16-bit PCM WAV segments openai-batch posts (whisper.cpp servers want 16000).',
    }),
    openaiBatchWordTimestamps: setting({
      env: 'OPENAI_BATCH_WORD_TIMESTAMPS',
      schema: Type.Boolean(),
      default: false,
      doc: 'Ask openai-batch for `verbose_json` with word timestamps (whisper-1 and most self-hosted servers; not the gpt-4o models).',
    }),
    openaiBatchMaxSegmentMs: setting({
      env: 'OPENAI_BATCH_MAX_SEGMENT_MS',
      schema: ms(1000, 600_000),
      default: 30_000,
      doc: 'Longest segment openai-batch posts; longer speech is cut into several.',
    }),
  },
  (v) => {
    const have = { DEEPGRAM_API_KEY: v.deepgramApiKey, ASSEMBLYAI_API_KEY: v.assemblyaiApiKey, OPENAI_API_KEY: v.openaiApiKey };
    const problems: { env: string; message: string }[] = [];
    for (const p of v.providers) {
      const key = KEY_OF[p];
      if (key && !have[key]) problems.push({ env: key, message: `is required because STT_PROVIDERS lists ${p}` });
    }
    if (v.providers.includes('openai-batch') && !v.openaiApiKey && isOpenAiHost(v.openaiBatchUrl ?? v.openaiUrl)) {
      problems.push({ env: 'OPENAI_API_KEY', message: 'is required because STT_PROVIDERS lists openai-batch against api.openai.com (set OPENAI_BATCH_URL for a self-hosted server)' });
    }
    return problems;
  },
);

/** The validated values of {@link sttSection}. */
export type SttConfig = SectionValues<(typeof sttSection)['settings']>;
