import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMessage, DialerError, newId, verifyWebhook, type AnyMessage, type MessageData, type MessageType } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { runCli, startStack, tempHome, type TestStack } from './helpers.js';

interface SystemDoc {
  view: string;
  db: { ok: boolean; kind: string };
  bus: { ok: boolean; kind: string };
  gateways: Array<{ gatewayId: string; address: string | null; legs: number; state: string }>;
  controllers: Array<{ nodeId: string; state: string; heartbeat: boolean; activeCalls: number | null; servers: number }>;
  asterisk: Array<{ id: string; state: string; version: string | null }>;
  stt: Array<{ provider: string; state: string }>;
}

let s: TestStack;
const cli = (args: string[], o: { signal?: AbortSignal; stdin?: string } = {}) => runCli(args, { home: s.home, ...o });
const json = async <T>(args: string[]): Promise<T> => {
  const r = await cli(['--json', ...args]);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
  return JSON.parse(r.out) as T;
};
/** Every command the API sent to "the controller" (this test), by type. */
const commands: Array<{ type: string; data: Record<string, unknown> }> = [];

before(async () => {
  s = await startStack();
  const record = (reply: (d: Record<string, unknown>) => unknown) => (msg: AnyMessage) => {
    commands.push({ type: msg.type, data: msg.data as Record<string, unknown> });
    return reply(msg.data as Record<string, unknown>);
  };
  await s.bus.handle('cmd.agent.state', record((d) => ({ state: d['action'] === 'logout' ? 'logged_out' : d['action'] })));
  await s.bus.handle('cmd.call.originate', record(() => ({ callId: 'call-originated-1' })));
  await s.bus.handle('cmd.call.hangup', record((d) => {
    if (d['callId'] === 'gone') throw new DialerError('DIALER_ERR_CALL_STATE', 'call already ended');
    return { hungUp: true };
  }));
  await s.bus.handle('cmd.call.transfer', record(() => ({ transferred: true })));
  await s.bus.handle('cmd.call.monitor', record(() => ({ snoopId: 'snoop-1' })));
});
after(async () => {
  await s.close();
});

function lastCommand(type: string): Record<string, unknown> | undefined {
  return [...commands].reverse().find((c) => c.type === type)?.data;
}

async function publish<T extends MessageType>(type: T, data: MessageData<T>): Promise<void> {
  await s.bus.publish(createMessage(type, s.tenantId, data, { source: 'test-controller' }) as AnyMessage);
}

async function seedCall(o: { id: string; campaignId?: string | null; state?: string; endAt?: number | null }): Promise<void> {
  const now = Date.now();
  await s.store
    .tenant(s.tenantId)
    .insertInto('calls', {
      id: o.id, campaign_id: o.campaignId ?? null, lead_id: null, agent_id: null, direction: 'outbound', phone: '+12125550199', caller_id: null, state: o.state ?? 'connected', node_id: 'n1', asterisk_id: null,
      channel_id: `ch-${o.id}`, bridge_id: null, dial_status: null, amd_status: null, amd_cause: null, outcome: null, hangup_cause: null, hangup_cause_text: null, hangup_by: null, disposition: null, notes: null,
      recording_id: null, created_at: now - 30_000, ring_at: null, answer_at: now - 25_000, connect_at: now - 25_000, end_at: o.endAt ?? null, updated_at: now,
    } as never)
    .execute();
}

test('agents: create with a new user, list, change state through the controller, log out', async () => {
  const created = await json<{ agentId: string; password: string }>(['agent', 'create', '--email', 'ann@example.com', '--name', 'Ann Agent', '--extension', '2001']);
  assert.ok(created.agentId);
  const list = await cli(['agent', 'list']);
  assert.match(list.out, /2001\s+Ann Agent\s+webrtc\s+logged_out/);

  const camp = await json<{ id: string }>(['campaign', 'create', '--name', 'Agents campaign']);
  const r = await cli(['agent', 'state', '2001', 'pause', '--reason', 'lunch']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(lastCommand('cmd.agent.state'), { agentId: created.agentId, action: 'pause', reason: 'lunch' });
  const notAssigned = await cli(['agent', 'state', 'ann@example.com', 'login', '--campaigns', 'Agents campaign']);
  assert.equal(notAssigned.code, 2);
  assert.match(notAssigned.err, /not assigned/);
  const assigned = await json<{ agentIds: string[] }>(['campaign', 'agents', 'Agents campaign', '--set', created.agentId]);
  assert.deepEqual(assigned.agentIds, [created.agentId]);
  const login = await cli(['agent', 'state', 'ann@example.com', 'login', '--campaigns', 'Agents campaign']);
  assert.equal(login.code, 0, login.err);
  assert.deepEqual(lastCommand('cmd.agent.state')!['campaignIds'], [camp.id]);

  const out = await cli(['agent', 'logout', '2001']);
  assert.equal(out.code, 0, out.err);
  assert.match(out.out, /agent 2001 logged out/);
  assert.equal(lastCommand('cmd.agent.state')!['action'], 'logout');

  const bad = await cli(['agent', 'state', '2001', 'dance']);
  assert.equal(bad.code, 2);
  const state = await json<{ state: string }>(['agent', 'state', '2001']);
  assert.equal(state.state, 'logged_out');
});

test('calls: list and show from the store; originate, hang up, transfer and listen go to the controller', async () => {
  const callId = newId();
  await seedCall({ id: callId });
  const list = await cli(['call', 'list']);
  assert.match(list.out, new RegExp(`${callId}\\s+outbound\\s+\\+12125550199\\s+connected`));
  assert.equal((await json<{ id: string; phone: string }>(['call', 'show', callId])).phone, '+12125550199');

  const orig = await cli(['call', 'originate', '+12125550123', '--ring-timeout', '20']);
  assert.equal(orig.code, 0, orig.err);
  assert.match(orig.out, /call-originated-1/);
  assert.equal(lastCommand('cmd.call.originate')!['phone'], '+12125550123');
  assert.equal(lastCommand('cmd.call.originate')!['ringTimeoutS'], 20);

  assert.equal((await cli(['call', 'hangup', callId, '--reason', 'test'])).code, 0);
  assert.deepEqual(lastCommand('cmd.call.hangup'), { callId, reason: 'test' });

  await cli(['call', 'transfer', callId, '--to-number', '+12125550777', '--mode', 'warm']);
  assert.deepEqual(lastCommand('cmd.call.transfer'), { callId, action: 'warm', target: { kind: 'number', phone: '+12125550777' } });
  await cli(['call', 'transfer', callId, '--complete']);
  assert.deepEqual(lastCommand('cmd.call.transfer'), { callId, action: 'complete' });
  assert.equal((await cli(['call', 'transfer', callId])).code, 2);

  const listen = await cli(['call', 'listen', callId, '--whisper']);
  assert.equal(listen.code, 0, listen.err);
  assert.equal(lastCommand('cmd.call.monitor')!['mode'], 'whisper');

  // The controller's coded error comes back with its code and a meaningful exit.
  await seedCall({ id: 'gone' });
  const gone = await cli(['call', 'hangup', 'gone']);
  assert.equal(gone.code, 8);
  assert.match(gone.err, /call already ended \[DIALER_ERR_CALL_STATE\]/);
});

test('transcript show prints both speakers in time order', async () => {
  const callId = newId();
  await seedCall({ id: callId, state: 'ended', endAt: Date.now() });
  const seg = (speaker: string, startMs: number, text: string) => ({
    id: newId(), call_id: callId, leg_id: `leg-${speaker}`, speaker, segment_id: `seg-${startMs}`, event_id: newId(), start_ms: startMs, end_ms: startMs + 900, text, is_final: 1,
    confidence: 0.9, language: 'en', provider: 'fake', latency_ms: 120, words: null, created_at: Date.now(),
  });
  await s.store.tenant(s.tenantId).insertInto('transcript_segments', [seg('agent', 1200, 'Thanks for calling.'), seg('customer', 3400, 'My order is late.')] as never).execute();
  const r = await cli(['transcript', 'show', callId]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '[00:01.2] agent    Thanks for calling.\n[00:03.4] customer My order is late.\n');
});

test('transcript tail --call follows the WebSocket live and ends with the call', async () => {
  const callId = newId();
  await seedCall({ id: callId });
  const ac = new AbortController();
  const running = cli(['transcript', 'tail', '--call', callId, '--interim'], { signal: ac.signal });
  // Give the WebSocket time to subscribe, then speak.
  await new Promise((r) => setTimeout(r, 1500));
  const base = { callId, legId: 'leg-c', provider: 'fake', endMs: 2000 };
  await publish('transcript.interim', { ...base, speaker: 'customer', segmentId: 's1', text: 'I would', startMs: 1000 });
  await publish('transcript.final', { ...base, speaker: 'customer', segmentId: 's1', text: 'I would like a refund.', startMs: 1000 });
  await publish('transcript.final', { ...base, speaker: 'customer', segmentId: 's1', text: 'I would like a refund.', startMs: 1000 });
  await publish('call.ended', { callId, direction: 'outbound', outcome: 'human', hangupBy: 'customer', abandoned: false, durationMs: 30_000, talkMs: 25_000 });
  const timer = setTimeout(() => ac.abort(), 15_000);
  const r = await running;
  clearTimeout(timer);
  assert.equal(ac.signal.aborted, false, 'tail ended by itself after call.ended');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '[00:01.0] customer ~ I would\n[00:01.0] customer I would like a refund.\n');
});

test('transcript tail --campaign follows each new call of the campaign; --json prints JSON lines', async () => {
  const camp = await json<{ id: string }>(['campaign', 'create', '--name', 'Tail campaign']);
  const ac = new AbortController();
  const running = cli(['--json', 'transcript', 'tail', '--campaign', 'Tail campaign'], { signal: ac.signal });
  await new Promise((r) => setTimeout(r, 1500));
  const callId = newId();
  await publish('call.answered', { callId, campaignId: camp.id, atMs: Date.now() });
  await new Promise((r) => setTimeout(r, 500));
  await publish('transcript.final', { callId, legId: 'l', speaker: 'agent', segmentId: 'a1', text: 'Hello from the campaign.', startMs: 500, endMs: 1500, provider: 'fake' });
  await new Promise((r) => setTimeout(r, 700));
  ac.abort();
  const r = await running;
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; data: { text?: string; callId: string } });
  assert.deepEqual(
    lines.filter((l) => l.type === 'transcript.final').map((l) => [l.data.callId, l.data.text]),
    [[callId, 'Hello from the campaign.']],
  );
});

test('transcript tail refuses a bad topic with a clear error, and needs exactly one target', async () => {
  assert.equal((await cli(['transcript', 'tail'])).code, 2);
  assert.equal((await cli(['transcript', 'tail', '--call', 'a', '--agent', 'b'])).code, 2);
  const missing = await cli(['transcript', 'tail', '--call', 'no-such-call']);
  assert.equal(missing.code, 7);
});

test('cdr list and export between --from and --to, as CSV with ISO times, with a progress count', async () => {
  const now = Date.now();
  const rows = Array.from({ length: 7 }, (_, i) => ({
    id: newId(), call_id: newId(), campaign_id: null, lead_id: null, agent_id: null, direction: 'outbound', phone: `+1212555${String(1000 + i)}`, caller_id: null,
    start_at: now - (i + 1) * 3_600_000, ring_at: null, answer_at: null, bridge_at: null, end_at: now - (i + 1) * 3_600_000 + 60_000, duration_ms: 60_000, talk_ms: 45_000,
    wait_ms: null, hangup_cause: 16, hangup_cause_text: 'Normal Clearing', hangup_by: 'customer', dial_status: 'ANSWER', outcome: 'human', amd_status: null, disposition: null, recording_id: null, created_at: now,
  }));
  await s.store.tenant(s.tenantId).insertInto('cdrs', rows as never).execute();
  const list = await cli(['cdr', 'list', '--from', '-24h', '--to', 'now', '--limit', '3']);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /\(more: add --cursor \S+, or --all\)/);

  const from = new Date(now - 5.5 * 3_600_000).toISOString();
  const out = join(s.home, 'cdrs.csv');
  const r = await cli(['cdr', 'export', '--from', from, '--to', String(now), '-o', out]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /exported 5 CDRs to/);
  const lines = readFileSync(out, 'utf8').trimEnd().split('\r\n');
  assert.equal(lines[0]!.split(',')[0], 'id');
  assert.equal(lines.length, 6);
  assert.ok(lines.slice(1).every((l) => /,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z,/.test(l)));

  assert.equal((await cli(['cdr', 'export', '--from', 'now', '--to', '-1d'])).code, 2);
  assert.equal((await cli(['cdr', 'export', '--from', 'yesterday-ish', '--to', 'now'])).code, 2);
});

test('webhooks: add prints the secret once, test --wait delivers a signed request, deliveries, replay, remove', async () => {
  const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  let fail = false;
  const receiver: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(fail ? 500 : 204);
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  try {
    const added = await cli(['webhook', 'add', url, '--events', 'call.ended,webhook.test', '--description', 'crm']);
    assert.equal(added.code, 0, added.err);
    const secret = /signing secret \(shown once\): (whsec_\S+)/.exec(added.out)![1]!;
    const id = /added endpoint (\S+)/.exec(added.out)![1]!;
    assert.match((await cli(['webhook', 'list'])).out, new RegExp(`${id}\\s+${url.replace(/[.:/]/g, '\\$&')}\\s+call\\.ended,webhook\\.test\\s+yes\\s+crm`));

    const t = await cli(['webhook', 'test', id, '--wait']);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /webhook\.test\): delivered after 1 attempt, last HTTP 204/);
    const req = await waitFor(() => received[0]);
    const verified = await verifyWebhook({ secret, headers: req.headers, body: req.body });
    assert.ok(verified.id);

    fail = true;
    const failing = await cli(['webhook', 'test', id, '--wait']);
    assert.equal(failing.code, 9);
    assert.match(failing.out, /retrying after 1 attempt, last HTTP 500/);

    const deliveries = await json<{ items: Array<{ id: string; status: string }> }>(['webhook', 'deliveries', '--endpoint', id]);
    assert.deepEqual(deliveries.items.map((d) => d.status).sort(), ['delivered', 'retrying']);
    const delivered = deliveries.items.find((d) => d.status === 'delivered')!;
    const detail = await cli(['webhook', 'delivery', delivered.id]);
    assert.match(detail.out, /payload:\n\{/);

    fail = false;
    const before = received.length;
    const replay = await cli(['webhook', 'replay', delivered.id]);
    assert.equal(replay.code, 0, replay.err);
    await waitFor(() => received.length > before, 10_000);
    // A replay keeps the webhook-id so receivers can deduplicate.
    assert.equal(received[received.length - 1]!.headers['webhook-id'], req.headers['webhook-id']);

    assert.equal((await cli(['webhook', 'remove', id])).code, 0);
    assert.equal((await cli(['webhook', 'test', id])).code, 7);
  } finally {
    receiver.close();
  }
});

test('status shows every daemon and dependency: API, database, bus, controllers and their Asterisk servers, gateways, speech-to-text providers', async () => {
  const now = Date.now();
  await publish('media.gateway.heartbeat', {
    gatewayId: 'gw-1', rtpHost: '10.0.0.7', legs: 12, maxLegs: 500, draining: false, startedAtMs: now - 60_000, intervalMs: 2000,
    stt: [
      { provider: 'deepgram', state: 'ok', streams: 3 },
      { provider: 'assemblyai', state: 'down', downUntilMs: now + 600_000, lastErrorAtMs: now - 1000, lastError: { code: 'DIALER_ERR_STT_AUTH', message: 'STT provider rejected the credentials', retryable: false } },
    ],
  });
  // The controller's heartbeat is not in core's message catalog yet: it goes on the bus as the raw envelope the controller will publish.
  await s.bus.publish({
    v: 1, id: newId(), type: 'ari.controller.heartbeat', time: new Date().toISOString(), tenantId: 'system', source: 'ari-a',
    data: {
      nodeId: 'ari-a', startedAtMs: now - 120_000, intervalMs: 5000, app: 'dialer', draining: false, activeCalls: 2,
      servers: [
        { id: 'pbx1', url: 'http://127.0.0.1:8088', connected: true, synced: true, version: '22.5.0', calls: 2 },
        { id: 'pbx2', url: 'https://10.0.0.9:8089', connected: false, lastError: 'DIALER_ERR_ARI_UNREACHABLE: connect ECONNREFUSED 10.0.0.9:8089' },
      ],
    },
  } as unknown as AnyMessage);
  await waitFor(async () => ((await json<{ system: { gateways: unknown[]; controllers: unknown[] } }>(['status'])).system?.controllers.length ?? 0) > 0, 5000);

  const r = await json<{ api: { ready: boolean }; system: SystemDoc; problems: string[]; liveCalls: number }>(['status']);
  assert.equal(r.api.ready, true);
  assert.equal(r.system.view, 'platform', 'the bootstrap admin belongs to the platform tenant');
  assert.deepEqual([r.system.db.ok, r.system.db.kind], [true, 'postgres']);
  assert.deepEqual(r.system.bus, { ok: true, kind: 'redis' });
  assert.deepEqual(r.system.gateways.map((g) => [g.gatewayId, g.address, g.legs, g.state]), [['gw-1', '10.0.0.7', 12, 'up']]);
  assert.deepEqual(r.system.controllers.find((c) => c.nodeId === 'ari-a'), { ...r.system.controllers.find((c) => c.nodeId === 'ari-a'), state: 'up', heartbeat: true, activeCalls: 2, servers: 2 });
  assert.deepEqual(r.system.asterisk.map((a) => [a.id, a.state, a.version]), [['pbx1', 'connected', '22.5.0'], ['pbx2', 'disconnected', null]]);
  assert.deepEqual(r.system.stt.map((p) => [p.provider, p.state]), [['deepgram', 'ok'], ['assemblyai', 'down']]);
  assert.ok(r.problems.some((p) => /^asterisk pbx2: disconnected \(DIALER_ERR_ARI_UNREACHABLE/.test(p)), r.problems.join('; '));
  assert.ok(r.problems.includes('stt assemblyai: down (DIALER_ERR_STT_AUTH)'));
  assert.ok(r.liveCalls >= 1);

  const human = await cli(['status']);
  assert.equal(human.code, 0, human.err);
  assert.match(human.out, /^database\s+ok  postgres \([\d.]+ ms\)/m);
  assert.match(human.out, /^event bus\s+ok  redis$/m);
  assert.match(human.out, /^controllers\s+\d of \d up$/m);
  assert.match(human.out, /^ {2}ari-a\s+up\s+heard \d+s ago  2 calls$/m);
  assert.match(human.out, /^asterisk\s+1 of 2 connected$/m);
  assert.match(human.out, /^ {2}pbx1 @ari-a\s+connected\s+Asterisk 22\.5\.0  http:\/\/127\.0\.0\.1:8088  2 calls$/m);
  assert.match(human.out, /^ {2}pbx2 @ari-a\s+DOWN\s+https:\/\/10\.0\.0\.9:8089  DIALER_ERR_ARI_UNREACHABLE/m);
  assert.match(human.out, /^media gateways\s+1 of 1 up$/m);
  assert.match(human.out, /^ {2}gw-1\s+up\s+10\.0\.0\.7  12\/500 legs  heard \d+s ago$/m);
  assert.match(human.out, /^stt providers\s+deepgram ok, assemblyai down$/m);
  assert.match(human.out, /^ {2}assemblyai\s+DOWN\s+ok on 0, down on 1 gateways, 0 streams  last error DIALER_ERR_STT_AUTH: STT provider rejected the credentials  retried after \d{4}-/m);
  assert.match(human.out, /^live calls\s+\d+/m);
  assert.match(human.out, /^problems:\n {2}- asterisk pbx2: disconnected/m);
  // --strict turns the problems into exit 9 for monitoring scripts.
  assert.equal((await cli(['status', '--strict'])).code, 9);

  // A gateway that stops beating goes stale after 3 missed beats.
  await publish('media.gateway.heartbeat', { gatewayId: 'gw-2', rtpHost: '10.0.0.8', legs: 0, maxLegs: 100, draining: false, startedAtMs: now, intervalMs: 100 });
  await waitFor(async () => (await json<{ system: SystemDoc }>(['status'])).system.gateways.find((g) => g.gatewayId === 'gw-2')?.state === 'stale', 5000);
  assert.match((await cli(['status'])).out, /^ {2}gw-2\s+STALE\s+10\.0\.0\.8/m);

  // An agent may not see the infrastructure: status falls back to the readiness checks and says why.
  const agentHome = tempHome();
  try {
    const agent = await json<{ password: string }>(['agent', 'create', '--email', 'status-agent@example.com', '--name', 'Status Agent', '--extension', '2099']);
    const login = await runCli(['--url', s.api.url, 'login', '--email', 'status-agent@example.com', '--password-stdin'], { home: agentHome.dir, stdin: `${agent.password}\n` });
    assert.equal(login.code, 0, login.err);
    const asAgent = await runCli(['status'], { home: agentHome.dir });
    assert.equal(asAgent.code, 0, asAgent.err);
    assert.match(asAgent.out, /^database\s+ok/m);
    assert.match(asAgent.out, /components in detail need an admin or supervisor login/);
  } finally {
    agentHome.cleanup();
  }
});
