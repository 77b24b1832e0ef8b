import { useEffect, useReducer, useState } from 'preact/hooks';

/** Anything with `subscribe(fn) => unsubscribe`. */
export interface Subscribable {
  subscribe(fn: () => void): () => void;
}

/**
 * Re-renders when `obj` reports a change, at most once per animation frame:
 * a burst of transcript or wallboard messages costs one render.
 */
export function useObservable(obj: Subscribable | undefined): void {
  const [, force] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!obj) return undefined;
    let queued = false;
    let raf = 0;
    const unsub = obj.subscribe(() => {
      if (queued) return;
      queued = true;
      raf = requestAnimationFrame(() => {
        queued = false;
        force(0);
      });
    });
    return () => {
      unsub();
      cancelAnimationFrame(raf);
    };
  }, [obj]);
}

/** The current time, refreshed every `everyMs` (timers, time in state). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** Runs an async loader when `deps` change; returns its value, error and a reload function. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [n, bump] = useReducer((x: number) => x + 1, 0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
    // NaN never equals itself: as a dependency it would reload on every render.
  }, [...deps.map((d) => (typeof d === 'number' && Number.isNaN(d) ? 'NaN' : d)), n]);
  return { ...state, reload: () => bump(0) };
}
