/** Reconnect delays: exponential with "equal jitter", capped. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000, factor: 2 };

/**
 * Delay before reconnect attempt `attempt` (0-based): half fixed, half random,
 * so a fleet of consoles that lost the server together do not return together,
 * yet no client waits less than half the nominal delay. `random` is injected for tests.
 */
export function backoffDelay(attempt: number, o: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const nominal = Math.min(o.maxMs, o.baseMs * o.factor ** Math.max(0, attempt));
  const half = nominal / 2;
  return Math.round(half + random() * half);
}

/** Timers, injected so tests drive time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

/**
 * Runs `attempt` until it succeeds, waiting {@link backoffDelay} between
 * tries. A connection that then stays up for `stableMs` resets the count, so
 * a flapping link backs off while an occasional drop reconnects at once.
 */
export class Reconnector {
  private attempts = 0;
  private timer: unknown;
  private stableTimer: unknown;
  private stopped = false;

  constructor(
    private readonly attempt: () => void,
    private readonly timers: Timers = realTimers,
    private readonly o: BackoffOptions & { stableMs: number } = { ...DEFAULT_BACKOFF, stableMs: 10_000 },
    private readonly random: () => number = Math.random,
  ) {}

  /** Failed tries since the last stable connection. */
  get failures(): number {
    return this.attempts;
  }

  /** Schedules the next try after a failure or a drop; returns the delay. */
  schedule(): number {
    if (this.stopped) return -1;
    this.cancel();
    const delay = backoffDelay(this.attempts, this.o, this.random);
    this.attempts++;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.attempt();
    }, delay);
    return delay;
  }

  /** Tries now (the user pressed "retry", or the browser came back online). */
  now(): void {
    if (this.stopped) return;
    this.cancel();
    this.attempt();
  }

  /** The connection is up; the failure count resets once it stays up. */
  connected(): void {
    if (this.stableTimer !== undefined) this.timers.clearTimeout(this.stableTimer);
    this.stableTimer = this.timers.setTimeout(() => {
      this.stableTimer = undefined;
      this.attempts = 0;
    }, this.o.stableMs);
  }

  /** The connection dropped before it was stable: keep counting. */
  disconnected(): void {
    if (this.stableTimer !== undefined) this.timers.clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
  }

  private cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
    this.disconnected();
  }
}
