import type { TurnEvent } from 'assemblyai';
import type { Word } from '@dialer/core';

/** A Turn in the project's terms (leg offsets in ms), or undefined when it carries no words. */
export interface NormalisedTurn {
  final: boolean;
  text: string;
  words: Word[];
  confidence?: number;
  language?: string;
  startMs: number;
  endMs: number;
}

/**
 * Normalises an AssemblyAI v3 `Turn`. Word times are ms from the session's
 * first audio. With `format_turns`, the end of a turn arrives twice (raw, then
 * formatted): only the formatted one is final.
 */
export function normaliseTurn(turn: TurnEvent, originMs: number, formatTurns: boolean): NormalisedTurn | undefined {
  const words: Word[] = (turn.words ?? []).map((w) => ({
    word: w.text,
    startMs: originMs + w.start,
    endMs: originMs + w.end,
    confidence: Math.max(0, Math.min(1, w.confidence)),
  }));
  const final = turn.end_of_turn && (!formatTurns || turn.turn_is_formatted);
  const text = (final ? turn.transcript : words.map((w) => w.word).join(' ') || turn.transcript).trim();
  if (!text) return undefined;
  const confidence = words.length > 0 ? words.reduce((a, w) => a + (w.confidence ?? 0), 0) / words.length : undefined;
  return {
    final,
    text,
    words,
    ...(confidence === undefined ? {} : { confidence }),
    ...(turn.language_code ? { language: turn.language_code } : {}),
    startMs: words[0]?.startMs ?? originMs,
    endMs: words[words.length - 1]?.endMs ?? originMs,
  };
}
