/** A mutable model that tells its views when it changed (views re-render on `version`). */
export class Observable {
  private readonly listeners = new Set<() => void>();
  version = 0;

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  protected changed(): void {
    this.version++;
    for (const fn of [...this.listeners]) fn();
  }
}

/** Epoch milliseconds of a message's ISO time (the receive time if it does not parse). */
export function timeOf(msg: { time: string }, fallback: number): number {
  const t = Date.parse(msg.time);
  return Number.isNaN(t) ? fallback : t;
}
