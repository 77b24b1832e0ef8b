import type { Word } from '@dialer/core';

/** The Deepgram live messages the adapter reads (`/v1/listen`). Times are seconds from the stream's start. */
export type DeepgramMessage =
  | {
      type: 'Results';
      start: number;
      duration: number;
      is_final?: boolean;
      speech_final?: boolean;
      from_finalize?: boolean;
      channel: {
        alternatives: Array<{
          transcript: string;
          confidence: number;
          languages?: string[];
          words: Array<{ word: string; start: number; end: number; confidence: number; punctuated_word?: string; language?: string }>;
        }>;
      };
    }
  | { type: 'UtteranceEnd'; last_word_end: number; channel?: number[] }
  | { type: 'SpeechStarted'; timestamp: number; channel?: number[] }
  | { type: 'Metadata'; request_id?: string; duration?: number }
  | { type: string };

/** A Deepgram message in the project's terms (leg offsets in ms). */
export type DeepgramNormalised =
  | { kind: 'result'; final: boolean; speechFinal: boolean; text: string; words: Word[]; confidence: number; language?: string; startMs: number; endMs: number }
  | { kind: 'speech_started'; atMs: number }
  | { kind: 'utterance_end'; atMs: number }
  | { kind: 'other' };

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** Normalises one Deepgram message; `originMs` is the leg offset of the stream's first audio. */
export function normaliseDeepgram(m: DeepgramMessage, originMs: number): DeepgramNormalised {
  const at = (s: number): number => originMs + Math.max(0, s) * 1000;
  switch (m.type) {
    case 'Results': {
      const r = m as Extract<DeepgramMessage, { type: 'Results' }>;
      const alt = r.channel?.alternatives?.[0];
      const words: Word[] = (alt?.words ?? []).map((w) => ({
        word: w.punctuated_word ?? w.word,
        startMs: at(w.start),
        endMs: at(w.end),
        confidence: clamp01(w.confidence),
      }));
      return {
        kind: 'result',
        final: r.is_final === true,
        speechFinal: r.speech_final === true,
        text: (alt?.transcript ?? '').trim(),
        words,
        confidence: clamp01(alt?.confidence ?? 0),
        ...(alt?.languages?.[0] ? { language: alt.languages[0] } : {}),
        startMs: at(r.start),
        endMs: at(r.start + r.duration),
      };
    }
    case 'SpeechStarted':
      return { kind: 'speech_started', atMs: at((m as { timestamp: number }).timestamp) };
    case 'UtteranceEnd':
      return { kind: 'utterance_end', atMs: at((m as { last_word_end: number }).last_word_end) };
    default:
      return { kind: 'other' };
  }
}
