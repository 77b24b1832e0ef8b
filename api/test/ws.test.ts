import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, type MessageData } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { bearer, testApp } from './helpers.js';
import { TestWsClient } from './ws-client.js';

let t: Awaited<ReturnType<typeof testApp>>;
let base: string;
before(async () => {
  t = await testApp({ background: true });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
});
after(async () => {
  await t.close();
});

async function wsToken(who: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/ws-token', headers: bearer(t.tokens[who]!) });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().token as string;
}

function transcript(callId: string, agentId: string | undefined, text: string): MessageData<'transcript.interim'> {
  const d: MessageData<'transcript.interim'> = { callId, legId: `${callId}-c`, speaker: 'customer', segmentId: `s-${text}`, text, startMs: 0, endMs: 500, provider: 'fake' };
  if (agentId) d.agentId = agentId;
  return d;
}

test('an agent gets its own call pop-ups and live transcript, never another agent\'s or another tenant\'s', async () => {
  const c = await TestWsClient.connect(base, await wsToken('a.agent'));
  try {
    const sub = await c.op({ op: 'subscribe', topics: [`agent:${t.a.agentId}`, `agent:${t.a.agent2Id}`, 'wallboard'] }, 'subscribed');
    assert.deepEqual(sub['topics'], [`agent:${t.a.agentId}`]);
    assert.deepEqual((sub['denied'] as { topic: string }[]).map((d) => d.topic), [`agent:${t.a.agent2Id}`, 'wallboard']);
    const bus = t.ctx.bus;
    await bus.publish(createMessage('call.popup', t.a.tenantId, { callId: 'call-1', agentId: t.a.agentId, direction: 'outbound', lead: { firstName: 'Ada' } }));
    await bus.publish(createMessage('transcript.interim', t.a.tenantId, transcript('call-1', undefined, 'hello')));
    await bus.publish(createMessage('transcript.final', t.a.tenantId, transcript('call-2', t.a.agent2Id, 'not yours')));
    await bus.publish(createMessage('transcript.final', t.b.tenantId, transcript('call-1', t.a.agentId, 'other tenant')));
    await bus.publish(createMessage('transcript.final', t.a.tenantId, transcript('call-1', undefined, 'hello world')));
    await waitFor(() => c.events().some((e) => e.msg.data['text'] === 'hello world'));
    const got = c.events().map((e) => `${e.msg.type}:${(e.msg.data['text'] as string | undefined) ?? ''}`);
    assert.deepEqual(got, ['call.popup:', 'transcript.interim:hello', 'transcript.final:hello world']);
    const seqs = c.events().map((e) => e.seq);
    assert.deepEqual([...seqs].sort((x, y) => x - y), seqs, 'sequence numbers increase');
  } finally {
    await c.close();
  }
});

test('WebSocket tokens are single-use and required', async () => {
  const token = await wsToken('a.agent');
  const c = await TestWsClient.connect(base, token);
  await c.close();
  await assert.rejects(TestWsClient.connect(base, token), /HTTP 401/);
  await assert.rejects(TestWsClient.connect(base, 'garbage'), /HTTP 401/);
  // An access token is not a WebSocket token.
  await assert.rejects(TestWsClient.connect(base, t.tokens['a.agent']!), /HTTP 401/);
});

test('a supervisor\'s wallboard carries only its teams\' campaigns; an admin\'s the whole tenant', async () => {
  const sup = await TestWsClient.connect(base, await wsToken('a.supervisor'));
  const adm = await TestWsClient.connect(base, await wsToken('a.admin'));
  try {
    await sup.op({ op: 'subscribe', topics: ['wallboard'] }, 'subscribed');
    await adm.op({ op: 'subscribe', topics: ['wallboard'] }, 'subscribed');
    const denied = await sup.op({ op: 'subscribe', topics: [`campaign:${t.a.otherCampaignId}`, `team:${t.a.otherTeamId}`] }, 'subscribed');
    assert.equal((denied['denied'] as unknown[]).length, 2);
    const stats = (campaignId: string) =>
      createMessage('campaign.stats', t.a.tenantId, {
        campaignId, status: 'running', dialMode: 'predictive', dialLevel: 1.5, callsDialing: 3, callsWaiting: 0, callsInQueue: 1,
        agents: { ready: 1, paused: 0, onCall: 2, wrapUp: 0 }, abandonRateToday: 0.01, abandonRate30d: 0.02, targetAbandonRate: 0.03, answerRate: 0.4,
      });
    await t.ctx.bus.publish(stats(t.a.otherCampaignId));
    await t.ctx.bus.publish(stats(t.a.campaignId));
    await waitFor(() => adm.events().length === 2 && sup.events().length === 1);
    assert.equal(sup.events()[0]!.msg.data['campaignId'], t.a.campaignId);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sup.events().length, 1);
  } finally {
    await sup.close();
    await adm.close();
  }
});

test('a reconnecting client catches up from its sequence number; too old a position asks for a resync', async () => {
  const c1 = await TestWsClient.connect(base, await wsToken('a.admin'));
  const topic = `call:${t.a.callId}`;
  await c1.op({ op: 'subscribe', topics: [topic] }, 'subscribed');
  const pub = (text: string) => t.ctx.bus.publish(createMessage('transcript.final', t.a.tenantId, transcript(t.a.callId, undefined, text)));
  await pub('one');
  await waitFor(() => c1.events().length === 1);
  const hello = c1.frames.find((f) => f['type'] === 'hello')!;
  const last = c1.events()[0]!.seq;
  await c1.close();
  await pub('two');
  await pub('three');
  await new Promise((r) => setTimeout(r, 20));
  const c2 = await TestWsClient.connect(base, await wsToken('a.admin'));
  try {
    const resumed = await c2.op({ op: 'subscribe', topics: [topic], resume: { stream: hello['stream'], seq: last } }, 'resumed');
    assert.equal(resumed['replayed'], 2);
    await waitFor(() => c2.events().length === 2);
    assert.deepEqual(c2.events().map((e) => e.msg.data['text']), ['two', 'three']);
    // By message id works too (e.g. after moving to another node, which saw the same messages).
    const byId = await c2.op({ op: 'subscribe', topics: [topic], resume: { lastId: c2.events()[0]!.msg.id } }, 'resumed');
    assert.equal(byId['replayed'], 1);
    const stale = await c2.op({ op: 'subscribe', topics: [topic], resume: { stream: 'another-node', seq: 1 } }, 'resync');
    assert.match(String(stale['reason']), /unknown/);
  } finally {
    await c2.close();
  }
});

test('closing the app closes WebSockets with 1001 (going away) before the server stops', async () => {
  const t2 = await testApp({ background: true });
  await t2.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(t2.app.server.address() as { port: number }).port}`;
  const tok = (await t2.app.inject({ method: 'POST', url: '/api/v1/auth/ws-token', headers: bearer(t2.tokens['a.agent']!) })).json().token as string;
  const c = await TestWsClient.connect(url, tok);
  await t2.close();
  await waitFor(() => c.closeCode !== undefined);
  assert.equal(c.closeCode, 1001);
});

test('a real client that stops reading is dropped once its backlog passes the bound, and counted in /metrics', async () => {
  const t2 = await testApp({ background: true, config: { wsMaxBufferedBytes: 16 * 1024 } });
  await t2.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(t2.app.server.address() as { port: number }).port}`;
  try {
    const tok = (await t2.app.inject({ method: 'POST', url: '/api/v1/auth/ws-token', headers: bearer(t2.tokens['a.admin']!) })).json().token as string;
    const slow = await TestWsClient.connect(url, tok);
    await slow.op({ op: 'subscribe', topics: [`call:${t2.a.callId}`] }, 'subscribed');
    // Stop reading: the kernel buffers fill, then the server's queue grows.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 2000 && t2.app.ws.clients > 0; i++) {
      await t2.ctx.bus.publish(createMessage('transcript.interim', t2.a.tenantId, transcript(t2.a.callId, undefined, `${i}${big}`)));
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => t2.app.ws.clients === 0, 10_000);
    const metrics = await t2.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /dialer_api_ws_dropped_total\{reason="slow_consumer"\} 1/);
  } finally {
    await t2.close();
  }
});
