/** Options for {@link backoffDelay}. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** 0..1: fraction of the delay that is randomised ("full jitter" at 1). */
  jitter?: number;
}

/** Delay before retry number `attempt` (0-based): exponential, capped, with jitter. */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const factor = o.factor ?? 2;
  const base = Math.min(o.maxMs, o.initialMs * factor ** Math.max(0, attempt));
  const jitter = Math.min(1, Math.max(0, o.jitter ?? 0.2));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}
