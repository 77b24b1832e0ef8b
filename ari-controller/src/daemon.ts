import type { Daemon, DaemonContext, Unsubscribe } from '@dialer/core';
import { ariServers, type AriConfig } from './config.js';
import { CallManager } from './calls/manager.js';
import { CommandHandlers } from './calls/commands.js';
import { Monitors } from './calls/monitor.js';
import { Resync, type ResyncReport } from './calls/resync.js';
import { AriServer } from './calls/server.js';
import { Transfers } from './calls/transfers.js';
import type { AgentPool, CallControl } from './dialer/ports.js';
import type { DialerSettings } from './dialer/config.js';
import { DialerService } from './dialer/service.js';
import { AriConnection } from './transport/connection.js';

/** The ARI controller daemon. */
export interface AriDaemon extends Daemon {
  /** Every configured Asterisk server is connected. */
  readonly connected: boolean;
  /** Places calls (the dialer's port). */
  readonly calls: CallControl;
  /** Agent availability (the dialer's port). */
  readonly agents: AgentPool;
  /** The call flows, for tests and embedders. */
  readonly manager: CallManager;
  /** The dialer service (undefined when the daemon runs without it: `dialer: false`). */
  readonly dialer: DialerService | undefined;
  /** Reconciles with Asterisk now (it also runs on every (re)connect). */
  resync(): Promise<ResyncReport[]>;
  /** Resolves once every server is connected and resynced since its latest (re)connect. */
  whenSynced(): Promise<void>;
  /** Resolves after every server completed a resync that started after this call (e.g. after a reconnect). */
  nextSync(): Promise<void>;
}

/** Options for {@link createAriDaemon}. */
export interface AriDaemonOptions {
  /** ARI connection backoff (tests shorten it). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How often gateway health is checked (default 500 ms). */
  gatewaySweepMs?: number;
  /**
   * The dialer's settings (`config.dialer`, the `dialer` section); missing ones take their
   * defaults. `false` runs the controller without the dialer (calls, agents and commands only).
   */
  dialer?: Partial<DialerSettings> | false;
}

/**
 * Creates the controller over a shared context: one connection per Asterisk
 * server (ARI_SERVERS, or ARI_URL), the call flows, the agent sessions, the
 * media taps and the bus commands. It starts even when Asterisk is down, logs
 * one line, and keeps retrying.
 */
export function createAriDaemon(ctx: DaemonContext, config: AriConfig, options: AriDaemonOptions = {}): AriDaemon {
  const log = ctx.log.child({ component: 'ari' });
  const servers = ariServers(config).map(
    (s) =>
      new AriServer(
        new AriConnection({
          id: s.id,
          url: s.url,
          username: s.username,
          password: s.password,
          app: config.app,
          subscribeAll: config.subscribeAll,
          log,
          clock: ctx.clock,
          ...(options.initialDelayMs !== undefined ? { initialDelayMs: options.initialDelayMs } : {}),
          ...(options.maxDelayMs !== undefined ? { maxDelayMs: options.maxDelayMs } : {}),
        }),
        log,
        ctx.clock,
      ),
  );
  const manager = new CallManager({ ...ctx, log }, config, servers);
  const transfers = new Transfers(manager, config.outboundEndpoint);
  const monitors = new Monitors(manager);
  const resync = new Resync(manager, monitors, log);
  const commands = new CommandHandlers(manager, transfers, monitors, ctx.store);

  // Services that run inside the controller and drive the call flows, started after the
  // connections and stopped before them: the dialer (issue 6), with `manager` as its
  // CallControl and `manager.agents` as its AgentPool.
  const dialer =
    options.dialer === false
      ? undefined
      : new DialerService({
          store: ctx.store,
          bus: ctx.bus,
          clock: ctx.clock,
          log: ctx.log,
          nodeId: ctx.nodeId,
          callControl: manager,
          agents: manager.agents,
          ...(options.dialer ? { settings: options.dialer } : {}),
        });
  const children: Daemon[] = [];
  if (dialer) {
    children.push({
      name: 'dialer',
      start: () => dialer.start(),
      drain: (signal) => dialer.drain(signal),
      close: () => dialer.close(),
    });
  }

  // Resync bookkeeping: a server is "synced" once a resync finished after its latest (re)connect.
  let seq = 0;
  const connectedAt = new Map<string, number>();
  const syncedAt = new Map<string, number>();
  const waiters: Array<{ ready: () => boolean; resolve: () => void }> = [];
  const check = (): void => {
    for (const w of waiters.splice(0)) {
      if (w.ready()) w.resolve();
      else waiters.push(w);
    }
  };
  const waitUntil = (ready: () => boolean): Promise<void> =>
    ready() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ ready, resolve }));
  const runResync = async (s: AriServer): Promise<ResyncReport | undefined> => {
    try {
      return await resync.run(s);
    } catch (err) {
      log.warn({ err: { message: (err as Error).message }, server: s.id }, 'resync failed');
      return undefined;
    } finally {
      syncedAt.set(s.id, ++seq);
      check();
    }
  };
  for (const s of servers) {
    s.conn.on('connected', () => {
      connectedAt.set(s.id, ++seq);
      void runResync(s);
    });
  }

  const unsubs: Unsubscribe[] = [];
  let closed = false;
  return {
    name: 'ari-controller',
    get connected() {
      return servers.every((s) => s.connected);
    },
    calls: manager,
    agents: manager.agents,
    manager,
    dialer,
    whenSynced() {
      return waitUntil(() => servers.every((s) => s.connected && (syncedAt.get(s.id) ?? -1) > (connectedAt.get(s.id) ?? Infinity)));
    },
    nextSync() {
      const from = seq;
      return waitUntil(() => servers.every((s) => (connectedAt.get(s.id) ?? -1) > from && (syncedAt.get(s.id) ?? -1) > (connectedAt.get(s.id) ?? Infinity)));
    },
    async resync() {
      const out: ResyncReport[] = [];
      for (const s of servers) if (s.connected) out.push((await resync.run(s)) as ResyncReport);
      return out;
    },
    async start() {
      unsubs.push(
        await ctx.bus.subscribe('media.gateway.heartbeat', (m) => {
          if (m.type === 'media.gateway.heartbeat') manager.gateways.heartbeat(m.data);
        }),
        await ctx.bus.subscribe('media.webrtc.state', (m) => {
          if (m.type !== 'media.webrtc.state') return;
          manager.agents.onWebrtcState(m.data);
          monitors.onWebrtcState(m.data);
        }),
      );
      await commands.register(ctx.bus);
      manager.gateways.start(options.gatewaySweepMs ?? 500);
      for (const s of servers) s.conn.start();
      for (const c of children) await c.start();
    },
    async drain(signal) {
      await Promise.allSettled(children.map((c) => c.drain(signal)));
      manager.drain();
      // Calls in flight end on their own; wait for them (or the drain timeout).
      while (manager.active > 0 && !signal.aborted) await new Promise((r) => setTimeout(r, 200));
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const c of children.slice().reverse()) await c.close().catch((err: unknown) => log.warn({ err }, 'close failed'));
      for (const u of unsubs.splice(0)) await u().catch(() => undefined);
      await commands.close();
      for (const s of servers) s.conn.close();
      manager.close();
      await manager.repo.flush();
    },
  };
}
