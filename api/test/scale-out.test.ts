import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createMessage, generateWebhookSecret, RedisBus, signWebhook, type AnyMessage } from '@dialer/core';
import { createTestPostgres, testRedisUrl, waitFor } from '@dialer/core/testing';
import { TestWsClient } from './ws-client.js';

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Node {
  child: ChildProcess;
  base: string;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

async function startNode(env: Record<string, string>): Promise<Node> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=dialer-source', 'src/main.ts'], { cwd: apiDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      logs.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      logs.push({ raw: l });
    }
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const listening = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`node exited: ${stderr}`);
    return logs.find((l) => l['msg'] === 'api listening');
  }, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${stderr}`);
  });
  return { child, base: `http://127.0.0.1:${listening['port'] as number}`, logs, exited };
}

async function json(res: Response): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function call(base: string, path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<Record<string, unknown>> {
  return json(
    await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    }),
  );
}

test('two API processes share fan-out and counters through Redis: what happens on node A reaches clients of node B', { timeout: 180_000 }, async () => {
  const pg = await createTestPostgres('dialer_api_scale');
  const prefix = `dtest${process.pid}${Date.now() % 100000}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'dialer-scale-'));
  const aiSecret = generateWebhookSecret();
  const env = {
    DATABASE_URL: pg.url,
    REDIS_URL: testRedisUrl(),
    BUS_PREFIX: prefix,
    API_PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ADMIN_EMAIL: 'admin@scale.test',
    ADMIN_PASSWORD: 'scale-out-admin-password',
    AI_EVENTS_SECRET: aiSecret,
  };
  const nodes: Node[] = [];
  const clients: TestWsClient[] = [];
  const testBus = await RedisBus.connect({ url: testRedisUrl(), prefix, nodeId: 'test-gateway' });
  try {
    nodes.push(await startNode({ ...env, NODE_ID: 'api-a' }));
    nodes.push(await startNode({ ...env, NODE_ID: 'api-b' }));
    const [a, b] = nodes as [Node, Node];

    // A token issued by node A is good on node B (the signing key lives in the shared database).
    const admin = (await call(a.base, '/api/v1/auth/login', { method: 'POST', body: { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD } }))['accessToken'] as string;
    const me = await call(b.base, '/api/v1/auth/me', { token: admin });
    const tenantId = me['tenantId'] as string;
    const agentUser = await call(a.base, '/api/v1/users', { method: 'POST', token: admin, body: { email: 'agent@scale.test', name: 'Agent', role: 'agent', password: 'agent-password-1', agent: { extension: '2001' } } });
    const agentId = agentUser['agentId'] as string;
    const campaign = await call(a.base, '/api/v1/campaigns', { method: 'POST', token: admin, body: { name: 'Scale', dialMode: 'predictive' } });

    // The agent and an admin are connected to node B.
    const agentToken = (await call(b.base, '/api/v1/auth/login', { method: 'POST', body: { email: 'agent@scale.test', password: 'agent-password-1' } }))['accessToken'] as string;
    const agentWs = await TestWsClient.connect(b.base, (await call(b.base, '/api/v1/auth/ws-token', { method: 'POST', token: agentToken }))['token'] as string);
    clients.push(agentWs);
    await agentWs.op({ op: 'subscribe', topics: [`agent:${agentId}`] }, 'subscribed');
    const adminWs = await TestWsClient.connect(b.base, (await call(b.base, '/api/v1/auth/ws-token', { method: 'POST', token: admin }))['token'] as string);
    clients.push(adminWs);
    await adminWs.op({ op: 'subscribe', topics: [`campaign:${campaign['id'] as string}`] }, 'subscribed');

    // 1. A transcript posted to node A reaches the agent on node B.
    const transcript = createMessage('transcript.final', tenantId, {
      callId: 'call-x', legId: 'call-x-cust', speaker: 'customer', segmentId: 'seg-1', text: 'I would like to upgrade', startMs: 0, endMs: 1200, provider: 'fake', agentId,
    });
    const body = JSON.stringify(transcript);
    const posted = await fetch(`${a.base}/ai/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook({ secret: aiSecret, id: transcript.id, body }) }, body });
    assert.ok(posted.ok, `POST /ai/events on node A: ${posted.status} ${await posted.text()}`);
    const got = await waitFor(() => agentWs.events().find((e) => e.msg.id === transcript.id), 10_000);
    assert.equal(got.msg.data['text'], 'I would like to upgrade');

    // 2. A campaign started through node A's REST API reaches a wallboard on node B.
    await call(a.base, `/api/v1/campaigns/${campaign['id'] as string}/start`, { method: 'POST', token: admin });
    const state = await waitFor(() => adminWs.events().find((e) => e.msg.type === 'campaign.state'), 10_000);
    assert.equal(state.msg.data['status'], 'running');

    // 3. Counters live in Redis: every node hears each call event, each counts it once.
    for (const m of [
      createMessage('call.dialing', tenantId, { callId: 'c1', campaignId: campaign['id'] as string, direction: 'outbound', phone: '+12125550101' }),
      createMessage('call.connected', tenantId, { callId: 'c1', campaignId: campaign['id'] as string, agentId, waitMs: 200 }),
    ]) await testBus.publish(m as AnyMessage);
    for (const n of [a, b]) {
      const s = await waitFor(async () => {
        const r = await call(n.base, `/api/v1/stats/campaigns/${campaign['id'] as string}`, { token: admin });
        return (r['today'] as { connected: number }).connected === 1 ? r : undefined;
      }, 10_000);
      assert.deepEqual([(s['today'] as { dialed: number }).dialed, (s['today'] as { connected: number }).connected], [1, 1]);
    }

    // 4. Node B stops: its clients are told "going away" (1001) so they reconnect elsewhere.
    b.child.kill('SIGTERM');
    assert.equal(await b.exited, 0);
    await waitFor(() => agentWs.closeCode !== undefined, 10_000);
    assert.equal(agentWs.closeCode, 1001);
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    for (const n of nodes) {
      if (n.child.exitCode === null) {
        n.child.kill('SIGTERM');
        await Promise.race([n.exited, new Promise((r) => setTimeout(r, 10_000))]);
        n.child.kill('SIGKILL');
      }
    }
    await testBus.close();
    await pg.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
