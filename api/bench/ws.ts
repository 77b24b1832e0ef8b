// `npm run bench:ws [-- --json] [--clients 1000] [--procs 4] [--duration 3] [--rates 10000,25000,50000,100000,200000]`
//
// 1,000 authenticated WebSocket clients, in separate processes, on loopback,
// follow one live call's transcript through the real API (token auth,
// subscription, routing, encode-once fan-out, backpressure checks). Transcript
// events are published on the bus at increasing rates; rates are delivered
// messages per second (events/s x clients). In the same run, a bare `ws`
// server broadcasts the same bytes to the same clients: the baseline.
// Logs go to stderr; with --json exactly one JSON document goes to stdout.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { createMessage, newId, type AnyMessage } from '@dialer/core';
import { createTestContext } from '@dialer/core/testing';
import { buildApp, hashPassword } from '@dialer/api';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const JSON_OUT = args.includes('--json');
const CLIENTS = Number(flag('clients', '1000'));
const PROCS = Number(flag('procs', '4'));
const DURATION_S = Number(flag('duration', '3'));
const RATES = flag('rates', '10000,25000,50000,100000,200000').split(',').map(Number);
const log = (...a: unknown[]): void => void process.stderr.write(`${a.join(' ')}\n`);

interface Worker {
  child: ChildProcess;
  ask(msg: Record<string, unknown>, reply: string): Promise<Record<string, unknown>>;
}

function startWorker(): Worker {
  const child = fork(join(here, 'ws-clients.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return {
    child,
    ask: (msg, reply) =>
      new Promise((resolve, reject) => {
        const on = (m: Record<string, unknown>): void => {
          if (m['kind'] === 'error') {
            child.off('message', on);
            reject(new Error(String(m['message'])));
          } else if (m['kind'] === reply) {
            child.off('message', on);
            resolve(m);
          }
        };
        child.on('message', on);
        child.send(msg);
      }),
  };
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Step {
  msgsPerS: number;
  achieved: number;
  p50Ms: number;
  p99Ms: number;
}

/** Publishes at `rate` delivered msgs/s for the duration, then collects counts and latencies. */
async function runStep(workers: Worker[], rate: number, publish: (seq: number) => void): Promise<Step> {
  const perSecond = rate / CLIENTS;
  const expectedPerWorker = Math.max(1, Math.round((perSecond * DURATION_S * CLIENTS) / workers.length));
  const sampleEvery = Math.max(1, Math.floor(expectedPerWorker / 50_000));
  await Promise.all(workers.map((w) => w.ask({ kind: 'reset', sampleEvery }, 'reset-ok')));
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const total = Math.round(perSecond * DURATION_S);
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsedS = (Number(process.hrtime.bigint() / 1000n) - startUs) / 1e6;
      const due = Math.min(total, Math.floor(elapsedS * perSecond));
      while (sent < due) publish(++sent);
      if (sent >= total) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  // Let the tail arrive (bounded).
  const expected = total * CLIENTS;
  let reports: Record<string, unknown>[] = [];
  const deadline = Date.now() + 5000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    reports = await Promise.all(workers.map((w) => w.ask({ kind: 'report' }, 'report')));
    const got = reports.reduce((n, r) => n + (r['received'] as number), 0);
    if (got >= expected || Date.now() > deadline) break;
  }
  const received = reports.reduce((n, r) => n + (r['received'] as number), 0);
  const lastUs = Math.max(...reports.map((r) => r['lastAtUs'] as number));
  const spanS = Math.max(DURATION_S, (lastUs - startUs) / 1e6);
  const lat = reports.flatMap((r) => r['samples'] as number[]).sort((a, b) => a - b);
  return { msgsPerS: rate, achieved: Math.round(received / spanS), p50Ms: round(pct(lat, 50)), p99Ms: round(pct(lat, 99)) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Runs the rate ladder on both servers, interleaved step by step (so load
 * from other processes hits both alike), until each falls behind (under 90 %
 * of the offered rate) past 50,000 msgs/s, so the 50k step is always measured.
 * A short warm-up step runs first and is discarded.
 */
async function ladders(workers: Worker[], api: (seq: number) => void, base: (seq: number) => void): Promise<{ api: Step[]; base: Step[] }> {
  const out = { api: [] as Step[], base: [] as Step[] };
  const warm = Math.min(...RATES);
  await runStep(workers, warm, api);
  await runStep(workers, warm, base);
  let apiDone = false;
  let baseDone = false;
  for (const rate of RATES) {
    if (!apiDone) {
      const s = await runStep(workers, rate, api);
      log(`api:      offered ${rate}/s achieved ${s.achieved}/s p50 ${s.p50Ms} ms p99 ${s.p99Ms} ms`);
      out.api.push(s);
      apiDone = s.achieved < 0.9 * rate && rate >= 50_000;
    }
    if (!baseDone) {
      const s = await runStep(workers, rate, base);
      log(`baseline: offered ${rate}/s achieved ${s.achieved}/s p50 ${s.p50Ms} ms p99 ${s.p99Ms} ms`);
      out.base.push(s);
      baseDone = s.achieved < 0.9 * rate && rate >= 50_000;
    }
    if (apiDone && baseDone) break;
  }
  return out;
}

function transcript(tenantId: string, callId: string, seq: number): AnyMessage {
  const t = Number(process.hrtime.bigint() / 1000n);
  return createMessage('transcript.interim', tenantId, {
    callId, legId: `${callId}-customer`, speaker: 'customer', segmentId: `seg-${seq >> 4}`, text: `t=${t} and the customer keeps talking about the plan`, startMs: seq * 20, endMs: seq * 20 + 400, provider: 'bench',
  }) as AnyMessage;
}

async function main(): Promise<void> {
  // The real API over an in-memory store and the in-process bus.
  const ctx = await createTestContext();
  const now = Date.now();
  const tenantId = newId(now);
  await ctx.store.db.insertInto('tenants').values({ id: tenantId, name: 'bench', slug: 'bench', created_at: now, updated_at: now }).execute();
  const userId = newId(now);
  await ctx.store.tenant(tenantId).insertInto('users', { id: userId, email: 'sup@bench.test', name: 'sup', role: 'admin', password_hash: await hashPassword('x'.repeat(12), { N: 1024, r: 8, p: 1 }), created_at: now, updated_at: now }).execute();
  const app = await buildApp({ ctx, config: { wsMaxBufferedBytes: 64 * 1024 * 1024 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const apiPort = (app.server.address() as { port: number }).port;
  const callId = newId(now);
  const principal = { kind: 'user' as const, tenantId, role: 'admin' as const, userId, apiKeyId: null, agentId: null, scopes: new Set(['*']) };

  const workers = Array.from({ length: PROCS }, startWorker);
  const share = (i: number): number => Math.floor(CLIENTS / PROCS) + (i < CLIENTS % PROCS ? 1 : 0);
  log(`bench:ws: ${CLIENTS} clients in ${PROCS} processes, ${DURATION_S} s per rate, rates ${RATES.join(', ')} msgs/s`);

  // The baseline: a bare ws server that broadcasts the same bytes (the API's frame).
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  const basePort = (wss.address() as { port: number }).port;

  // Every client process opens its share of clients on both servers: authenticated and subscribed on the API.
  await Promise.all(
    workers.map((w, i) =>
      w.ask({ kind: 'start', url: `ws://127.0.0.1:${apiPort}/api/v1/ws`, tokens: Array.from({ length: share(i) }, () => app.services.sessions.issueWsToken(principal).token), topics: [`call:${callId}`] }, 'ready'),
    ),
  );
  await Promise.all(workers.map((w, i) => w.ask({ kind: 'start', url: `ws://127.0.0.1:${basePort}/`, tokens: Array.from({ length: share(i) }, () => 'x'), topics: [] }, 'ready')));
  log(`${app.ws.clients} clients on the API (authenticated, subscribed), ${wss.clients.size} on the baseline`);

  let bseq = 0;
  const steps = await ladders(
    workers,
    (seq) => void ctx.bus.publish(transcript(tenantId, callId, seq)),
    (seq) => {
      const frame = Buffer.from(`{"seq":${++bseq},"msg":${JSON.stringify(transcript(tenantId, callId, seq))}}`);
      for (const c of wss.clients as Set<WebSocket>) c.send(frame, { binary: false });
    },
  );
  const apiSteps = steps.api;
  const baseSteps = steps.base;
  await Promise.all(workers.map((w) => w.ask({ kind: 'close' }, 'closed')));
  await app.close();
  await new Promise((r) => wss.close(r));
  for (const w of workers) w.child.send({ kind: 'exit' });
  await ctx.close();

  const maxThroughput = Math.max(...apiSteps.map((s) => s.achieved));
  const baselineMaxThroughput = Math.max(...baseSteps.map((s) => s.achieved));
  const at50k = apiSteps.find((s) => s.msgsPerS === 50_000);
  const result = {
    clients: CLIENTS,
    maxThroughput,
    baselineMaxThroughput,
    ratio: round(maxThroughput / baselineMaxThroughput),
    p99At50kMs: at50k ? at50k.p99Ms : null,
    rates: apiSteps.map((s) => ({ msgsPerS: s.msgsPerS, achieved: s.achieved, p50Ms: s.p50Ms, p99Ms: s.p99Ms })),
    baselineRates: baseSteps.map((s) => ({ msgsPerS: s.msgsPerS, achieved: s.achieved, p50Ms: s.p50Ms, p99Ms: s.p99Ms })),
  };
  if (JSON_OUT) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    log(`max throughput ${maxThroughput}/s vs baseline ${baselineMaxThroughput}/s (ratio ${result.ratio}); p99 at 50k/s: ${result.p99At50kMs} ms`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(`bench:ws failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
