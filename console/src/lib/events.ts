/** A tiny typed emitter for the browser; a listener that throws never breaks the others. */
export class Emitter<E extends Record<string, unknown[]>> {
  private readonly map = new Map<keyof E, Set<(...args: unknown[]) => void>>();

  on<K extends keyof E>(name: K, fn: (...args: E[K]) => void): () => void {
    let s = this.map.get(name);
    if (!s) {
      s = new Set();
      this.map.set(name, s);
    }
    s.add(fn as unknown as (...args: unknown[]) => void);
    return () => s.delete(fn as unknown as (...args: unknown[]) => void);
  }

  emit<K extends keyof E>(name: K, ...args: E[K]): void {
    const s = this.map.get(name);
    if (!s) return;
    for (const fn of [...s]) {
      try {
        fn(...args);
      } catch (err) {
        console.error('listener failed', name, err);
      }
    }
  }
}
