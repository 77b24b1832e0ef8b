import type { ConfigOf, ConfigSection } from './config/define.js';
import { coreSection } from './config/core-section.js';
import { loadConfig } from './config/load.js';
import { createDaemonContext, type DaemonContext } from './context.js';
import { isDialerError } from './errors/index.js';
import { runDaemons, type Daemon, type Runner } from './lifecycle.js';

/** Exit code for configuration errors (sysexits EX_CONFIG); systemd units do not restart on it. */
export const EXIT_CONFIG = 78;

/** Options for {@link runMain}. */
export interface RunMainOptions<T extends readonly ConfigSection[]> {
  /** Logger name: `api`, `ari`, `media`, `all`. */
  name: string;
  /** Every section this process reads, `coreSection` included. */
  sections: T;
  /** Builds the daemons, in start order. */
  create: (ctx: DaemonContext, config: ConfigOf<T>) => Promise<Daemon[]> | Daemon[];
}

/**
 * The body of every `main.ts`: read and validate the config once, open the
 * shared context, start the daemons, and drain on SIGTERM. A bad config
 * prints every problem and exits 78.
 */
export async function runMain<const T extends readonly ConfigSection[]>(options: RunMainOptions<T>): Promise<Runner | undefined> {
  let config: ConfigOf<T>;
  try {
    config = loadConfig(options.sections);
  } catch (err) {
    if (isDialerError(err, 'DIALER_ERR_CONFIG_INVALID')) {
      process.stderr.write(`dialer ${options.name}: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
  const core = (config as unknown as { core?: ConfigOf<[typeof coreSection]>['core'] }).core;
  if (!core) throw new Error('runMain: the sections must include coreSection');

  let ctx: DaemonContext;
  try {
    ctx = await createDaemonContext({ name: options.name, core });
  } catch (err) {
    process.stderr.write(`dialer ${options.name}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const daemons = await options.create(ctx, config);
  const runner = runDaemons(daemons, { log: ctx.log, drainTimeoutMs: core.drainTimeoutMs, afterClose: () => ctx.close() });
  await runner.started;
  return runner;
}
