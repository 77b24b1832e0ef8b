import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const ADMIN = { email: 'admin@e2e.test', password: 'e2e-admin-password-1' };

/** The whole system in one child process (`scripts/start.mjs`), on a fresh SQLite store. */
export interface Stack {
  url: string;
  port: number;
  dataDir: string;
  /** The child's log lines (JSON), for diagnosing a failure. */
  logs: string[];
  stop(): Promise<void>;
}

/** Builds the console into console/dist (esbuild: well under a second). */
export function buildConsole(): void {
  execFileSync(process.execPath, [join(ROOT, 'console/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Starts every daemon the way `npm start` does, from the sources (tsx), on a
 * free port, with its own data directory. `env` adds settings (ARI_URL of a
 * simulator, STT_PROVIDERS=fake, ...); `daemons` (e.g. `media,api`) runs only those.
 */
export async function startStack(env: Record<string, string> = {}, daemons?: string): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dialer-e2e-data-'));
  const logs: string[] = [];
  // `npm start`'s own composition, or (with `daemons`) the same daemons minus those a test stands in for.
  const entry = daemons ? join(ROOT, 'test/e2e/helpers/serve.ts') : join(ROOT, 'scripts/start.mjs');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--conditions=dialer-source', entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      NODE_ID: `e2e-${process.pid}`,
      DATA_DIR: dataDir,
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      API_LOGIN_RATE_PER_MIN: '1000',
      LOG_LEVEL: process.env['E2E_LOG_LEVEL'] ?? 'info',
      MEDIA_RTP_PORT: String(41000 + (process.pid % 1000) * 2),
      DRAIN_TIMEOUT_MS: '2000',
      ...(daemons ? { E2E_DAEMONS: daemons } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let port = 0;
  const started = new Promise<number>((resolve, reject) => {
    const onLine = (line: string) => {
      logs.push(line);
      if (logs.length > 5000) logs.splice(0, 1000);
      if (port) return;
      try {
        const j = JSON.parse(line) as { msg?: string; port?: number };
        if (j.msg === 'api listening' && j.port) {
          port = j.port;
          resolve(j.port);
        }
      } catch {
        // not JSON
      }
    };
    let buf = '';
    const feed = (chunk: Buffer) => {
      buf += chunk.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    };
    child.stdout!.on('data', feed);
    child.stderr!.on('data', (c: Buffer) => logs.push(`[stderr] ${c.toString().trimEnd()}`));
    child.once('exit', (code) => reject(new Error(`the stack exited (${code}) before listening:\n${logs.slice(-30).join('\n')}`)));
    setTimeout(() => reject(new Error(`the stack did not start in 60 s:\n${logs.slice(-30).join('\n')}`)), 60_000).unref();
  });
  await started;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    logs,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 8000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A tiny REST client for seeding the stack, as an admin or any user. */
export class Rest {
  private token = '';
  constructor(readonly base: string) {}

  async login(email: string, password: string): Promise<{ user: { id: string; tenantId: string; agentId: string | null } }> {
    const s = await this.call<{ accessToken: string; user: { id: string; tenantId: string; agentId: string | null } }>('POST', '/api/v1/auth/login', { email, password });
    this.token = s.accessToken;
    return s;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** The routes the running API serves, from its OpenAPI document (`GET /api/docs/json`). */
export async function apiRoutes(base: string): Promise<Set<string>> {
  const res = await fetch(`${base}/api/docs/json`);
  if (!res.ok) return new Set();
  const doc = (await res.json()) as { paths?: Record<string, Record<string, unknown>> };
  const out = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths ?? {})) for (const m of Object.keys(ops)) out.add(`${m.toUpperCase()} ${path}`);
  return out;
}
