/**
 * US states that require every party's consent to record a call (the
 * "two-party" states). Elsewhere in the US one party (the agent) suffices.
 */
export const ALL_PARTY_CONSENT_US_STATES: ReadonlySet<string> = new Set(['CA', 'CT', 'DE', 'FL', 'IL', 'MD', 'MA', 'MI', 'MT', 'NV', 'NH', 'OR', 'PA', 'WA']);

/** Where the other party is, as far as the call knows. */
export interface Jurisdiction {
  /** ISO 3166-1 alpha-2. */
  readonly country?: string | null;
  /** State or region code (`CA`, `US-CA`). */
  readonly region?: string | null;
}

/**
 * Whether the recording-consent announcement must play before recording.
 * `by_jurisdiction`: all-party-consent US states, and every country outside
 * the US (GDPR and similar regimes); an unknown place plays it (the safe side).
 */
export function consentRequired(mode: 'none' | 'announce' | 'by_jurisdiction', recording: boolean, where: Jurisdiction = {}): boolean {
  if (!recording || mode === 'none') return false;
  if (mode === 'announce') return true;
  const country = where.country?.toUpperCase();
  const region = where.region?.toUpperCase().replace(/^US-/, '');
  if (!country && !region) return true;
  if (country && country !== 'US') return true;
  if (!region) return true;
  return ALL_PARTY_CONSENT_US_STATES.has(region);
}
