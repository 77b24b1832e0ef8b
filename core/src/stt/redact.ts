import { Type } from '@sinclair/typebox';
import { defineSection, setting } from '../config/define.js';
import type { Word } from '../messages/index.js';

/**
 * PII redaction of transcript text: pure rules, applied by the media gateway to
 * every transcript before it leaves the gateway, and by the API to transcripts
 * that third-party gateways post to `/ai/events`, before they are stored.
 *
 * Masking keeps the text's length (each masked character becomes the mask), so
 * word timings stay aligned and redacting twice changes nothing.
 */
export const REDACTION_RULES = ['card', 'digits', 'spoken_digits', 'email'] as const;
export type RedactionRule = (typeof REDACTION_RULES)[number];

/** How to redact. */
export interface RedactionOptions {
  readonly rules: readonly RedactionRule[];
  /** `digits` and `spoken_digits`: the shortest run that is masked. */
  readonly minDigits: number;
  /** One character that replaces each masked one. */
  readonly mask: string;
}

/** Settings read by both the media gateway and the API. */
export const redactionSection = defineSection('redaction', {
  rules: setting({
    env: 'STT_REDACT',
    schema: Type.Array(Type.Union(REDACTION_RULES.map((r) => Type.Literal(r)))),
    default: [],
    doc: 'PII redaction of transcripts before they are stored or sent, comma-separated: `card` (13-19 digit runs that pass the Luhn check), `digits` (any run of STT_REDACT_MIN_DIGITS digits or more), `spoken_digits` (the same, spelled out: "four one one one"), `email`. Empty: off.',
  }),
  minDigits: setting({
    env: 'STT_REDACT_MIN_DIGITS',
    schema: Type.Integer({ minimum: 2, maximum: 32 }),
    default: 4,
    doc: 'Shortest run of digits (written or spoken) that the `digits` and `spoken_digits` rules mask.',
  }),
  mask: setting({
    env: 'STT_REDACT_MASK',
    schema: Type.String({ minLength: 1, maxLength: 1, pattern: '^[^0-9A-Za-z\\s]$' }),
    default: '#',
    doc: 'Character that replaces each redacted character (not a letter, digit or space).',
  }),
});

/** Redaction that changes nothing. */
export const NO_REDACTION: RedactionOptions = Object.freeze({ rules: Object.freeze([]) as readonly RedactionRule[], minDigits: 4, mask: '#' });

// A run of digits, allowing one space, dash or dot between groups ("4111 1111-1111.1111").
const DIGIT_RUN = /\d(?:[ \-.]?\d)*/g;
const SPOKEN = 'zero|oh|one|two|three|four|five|six|seven|eight|nine';
// A run of spelled-out digits separated by spaces, commas or dashes.
const SPOKEN_RUN = new RegExp(`\\b(?:${SPOKEN})\\b(?:[\\s,\\-]+\\b(?:${SPOKEN})\\b)*`, 'gi');
const SPOKEN_WORD = new RegExp(`\\b(?:${SPOKEN})\\b`, 'gi');
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Character ranges `[start, end)` of `text` that the rules mask, and which characters inside them. */
function maskRanges(text: string, o: RedactionOptions): Array<{ start: number; end: number; only: RegExp }> {
  const out: Array<{ start: number; end: number; only: RegExp }> = [];
  const has = (r: RedactionRule): boolean => o.rules.includes(r);
  if (has('card') || has('digits')) {
    for (const m of text.matchAll(DIGIT_RUN)) {
      const digits = m[0].replace(/\D/g, '');
      const card = digits.length >= 13 && digits.length <= 19 && luhn(digits);
      if ((has('card') && card) || (has('digits') && digits.length >= o.minDigits)) {
        out.push({ start: m.index, end: m.index + m[0].length, only: /\d/ });
      }
    }
  }
  if (has('spoken_digits')) {
    for (const m of text.matchAll(SPOKEN_RUN)) {
      const count = m[0].match(SPOKEN_WORD)?.length ?? 0;
      if (count >= o.minDigits) out.push({ start: m.index, end: m.index + m[0].length, only: /[A-Za-z]/ });
    }
  }
  if (has('email')) {
    for (const m of text.matchAll(EMAIL)) out.push({ start: m.index, end: m.index + m[0].length, only: /[^@]/ });
  }
  return out;
}

function applyMask(text: string, ranges: ReturnType<typeof maskRanges>, mask: string): string {
  if (ranges.length === 0) return text;
  const chars = Array.from(text);
  // Array.from splits by code point; ranges are UTF-16 indexes, so map through a UTF-16 view when they differ.
  if (chars.length !== text.length) {
    const units = text.split('');
    for (const r of ranges) for (let i = r.start; i < r.end; i++) if (r.only.test(units[i]!)) units[i] = mask;
    return units.join('');
  }
  for (const r of ranges) for (let i = r.start; i < r.end; i++) if (r.only.test(chars[i]!)) chars[i] = mask;
  return chars.join('');
}

/** Masks what the rules match in `text`. */
export function redactText(text: string, options: RedactionOptions): string {
  if (options.rules.length === 0 || text.length === 0) return text;
  return applyMask(text, maskRanges(text, options), options.mask);
}

/**
 * Redacts a transcript's text and its words consistently: the words are joined
 * with spaces, matched as one text (so "4111 1111 ..." split into words is still
 * one card number), and each word gets its own slice of the mask.
 */
export function redactTranscript<T extends { readonly text: string; readonly words?: readonly Word[] | undefined }>(seg: T, options: RedactionOptions): T {
  if (options.rules.length === 0) return seg;
  const text = redactText(seg.text, options);
  let words = seg.words;
  if (words && words.length > 0) {
    const joined = words.map((w) => w.word).join(' ');
    const masked = applyMask(joined, maskRanges(joined, options), options.mask);
    if (masked !== joined) {
      let at = 0;
      words = words.map((w) => {
        const part = masked.slice(at, at + w.word.length);
        at += w.word.length + 1;
        return part === w.word ? w : { ...w, word: part };
      });
    }
  }
  if (text === seg.text && words === seg.words) return seg;
  return { ...seg, text, ...(words ? { words } : {}) };
}
