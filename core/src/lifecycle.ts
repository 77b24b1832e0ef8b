import type { Logger } from 'pino';
import { InvalidStateError } from './errors/index.js';

/** A long-running part of the system: the API, the ARI controller, the media gateway. */
export interface Daemon {
  readonly name: string;
  start(): Promise<void>;
  /** Stops taking new work and waits for work in flight; gives up when `signal` aborts. */
  drain(signal: AbortSignal): Promise<void>;
  /** Releases everything. Idempotent. */
  close(): Promise<void>;
}

/** Wraps an async close so that it runs once; later calls get the same promise. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

/**
 * Tracks open/closed for objects with an idempotent `close()`, and throws
 * {@link InvalidStateError} when a closed object is used.
 */
export class CloseGuard {
  private closedFlag = false;
  constructor(private readonly what: string) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Marks closed; returns false when it already was (so `close()` can return early). */
  markClosed(): boolean {
    if (this.closedFlag) return false;
    this.closedFlag = true;
    return true;
  }

  assertOpen(): void {
    if (this.closedFlag) throw new InvalidStateError(`${this.what} is closed`);
  }
}

/** Options for {@link runDaemons}. */
export interface RunOptions {
  log: Logger;
  drainTimeoutMs: number;
  /** Signals that start a graceful stop. */
  signals?: NodeJS.Signals[];
  /** Called with the exit code once everything is closed (default: `process.exit`). */
  exit?: (code: number) => void;
  /** Runs after every daemon is closed: store, bus and other shared resources. */
  afterClose?: () => Promise<void>;
}

/** Handle returned by {@link runDaemons}. */
export interface Runner {
  /** Resolves once every daemon has started. */
  readonly started: Promise<void>;
  /** Drain and close, as on SIGTERM. Resolves with the exit code. */
  stop(reason?: string): Promise<number>;
}

/**
 * Starts daemons in order and stops them on SIGTERM/SIGINT: stop taking work,
 * drain with a timeout, close in reverse order, exit. A second signal exits at once.
 */
export function runDaemons(daemons: readonly Daemon[], options: RunOptions): Runner {
  const { log } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const started: Daemon[] = [];
  let stopping: Promise<number> | undefined;

  const closeAll = async (): Promise<boolean> => {
    let ok = true;
    for (const d of started.slice().reverse()) {
      try {
        await d.close();
      } catch (err) {
        ok = false;
        log.error({ err, daemon: d.name }, 'close failed');
      }
    }
    try {
      await options.afterClose?.();
    } catch (err) {
      ok = false;
      log.error({ err }, 'closing shared resources failed');
    }
    return ok;
  };

  const stop = (reason = 'stop'): Promise<number> => {
    stopping ??= (async () => {
      log.info({ reason, drainTimeoutMs: options.drainTimeoutMs }, 'draining');
      const signal = AbortSignal.timeout(options.drainTimeoutMs);
      const drained = Promise.allSettled(started.map((d) => d.drain(signal)));
      const timedOut = new Promise<'timeout'>((resolve) => signal.addEventListener('abort', () => resolve('timeout'), { once: true }));
      const outcome = await Promise.race([drained.then(() => 'drained' as const), timedOut]);
      if (outcome === 'timeout') log.warn('drain timed out; closing with work in flight');
      const ok = await closeAll();
      log.info('stopped');
      return ok ? 0 : 1;
    })();
    return stopping;
  };

  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal: sig }, 'second signal; exiting now');
      exit(1);
      return;
    }
    void stop(sig).then(exit);
  };
  for (const s of signals) process.on(s, onSignal);

  const startedPromise = (async () => {
    for (const d of daemons) {
      try {
        await d.start();
        started.push(d);
        log.info({ daemon: d.name }, 'started');
      } catch (err) {
        log.fatal({ err, daemon: d.name }, 'start failed');
        await closeAll();
        for (const s of signals) process.off(s, onSignal);
        exit(1);
        throw err;
      }
    }
  })();
  startedPromise.catch(() => undefined);

  return {
    started: startedPromise,
    stop: async (reason) => {
      const code = await stop(reason);
      for (const s of signals) process.off(s, onSignal);
      return code;
    },
  };
}
