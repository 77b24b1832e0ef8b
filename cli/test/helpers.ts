import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { BufferStream, run, type Io } from '../src/index.js';

/** What one dialerctl run printed and returned. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** A private home for one test file: the config file lives under it. */
export function tempHome(prefix = 'dialerctl-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Options of {@link runCli}. */
export interface RunOptions {
  home: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
  now?: () => number;
  signal?: AbortSignal;
  tty?: boolean;
}

/** Runs dialerctl in-process, with its own home, environment and stdin. */
export async function runCli(argv: readonly string[], o: RunOptions): Promise<CliResult> {
  const out = new BufferStream(o.tty ?? false);
  const err = new BufferStream(o.tty ?? false);
  const io: Io = {
    out,
    err,
    stdin: Readable.from(o.stdin === undefined ? [] : [Buffer.from(o.stdin)]),
    env: { ...o.env },
    homeDir: o.home,
    now: o.now ?? Date.now,
    signal: o.signal ?? new AbortController().signal,
  };
  const code = await run(argv, io);
  return { code, out: out.text, err: err.text };
}

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** A real API process, started from its sources on a free port with a throwaway SQLite database. */
export interface TestApi {
  url: string;
  adminEmail: string;
  adminPassword: string;
  dataDir: string;
  /** Every log line the process wrote (JSON). */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * Starts `api/src/main.ts` the way systemd starts the daemon (its own
 * process, configured by the environment), on port 0, and resolves once it
 * listens. The CLI may not import the API package, so it meets it over HTTP,
 * exactly as operators do. `env` adds settings, e.g. REDIS_URL and BUS_PREFIX
 * so a test can publish bus messages the API fans out.
 */
export async function startApi(env: Record<string, string> = {}): Promise<TestApi> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dialerctl-api-'));
  const adminEmail = 'admin@example.com';
  const adminPassword = 'correct-horse-battery-staple';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--conditions=dialer-source', join(repo, 'api/src/main.ts')], {
    cwd: repo,
    env: {
      PATH: process.env['PATH'],
      NODE_ENV: 'test',
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      DATA_DIR: dataDir,
      NODE_ID: 'cli-test',
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: adminPassword,
      LOG_LEVEL: 'info',
      API_LOGIN_RATE_PER_MIN: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`API did not start in 60 s; stderr: ${stderr.slice(-2000)}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const rec = JSON.parse(line) as Record<string, unknown>;
          logs.push(rec);
          if (rec['msg'] === 'api listening' && typeof rec['port'] === 'number') {
            clearTimeout(timer);
            resolve(rec['port']);
          }
        } catch {
          // Not a log line.
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`API exited with ${code} before listening; stderr: ${stderr.slice(-2000)}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    adminEmail,
    adminPassword,
    dataDir,
    logs,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Logs in as the bootstrap admin through dialerctl and returns the env that points at the API. */
export async function loginAdmin(api: TestApi, home: string): Promise<void> {
  const r = await runCli(['--url', api.url, 'login', '--email', api.adminEmail, '--password-stdin'], { home, stdin: `${api.adminPassword}\n` });
  if (r.code !== 0) throw new Error(`login failed (${r.code}): ${r.err}`);
}

/** The API with PostgreSQL and Redis, plus the test's own handles on both: it plays the controller and seeds rows. */
export interface TestStack {
  api: TestApi;
  store: import('@dialer/core').Store;
  bus: import('@dialer/core').EventBus;
  home: string;
  tenantId: string;
  close(): Promise<void>;
}

/**
 * Starts the API as a separate process on a fresh PostgreSQL database and a
 * Redis bus namespace of its own, logs dialerctl in as the first admin, and
 * opens the same store and bus in the test process. Messages the test
 * publishes reach the API's WebSocket clients; commands the API sends
 * (`cmd.*`) reach the test's handlers, as they would reach the controller.
 */
export async function startStack(): Promise<TestStack> {
  const { createTestPostgres, testRedisUrl } = await import('@dialer/core/testing');
  const { openStore, createBus } = await import('@dialer/core');
  const pg = await createTestPostgres('dialerctl_test');
  const prefix = `dctl${process.pid}${Math.floor(Math.random() * 1e6)}`;
  const redisUrl = testRedisUrl();
  const api = await startApi({ DATABASE_URL: pg.url, REDIS_URL: redisUrl, BUS_PREFIX: prefix });
  const store = await openStore({ databaseUrl: pg.url, dataDir: '.', poolSize: 2 });
  const bus = await createBus({ redisUrl, prefix, nodeId: 'test-controller' });
  const home = tempHome();
  await loginAdmin(api, home.dir);
  const who = await runCli(['--json', 'whoami'], { home: home.dir });
  const tenantId = (JSON.parse(who.out) as { tenantId: string }).tenantId;
  return {
    api,
    store,
    bus,
    home: home.dir,
    tenantId,
    async close() {
      await bus.close();
      await api.stop();
      await store.close();
      await pg.drop();
      home.cleanup();
    },
  };
}
