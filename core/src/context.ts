import type { Logger } from 'pino';
import { createBus, type EventBus } from './bus/index.js';
import { systemClock, type Clock } from './clock.js';
import type { SectionValues } from './config/define.js';
import type { coreSection } from './config/core-section.js';
import { createLogger } from './logger.js';
import { openStore, type Store } from './store/index.js';

/** Shared resources a daemon runs on. In the one-process mode every daemon gets the same context. */
export interface DaemonContext {
  readonly nodeId: string;
  readonly log: Logger;
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  /** Closes the bus and the store. Idempotent. */
  close(): Promise<void>;
}

/** Opens the logger, the store (migrated) and the bus that the core settings describe. */
export async function createDaemonContext(options: {
  name: string;
  core: SectionValues<(typeof coreSection)['settings']>;
  log?: Logger;
  clock?: Clock;
}): Promise<DaemonContext> {
  const { core } = options;
  const log =
    options.log ?? createLogger({ name: options.name, level: core.logLevel, redactPii: core.logRedactPii, base: { nodeId: core.nodeId } });
  const store = await openStore({ databaseUrl: core.databaseUrl, dataDir: core.dataDir, log: log.child({ component: 'store' }) });
  let bus: EventBus;
  try {
    bus = await createBus({ redisUrl: core.redisUrl, prefix: core.busPrefix, nodeId: core.nodeId, log: log.child({ component: 'bus' }) });
  } catch (err) {
    await store.close();
    throw err;
  }
  log.info({ store: store.dialect, bus: bus.kind }, 'context ready');
  let closing: Promise<void> | undefined;
  return {
    nodeId: core.nodeId,
    log,
    store,
    bus,
    clock: options.clock ?? systemClock,
    close() {
      closing ??= (async () => {
        await bus.close().catch((err: unknown) => log.warn({ err }, 'bus close failed'));
        await store.close().catch((err: unknown) => log.warn({ err }, 'store close failed'));
      })();
      return closing;
    },
  };
}
