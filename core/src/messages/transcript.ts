import { Type, type Static } from '@sinclair/typebox';
import { Speaker } from './common.js';

/** One recognised word with its times inside the leg. */
export const Word = Type.Object({
  word: Type.String(),
  startMs: Type.Number({ minimum: 0 }),
  endMs: Type.Number({ minimum: 0 }),
  confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
});
export type Word = Static<typeof Word>;

/** A transcript segment, interim or final; offsets are within the leg's audio. */
export const TranscriptSegment = Type.Object({
  callId: Type.String(),
  legId: Type.String(),
  speaker: Speaker,
  /** Stable across the interims and the final of one utterance, so a UI can replace in place. */
  segmentId: Type.String(),
  text: Type.String(),
  words: Type.Optional(Type.Array(Word)),
  confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  language: Type.Optional(Type.String()),
  startMs: Type.Number({ minimum: 0 }),
  endMs: Type.Number({ minimum: 0 }),
  provider: Type.String(),
  /** From the end of the audio to the result arriving. */
  latencyMs: Type.Optional(Type.Number({ minimum: 0 })),
  campaignId: Type.Optional(Type.String()),
  agentId: Type.Optional(Type.String()),
});
export type TranscriptSegment = Static<typeof TranscriptSegment>;

/** Transcript messages, from the media gateway (through /ai/events) to the API and the console. */
export const TranscriptMessages = {
  'transcript.interim': TranscriptSegment,
  'transcript.final': TranscriptSegment,
} as const;
