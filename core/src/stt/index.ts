export {
  audioMs,
  type SttCapabilities,
  type SttEncoding,
  type SttProvider,
  type SttStream,
  type SttStreamEvents,
  type SttStreamOptions,
  type SttStreamState,
  type SttStateChange,
  type TranscriptEvent,
  type SttInputFormat,
  type SttStreamFactory,
  singleProviderFactory,
  acceptsFormat,
} from './port.js';
export { FakeSttProvider, newSegmentId, type FakeSttRecord, type FakeSttScript, type FakeUtterance } from './fake.js';
export {
  redactText,
  redactTranscript,
  redactionSection,
  REDACTION_RULES,
  NO_REDACTION,
  type RedactionOptions,
  type RedactionRule,
} from './redact.js';
export {
  createAiEventIngest,
  isAiEventType,
  AI_EVENT_TYPES,
  type AiEventIngest,
  type AiEventIngestOptions,
  type AiEventType,
  type IngestOutcome,
} from './ingest.js';
export { bridgeSttStream, transcriptData, type SttLegContext } from './bridge.js';
