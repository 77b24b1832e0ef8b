import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { runCli, tempHome } from './helpers.js';
import { clockChecks, ntpCheck, skewOf } from '../src/doctor/checks-clock.js';
import type { CheckResult } from '../src/doctor/types.js';

interface Check {
  id: string;
  status: string;
  detail: string;
  fix?: string;
}

const home = tempHome();
const GOOD = { deepgram: 'dg-good-key', assemblyai: 'aai-good-key', openai: 'sk-good-key' };
const seen: Array<{ path: string; auth: string | undefined }> = [];
let vendor: Server;
let vendorUrl: string;

/** One local server speaking the three vendors' key-check endpoints, with their real auth header schemes. */
before(async () => {
  vendor = createServer((req, res) => {
    const auth = req.headers.authorization;
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, auth });
    const ok =
      (url.pathname === '/v1/auth/token' && auth === `Token ${GOOD.deepgram}`) ||
      (url.pathname === '/v3/token' && auth === GOOD.assemblyai && url.searchParams.get('expires_in_seconds') === '60') ||
      (url.pathname === '/v1/models' && auth === `Bearer ${GOOD.openai}`);
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(ok ? '{}' : '{"err_code":"INVALID_AUTH"}');
  });
  await new Promise<void>((r) => vendor.listen(0, '127.0.0.1', r));
  vendorUrl = `127.0.0.1:${(vendor.address() as { port: number }).port}`;
});

after(() => {
  vendor.close();
  home.cleanup();
});

async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function stt(env: Record<string, string>): Promise<{ code: number; checks: Map<string, Check> }> {
  const r = await runCli(['--json', 'doctor', '--only', 'stt'], { home: home.dir, env });
  const doc = JSON.parse(r.out) as { checks: Check[] };
  return { code: r.code, checks: new Map(doc.checks.map((c) => [c.id, c])) };
}

function vendorEnv(keys: Partial<typeof GOOD>): Record<string, string> {
  return {
    STT_PROVIDERS: 'deepgram,assemblyai,openai-realtime',
    DEEPGRAM_URL: `ws://${vendorUrl}`,
    ASSEMBLYAI_URL: `ws://${vendorUrl}/v3/ws`,
    OPENAI_URL: `http://${vendorUrl}/v1`,
    ...(keys.deepgram ? { DEEPGRAM_API_KEY: keys.deepgram } : {}),
    ...(keys.assemblyai ? { ASSEMBLYAI_API_KEY: keys.assemblyai } : {}),
    ...(keys.openai ? { OPENAI_API_KEY: keys.openai } : {}),
  };
}

test('each provider in STT_PROVIDERS is probed with its own auth scheme; accepted keys pass', async () => {
  seen.length = 0;
  const r = await stt(vendorEnv(GOOD));
  assert.equal(r.code, 0);
  for (const id of ['stt.deepgram', 'stt.assemblyai', 'stt.openai-realtime']) assert.equal(r.checks.get(id)?.status, 'pass', id);
  assert.deepEqual(
    seen.map((s) => [s.path, s.auth]),
    [
      ['/v1/auth/token', `Token ${GOOD.deepgram}`],
      ['/v3/token', GOOD.assemblyai],
      ['/v1/models', `Bearer ${GOOD.openai}`],
    ],
  );
});

test('a rejected key fails with the vendor and the setting to fix; a missing key says which setting', async () => {
  const r = await stt(vendorEnv({ deepgram: 'revoked', openai: GOOD.openai }));
  assert.equal(r.code, 9);
  assert.equal(r.checks.get('stt.deepgram')?.status, 'fail');
  assert.match(r.checks.get('stt.deepgram')!.detail, /rejected DEEPGRAM_API_KEY \(HTTP 401\)/);
  assert.equal(r.checks.get('stt.assemblyai')?.status, 'fail');
  assert.match(r.checks.get('stt.assemblyai')!.detail, /ASSEMBLYAI_API_KEY is not set/);
  assert.equal(r.checks.get('stt.openai-realtime')?.status, 'pass');
});

test('an unreachable provider is a connectivity failure with the firewall fix', async () => {
  const port = await closedPort();
  const r = await stt({ STT_PROVIDERS: 'deepgram', DEEPGRAM_URL: `ws://127.0.0.1:${port}`, DEEPGRAM_API_KEY: GOOD.deepgram });
  assert.equal(r.checks.get('stt.deepgram')?.status, 'fail');
  assert.match(r.checks.get('stt.deepgram')!.detail, /cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED/);
  assert.match(r.checks.get('stt.deepgram')!.fix!, /outbound HTTPS/);
});

test('a self-hosted openai-batch server needs no key; an empty chain is skipped', async () => {
  const batch = await stt({ STT_PROVIDERS: 'openai-batch', OPENAI_BATCH_URL: `http://${vendorUrl}/v1` });
  // The local server answers 401 without a key: doctor reports exactly that.
  assert.equal(batch.checks.get('stt.openai-batch')?.status, 'fail');
  const none = await stt({});
  assert.equal(none.checks.get('stt')?.status, 'skip');
});

test('skew is measured from the Date header with its one-second resolution and the round trip', () => {
  const s = skewOf({ peer: 'x', serverDateMs: 1_000_000, sentAtMs: 1_000_100, receivedAtMs: 1_000_300 });
  assert.equal(s.skewMs, 1_000_500 - 1_000_200);
  assert.equal(s.uncertaintyMs, 600);
});

test('clock checks: in sync passes, 20 s warns, 10 minutes fails with the real webhook verifier\'s verdict', async () => {
  const now = 1_700_000_000_000;
  const out: CheckResult[] = [];
  await clockChecks(
    [
      { peer: 'api', serverDateMs: now - 400, sentAtMs: now - 10, receivedAtMs: now + 10 },
      { peer: 'asterisk', serverDateMs: now + 20_000, sentAtMs: now - 10, receivedAtMs: now + 10 },
      { peer: 'gateway', serverDateMs: now - 600_000, sentAtMs: now - 10, receivedAtMs: now + 10 },
    ],
    () => now,
    (r) => out.push(r),
  );
  assert.deepEqual(
    out.map((r) => [r.id, r.status]),
    [
      ['clock.api', 'pass'],
      ['clock.asterisk', 'warn'],
      ['clock.gateway', 'fail'],
    ],
  );
  assert.match(out[2]!.detail, /600 s behind this host: a webhook signed here now would be rejected \(DIALER_ERR_WEBHOOK_TIMESTAMP\)/);
});

test('NTP state from timedatectl: unsynchronised warns, unknown skips', async () => {
  const out: CheckResult[] = [];
  await ntpCheck((r) => out.push(r), async () => false);
  await ntpCheck((r) => out.push(r), async () => true);
  await ntpCheck((r) => out.push(r), async () => undefined);
  assert.deepEqual(out.map((r) => r.status), ['warn', 'pass', 'skip']);
});

test('the webhook-signature probe against the real API: accepted, clock skew, wrong secret, no secret', async () => {
  const { startApi } = await import('./helpers.js');
  const { generateWebhookSecret } = await import('@dialer/core');
  const secret = generateWebhookSecret();
  const api = await startApi({ AI_EVENTS_SECRET: secret });
  try {
    const probe = async (env: Record<string, string>, now?: () => number) => {
      const r = await runCli(['--url', api.url, '--json', 'doctor', '--only', 'clock.webhook-signature'], { home: home.dir, env, ...(now ? { now } : {}) });
      return (JSON.parse(r.out) as { checks: Check[] }).checks[0]!;
    };
    const ok = await probe({ AI_EVENTS_SECRET: secret });
    assert.equal(ok.status, 'pass', ok.detail);

    const skewed = await probe({ AI_EVENTS_SECRET: secret, AI_EVENTS_URL: `${api.url}/ai/events` }, () => Date.now() + 10 * 60_000);
    assert.equal(skewed.status, 'fail');
    assert.match(skewed.detail, /rejects this host's webhook timestamps/);
    assert.match(skewed.fix!, /NTP/);

    const wrong = await probe({ AI_EVENTS_SECRET: generateWebhookSecret() });
    assert.equal(wrong.status, 'fail');
    assert.match(wrong.detail, /AI_EVENTS_SECRET differs/);

    const none = await probe({});
    assert.equal(none.status, 'skip');
  } finally {
    await api.stop();
  }
});
