import type { JsonText } from './schema.js';

/** Serialises a value for a JSON text column. */
export function toJson(value: unknown): JsonText {
  return JSON.stringify(value ?? null);
}

/** Parses a JSON text column, returning `fallback` for null or corrupt text. */
export function fromJson<T>(text: JsonText | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
