import type { Timers } from '../../src/lib/backoff.js';

/** Timers driven by hand: `advance(ms)` runs what falls due, in order. */
export class FakeTimers implements Timers {
  now = 0;
  private nextId = 1;
  private readonly due = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.due.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  get pending(): number {
    return this.due.size;
  }

  /** The delay of the earliest pending timer from now. */
  nextDelay(): number | undefined {
    let min: number | undefined;
    for (const t of this.due.values()) if (min === undefined || t.at < min) min = t.at;
    return min === undefined ? undefined : min - this.now;
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.due) if (e[1].at <= until && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.due.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = until;
  }
}
