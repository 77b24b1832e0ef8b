import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `fn` holding an exclusive lock file next to `path`. Used around token
 * refreshes: refresh tokens are single-use, so two dialerctl processes
 * refreshing at once would look like token theft and end the login.
 * A lock older than `staleMs` (a crashed process) is broken.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, o: { waitMs?: number; staleMs?: number } = {}): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + (o.waitMs ?? 10_000);
  const staleMs = o.staleMs ?? 30_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > staleMs) rmSync(lock, { force: true });
      } catch {
        // Gone already: retry at once.
      }
      if (Date.now() > deadline) throw new Error(`another dialerctl holds ${lock}; delete it if no dialerctl is running`);
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
