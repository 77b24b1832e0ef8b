/** An event map: event name to the tuple of listener arguments, e.g. `{ answered: [AnsweredInfo] }`. */
export type EventMap = { [event: string]: unknown[] };

/** A listener for event `K` of map `E`. It may return a promise; a rejection is reported, never thrown. */
export type Listener<E extends EventMap, K extends keyof E> = (...args: E[K]) => void | Promise<void>;

/** Receives errors thrown by listeners. */
export type ListenerErrorHandler = (err: unknown, event: string) => void;

let globalListenerErrorHandler: ListenerErrorHandler = (err, event) => {
  // Daemons replace this with their root logger at boot (see createLogger).
  console.error(`listener for "${event}" threw`, err);
};

/** Sets where listener errors go when an emitter has no handler of its own. */
export function setListenerErrorHandler(handler: ListenerErrorHandler): void {
  globalListenerErrorHandler = handler;
}

interface Entry<F> {
  fn: F;
  once: boolean;
}

/**
 * A typed event emitter. A listener that throws (or rejects) is reported to the
 * error handler; the other listeners still run and `emit` never throws.
 */
export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Entry<Listener<E, keyof E>>[]>();
  private readonly onListenerError: ListenerErrorHandler | undefined;

  constructor(options: { onListenerError?: ListenerErrorHandler } = {}) {
    this.onListenerError = options.onListenerError;
  }

  on<K extends keyof E>(event: K, fn: Listener<E, K>): this {
    this.add(event, fn, false);
    return this;
  }

  once<K extends keyof E>(event: K, fn: Listener<E, K>): this {
    this.add(event, fn, true);
    return this;
  }

  off<K extends keyof E>(event: K, fn: Listener<E, K>): this {
    const list = this.listeners.get(event);
    if (!list) return this;
    const i = list.findIndex((e) => e.fn === fn);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(event);
    return this;
  }

  /** Removes every listener, or every listener of one event. */
  removeAllListeners(event?: keyof E): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    return this;
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Calls every listener of `event` in order; returns whether there was any. */
  emit<K extends keyof E>(event: K, ...args: E[K]): boolean {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) return false;
    // Copy so listeners may remove themselves (or others) while we iterate.
    const snapshot = list.slice();
    for (const entry of snapshot) {
      if (entry.once) this.off(event, entry.fn as Listener<E, K>);
      try {
        const r = (entry.fn as Listener<E, K>)(...args);
        if (r && typeof (r as Promise<void>).then === 'function') {
          (r as Promise<void>).then(undefined, (err: unknown) => this.report(err, String(event)));
        }
      } catch (err) {
        this.report(err, String(event));
      }
    }
    return true;
  }

  /** Resolves with the arguments of the next `event`, or rejects when `signal` aborts. */
  waitFor<K extends keyof E>(event: K, signal?: AbortSignal): Promise<E[K]> {
    return new Promise<E[K]>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const fn = (...args: E[K]): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(args);
      };
      const onAbort = (): void => {
        this.off(event, fn);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.once(event, fn);
    });
  }

  private add<K extends keyof E>(event: K, fn: Listener<E, K>, once: boolean): void {
    let list = this.listeners.get(event);
    if (!list) {
      list = [];
      this.listeners.set(event, list);
    }
    list.push({ fn: fn as Listener<E, keyof E>, once });
  }

  private report(err: unknown, event: string): void {
    try {
      (this.onListenerError ?? globalListenerErrorHandler)(err, event);
    } catch {
      // An error handler that throws must not break the emitter either.
    }
  }
}
