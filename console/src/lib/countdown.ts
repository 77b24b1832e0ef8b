/** The state of a wrap-up countdown at one instant. */
export interface Countdown {
  /** Whole seconds left, rounded up (never negative). */
  remainingS: number;
  /** Share of the time used, 0..1. */
  fraction: number;
  expired: boolean;
  /** The last seconds: the UI warns. */
  warning: boolean;
}

/**
 * The wrap-up countdown: `limitS` seconds (per campaign) from `startMs`.
 * `limitS` of 0 (or unset) means no limit: returns null.
 */
export function wrapUpCountdown(startMs: number, limitS: number | undefined, nowMs: number, warnS = 10): Countdown | null {
  if (!limitS || limitS <= 0) return null;
  const leftMs = startMs + limitS * 1000 - nowMs;
  // Clamped to the limit: the start comes from the server's clock, which may run a little ahead of the browser's.
  const remainingS = Math.min(limitS, Math.max(0, Math.ceil(leftMs / 1000)));
  const fraction = Math.min(1, Math.max(0, 1 - leftMs / (limitS * 1000)));
  return { remainingS, fraction, expired: leftMs <= 0, warning: leftMs > 0 && remainingS <= warnS };
}

/** `m:ss`, or `h:mm:ss` from an hour, for timers. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
