// Moves SQLite's WAL checkpoints off the event loop.
//
// With WAL, SQLite copies the log back into the database file every 1,000
// pages by default, inside whichever commit crosses the mark: that commit then
// waits for the copy and its fsync (tens of milliseconds on an ordinary disk),
// and so does everything else on the event loop, such as ARI events and lead
// claims. Here the writer's own auto-checkpoint is turned off and a worker
// thread, on its own connection, checkpoints in PASSIVE mode every
// `intervalMs`: it never takes the write lock, so it never blocks the writer
// or makes a transaction fail. Only PASSIVE: the TRUNCATE and RESTART modes
// reset the log under transactions that have read and are about to write, and
// those fail at once with SQLITE_BUSY. The writer starts the log over by itself
// once everything is copied back, and the store's `journal_size_limit` caps
// the file it leaves.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Options for {@link startCheckpointer}. */
export interface CheckpointerOptions {
  /** The database file (not `:memory:`). */
  file: string;
  /** How often to checkpoint (default 250 ms). */
  intervalMs?: number;
  /** Called when a checkpoint fails (the worker goes on). */
  onError?: (err: Error) => void;
}

/** A running background checkpointer. */
export interface Checkpointer {
  /** Runs one last checkpoint and stops the worker. Idempotent. */
  close(): Promise<void>;
  /** Checkpoints done so far (for tests and metrics). */
  stats(): Promise<{ checkpoints: number; framesCopied: number }>;
}

// Plain CommonJS, run with `eval`: it must not depend on how the package is
// loaded (sources through tsx, or the build).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const db = new Sqlite(workerData.file);
db.pragma('busy_timeout = 1000');
let checkpoints = 0, framesCopied = 0;
function checkpoint(mode) {
  try {
    const r = db.pragma('wal_checkpoint(' + mode + ')')[0];
    checkpoints++;
    framesCopied += Math.max(0, r.checkpointed);
    return r;
  } catch (err) {
    parentPort.postMessage({ type: 'error', message: String(err && err.message || err) });
    return undefined;
  }
}
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m.type === 'stats') parentPort.postMessage({ type: 'stats', checkpoints, framesCopied });
  if (m.type === 'close') {
    clearInterval(timer);
    checkpoint('PASSIVE');
    db.close();
    parentPort.postMessage({ type: 'closed' });
    parentPort.close();
  }
});
`;

/** Starts a worker thread that checkpoints `file`'s WAL; the caller sets `wal_autocheckpoint = 0` on its own connection. */
export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    // It only runs a pragma: keep its heap small.
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2, codeRangeSizeMb: 4, stackSizeMb: 1 },
    workerData: {
      driver,
      file: options.file,
      intervalMs: Math.max(10, options.intervalMs ?? 250),
    },
  });
  // The worker must never keep a process alive on its own.
  worker.unref();
  const waiting: Array<(s: { checkpoints: number; framesCopied: number }) => void> = [];
  let onClosed: (() => void) | undefined;
  worker.on('message', (m: { type: string; message?: string; checkpoints?: number; framesCopied?: number }) => {
    if (m.type === 'error') options.onError?.(new Error(`SQLite checkpoint failed: ${m.message}`));
    else if (m.type === 'stats') waiting.shift()?.({ checkpoints: m.checkpoints ?? 0, framesCopied: m.framesCopied ?? 0 });
    else if (m.type === 'closed') onClosed?.();
  });
  worker.on('error', (err) => options.onError?.(err));
  let closing: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    close() {
      closing ??= (async () => {
        worker.ref();
        const done = new Promise<void>((resolve) => {
          onClosed = resolve;
        });
        worker.postMessage({ type: 'close' });
        // A worker that died already, or hangs, must not hold up shutdown.
        await Promise.race([done, exited, new Promise((r) => setTimeout(r, 2000).unref())]);
        await worker.terminate();
      })();
      return closing;
    },
    stats() {
      worker.ref();
      return new Promise((resolve) => {
        waiting.push((s) => {
          if (waiting.length === 0 && !closing) worker.unref();
          resolve(s);
        });
        worker.postMessage({ type: 'stats' });
      });
    },
  };
}
