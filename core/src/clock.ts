/** Opaque handle of a timer created by a {@link Clock}. */
export interface TimerHandle {
  readonly id: number;
}

/** Time source for domain logic and daemons; tests inject a {@link SimulatedClock}. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

class SystemTimer implements TimerHandle {
  private static seq = 0;
  readonly id = ++SystemTimer.seq;
  constructor(readonly raw: ReturnType<typeof setTimeout>) {}
}

function sleepWith(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(t);
      reject(signal?.reason);
    };
    const t = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The real clock, backed by `Date.now()` and Node timers (unref'd so they never hold the process open). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return new SystemTimer(t);
  },
  clearTimeout(h) {
    if (h instanceof SystemTimer) clearTimeout(h.raw);
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    return new SystemTimer(t);
  },
  clearInterval(h) {
    if (h instanceof SystemTimer) clearInterval(h.raw);
  },
  sleep(ms, signal) {
    return sleepWith(systemClock, ms, signal);
  },
};

interface SimTimer extends TimerHandle {
  at: number;
  fn: () => void;
  every: number;
  seq: number;
}

/**
 * A deterministic clock for tests and simulators: time moves only when
 * {@link SimulatedClock.advance} is called, and timers fire in time order.
 */
export class SimulatedClock implements Clock {
  private t: number;
  private nextId = 1;
  private seq = 0;
  private readonly timers = new Map<number, SimTimer>();

  constructor(startMs = Date.UTC(2026, 0, 5, 14, 0, 0)) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(0, ms), 0);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(1, ms), Math.max(1, ms));
  }

  clearTimeout(h: TimerHandle | undefined): void {
    if (h) this.timers.delete(h.id);
  }

  clearInterval(h: TimerHandle | undefined): void {
    if (h) this.timers.delete(h.id);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  /** Moves time forward to `target`, firing due timers in order. */
  advanceTo(target: number): void {
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.t = next.at;
      if (next.every > 0) {
        next.at += next.every;
        next.seq = ++this.seq;
      } else {
        this.timers.delete(next.id);
      }
      next.fn();
    }
    if (target > this.t) this.t = target;
  }

  /** Like {@link advance}, but lets pending promise callbacks run between timers. */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.nextDue(target);
      if (!next) break;
      this.advanceTo(next.at);
    }
    this.t = Math.max(this.t, target);
    await flushMicrotasks();
  }

  private nextDue(limit: number): SimTimer | undefined {
    let best: SimTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.at > limit) continue;
      if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
    }
    return best;
  }

  private add(fn: () => void, ms: number, every: number): TimerHandle {
    const timer: SimTimer = { id: this.nextId++, at: this.t + ms, fn, every, seq: ++this.seq };
    this.timers.set(timer.id, timer);
    return timer;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise<void>((r) => setImmediate(r));
}
