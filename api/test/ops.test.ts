import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectRedis, createMessage, SimulatedClock, silentLogger, type AnyMessage } from '@dialer/core';
import { testRedisUrl, waitFor } from '@dialer/core/testing';
import { RedisStatsBackend } from '../src/stats/backend.js';
import { StatsService } from '../src/stats/service.js';
import { bearer, testApp } from './helpers.js';

const T0 = Date.UTC(2026, 0, 5, 12);

function callFlow(tenantId: string, campaignId: string, agentId: string, callId: string, clock: SimulatedClock): AnyMessage[] {
  const o = { clock };
  return [
    createMessage('call.dialing', tenantId, { callId, campaignId, direction: 'outbound', phone: '+12125550101' }, o),
    createMessage('call.answered', tenantId, { callId, campaignId, atMs: T0 }, o),
    createMessage('call.amd', tenantId, { callId, campaignId, result: 'HUMAN' }, o),
    createMessage('call.connected', tenantId, { callId, campaignId, agentId, waitMs: 300 }, o),
    createMessage('call.ended', tenantId, { callId, campaignId, agentId, direction: 'outbound', outcome: 'human', hangupBy: 'customer', abandoned: false, durationMs: 60_000, talkMs: 45_000 }, o),
    createMessage('lead.disposed', tenantId, { leadId: 1, callId, campaignId, agentId, disposition: 'SALE' }, o),
  ];
}

test('campaign and agent stats come from live counters fed by bus messages, scoped like everything else', async () => {
  const clock = new SimulatedClock(T0);
  const { createTestContext } = await import('@dialer/core/testing');
  const t = await testApp({ ctx: await createTestContext({ clock }), background: true });
  try {
    const bus = t.ctx.bus;
    const st = (state: 'ready' | 'on_call' | 'wrap_up', at: number) => createMessage('agent.state', t.a.tenantId, { agentId: t.a.agentId, state, sinceMs: at, campaignIds: [t.a.campaignId] }, { clock });
    await bus.publish(st('ready', T0));
    for (const m of callFlow(t.a.tenantId, t.a.campaignId, t.a.agentId, 'c1', clock)) await bus.publish(m);
    await bus.publish(st('on_call', T0 + 10_000));
    await bus.publish(st('wrap_up', T0 + 55_000));
    await bus.publish(
      createMessage('campaign.stats', t.a.tenantId, {
        campaignId: t.a.campaignId, status: 'running', dialMode: 'predictive', dialLevel: 2.5, callsDialing: 4, callsWaiting: 1, callsInQueue: 2,
        agents: { ready: 3, paused: 1, onCall: 5, wrapUp: 0 }, abandonRateToday: 0.012, abandonRate30d: 0.021, targetAbandonRate: 0.03, answerRate: 0.3,
      }, { clock }),
    );
    const h = bearer(t.tokens['a.supervisor']!);
    const camp = await waitFor(async () => {
      const r = await t.app.inject({ method: 'GET', url: `/api/v1/stats/campaigns/${t.a.campaignId}`, headers: h });
      return r.json().today.dispositions === 1 && r.json().live ? r.json() : undefined;
    });
    assert.deepEqual(camp.today, { dialed: 1, answered: 1, human: 1, machine: 0, connected: 1, abandoned: 0, ended: 1, talkMs: 45_000, waitMs: 300, dispositions: 1 });
    assert.equal(camp.live.dialLevel, 2.5);
    const agent = (await t.app.inject({ method: 'GET', url: `/api/v1/stats/agents/${t.a.agentId}`, headers: bearer(t.tokens['a.agent']!) })).json();
    assert.equal(agent.state, 'wrap_up');
    assert.equal(agent.calls, 1);
    assert.equal(agent.talkMs, 45_000);
    assert.deepEqual(agent.stateMs, { ready: 10_000, on_call: 45_000 });
    // Supervisor: only their campaigns in the list; the other team's campaign is 404.
    const list = (await t.app.inject({ method: 'GET', url: '/api/v1/stats/campaigns', headers: h })).json();
    assert.deepEqual(list.items.map((x: { campaignId: string }) => x.campaignId), [t.a.campaignId]);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/stats/campaigns/${t.a.otherCampaignId}`, headers: h })).statusCode, 404);
    // The per-campaign gauges reach /metrics.
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, new RegExp(`dialer_campaign_dial_level\\{tenant="${t.a.tenantId}",campaign="${t.a.campaignId}"\\} 2.5`));
    assert.match(metrics.body, /dialer_campaign_agents\{[^}]*state="on_call"\} 5/);
    assert.match(metrics.body, /dialer_api_http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/stats\/campaigns\/:id"/);
    assert.match(metrics.body, /dialer_api_ws_clients 0/);
    assert.match(metrics.body, /dialer_api_webhook_queue_depth/);
    assert.match(metrics.body, /dialer_api_fanout_lag_seconds_bucket/);
  } finally {
    await t.close();
  }
});

test('scaled out, counters live in Redis and each message counts once, whichever nodes hear it', async () => {
  const prefix = `dialer-test-${process.pid}-${Date.now()}`;
  const r1 = await connectRedis({ url: testRedisUrl() });
  const r2 = await connectRedis({ url: testRedisUrl() });
  const clock = new SimulatedClock(T0);
  try {
    const node1 = new StatsService(new RedisStatsBackend(r1 as never, prefix), prefix, clock, silentLogger());
    const node2 = new StatsService(new RedisStatsBackend(r2 as never, prefix), prefix, clock, silentLogger());
    const msgs = callFlow('t1', 'k1', 'a1', 'c1', clock);
    // Every node hears every message (that is how the Redis bus fans out).
    await Promise.all(msgs.flatMap((m) => [node1.observe(m), node2.observe(m)]));
    await node2.observe(createMessage('agent.state', 't1', { agentId: 'a1', state: 'ready', sinceMs: T0 }, { clock }));
    const st = createMessage('agent.state', 't1', { agentId: 'a1', state: 'paused', sinceMs: T0 + 5000 }, { clock });
    await Promise.all([node1.observe(st), node2.observe(st)]);
    const c = await node1.campaign('t1', 'k1');
    assert.equal(c.dialed, 1);
    assert.equal(c.talkMs, 45_000);
    assert.deepEqual(await node2.campaign('t1', 'k1'), c);
    const a = await node2.agent('t1', 'a1');
    assert.equal(a.state, 'paused');
    assert.deepEqual(a.stateMs, { ready: 5000 });
    assert.deepEqual(await node1.campaignsToday('t1'), ['k1']);
  } finally {
    const keys = await r1.keys(`${prefix}:*`);
    if (keys.length) await r1.del(keys);
    await r1.close();
    await r2.close();
  }
});

test('/ready reports the last contact with Asterisk and the gateway, and requires those listed in API_READY_REQUIRES', async () => {
  const clock = new SimulatedClock(T0);
  const { createTestContext } = await import('@dialer/core/testing');
  const t = await testApp({ ctx: await createTestContext({ clock }), background: true, config: { readyRequires: ['gateway'], heartbeatStaleS: 10 } });
  try {
    let res = await t.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json().checks.gateway, { ok: false, required: true, reason: 'no contact since this node started' });
    assert.equal(res.json().checks.asterisk.required, false);
    await t.ctx.bus.publish(createMessage('media.gateway.heartbeat', 'system', { gatewayId: 'g1', rtpHost: '127.0.0.1', legs: 0, maxLegs: 100, draining: false, startedAtMs: T0 }, { clock }));
    res = await waitFor(async () => {
      const r = await t.app.inject({ method: 'GET', url: '/ready' });
      return r.statusCode === 200 ? r : undefined;
    });
    assert.equal(res.json().checks.gateway.ok, true);
    clock.advance(11_000);
    res = await t.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 503);
    assert.match(res.json().checks.gateway.reason, /no contact for 11 s/);
  } finally {
    await t.close();
  }
});

test('/metrics can require a token', async () => {
  const t = await testApp({ config: { metricsToken: 'metrics-token-0123456789' } });
  try {
    assert.equal((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
    const ok = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer('metrics-token-0123456789') });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.headers['content-type'] as string, /text\/plain/);
  } finally {
    await t.close();
  }
});

test('wallboard history: a campaign minute by minute from the dialer snapshots, and visible agents by state from the state log', async () => {
  const clock = new SimulatedClock(T0);
  const { createTestContext } = await import('@dialer/core/testing');
  const t = await testApp({ ctx: await createTestContext({ clock }), background: true });
  try {
    const snap = (campaignId: string, abandon: number, ready: number) =>
      createMessage('campaign.stats', t.a.tenantId, {
        campaignId, status: 'running', dialMode: 'predictive', dialLevel: 2, callsDialing: 1, callsWaiting: 0, callsInQueue: 1,
        agents: { ready, paused: 0, onCall: 2, wrapUp: 1 }, abandonRateToday: abandon, abandonRate30d: 0.02, targetAbandonRate: 0.03, answerRate: 0.25,
      }, { clock });
    // Three minutes of once-a-second snapshots: the first of each minute is kept.
    for (let m = 0; m < 3; m++) {
      for (let s = 0; s < 3; s++) {
        await t.ctx.bus.publish(snap(t.a.campaignId, 0.01 * (m + 1) + s / 1000, 4 - m));
        clock.advance(1000);
      }
      clock.advance(57_000);
    }
    const sup = bearer(t.tokens['a.supervisor']!);
    const hist = await waitFor(async () => {
      const r = (await t.app.inject({ method: 'GET', url: `/api/v1/stats/campaigns/${t.a.campaignId}/history`, headers: sup })).json();
      return r.points?.length === 3 ? r : undefined;
    });
    assert.equal(hist.stepMs, 60_000);
    assert.equal(hist.day, '2026-01-05');
    assert.deepEqual(hist.points.map((p: { t: number }) => p.t), [T0, T0 + 60_000, T0 + 120_000]);
    assert.deepEqual(hist.points.map((p: { abandonRateToday: number }) => p.abandonRateToday), [0.01, 0.02, 0.03]);
    assert.deepEqual(hist.points[2].agents, { ready: 2, paused: 0, onCall: 2, wrapUp: 1 });
    assert.equal(hist.points[0].answerRate, 0.25);
    // Another team's campaign is not found; a day that is not a date is a 400; yesterday is empty.
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/stats/campaigns/${t.a.otherCampaignId}/history`, headers: sup })).statusCode, 404);
    const bad = await t.app.inject({ method: 'GET', url: `/api/v1/stats/campaigns/${t.a.campaignId}/history?day=2026-02-30`, headers: sup });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'DIALER_ERR_VALIDATION');
    const y = (await t.app.inject({ method: 'GET', url: `/api/v1/stats/campaigns/${t.a.campaignId}/history?day=2026-01-04`, headers: sup })).json();
    assert.deepEqual(y.points, []);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/stats/campaigns/${t.a.campaignId}/history`, headers: bearer(t.tokens['a.agent']!) })).statusCode, 403);

    // Agents by state: agent 1 (team A) ready then on a call; agent 2 (team B) paused all along.
    const db = t.ctx.store.tenant(t.a.tenantId);
    const row = (id: string, agentId: string, state: string, from: number, to: number | null) => ({ id, agent_id: agentId, state, reason: null, call_id: null, campaign_id: null, started_at: from, ended_at: to });
    await db.insertInto('agent_state_log', [
      row('s1', t.a.agentId, 'ready', T0 - 90_000, T0 + 30_000),
      row('s2', t.a.agentId, 'on_call', T0 + 30_000, T0 + 150_000),
      row('s3', t.a.agentId, 'wrap_up', T0 + 150_000, null),
      row('s4', t.a.agent2Id, 'paused', T0 - 60_000, null),
    ]).execute();
    const adm = (await t.app.inject({ method: 'GET', url: '/api/v1/stats/agents/history', headers: bearer(t.tokens['a.admin']!) })).json();
    const at = (pts: { t: number }[], ms: number) => pts.find((p) => p.t === ms);
    // From the minute step of the day's first change (T0 - 90 s falls in the minute starting T0 - 120 s).
    assert.deepEqual(adm.points[0], { t: T0 - 120_000, ready: 0, paused: 0, onCall: 0, wrapUp: 0 });
    assert.deepEqual(at(adm.points, T0 - 60_000), { t: T0 - 60_000, ready: 1, paused: 1, onCall: 0, wrapUp: 0 });
    assert.deepEqual(at(adm.points, T0 + 60_000), { t: T0 + 60_000, ready: 0, paused: 1, onCall: 1, wrapUp: 0 });
    assert.deepEqual(at(adm.points, T0 + 180_000), { t: T0 + 180_000, ready: 0, paused: 1, onCall: 0, wrapUp: 1 });
    assert.equal(adm.points[adm.points.length - 1].t <= clock.now(), true);
    // The supervisor of team A does not count team B's agent.
    const mine = (await t.app.inject({ method: 'GET', url: '/api/v1/stats/agents/history?stepMinutes=2', headers: sup })).json();
    assert.equal(mine.stepMs, 120_000);
    assert.ok(mine.points.length > 0);
    for (const p of mine.points) assert.equal(p.paused, 0);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/stats/agents/history?stepMinutes=0', headers: sup })).statusCode, 400);
  } finally {
    await t.close();
  }
});

test('scaled out, each minute of campaign history is written once, whichever nodes hear the snapshots', async () => {
  const prefix = `dialer-test-${process.pid}-${Date.now()}-h`;
  const r1 = await connectRedis({ url: testRedisUrl() });
  const r2 = await connectRedis({ url: testRedisUrl() });
  const clock = new SimulatedClock(T0 + 5_000);
  try {
    const node1 = new StatsService(new RedisStatsBackend(r1 as never, prefix), prefix, clock, silentLogger());
    const node2 = new StatsService(new RedisStatsBackend(r2 as never, prefix), prefix, clock, silentLogger());
    const snap = (abandon: number) =>
      createMessage('campaign.stats', 't1', {
        campaignId: 'k1', status: 'running', dialMode: 'predictive', dialLevel: 1.5, callsDialing: 0, callsWaiting: 0, callsInQueue: 0,
        agents: { ready: 1, paused: 0, onCall: 0, wrapUp: 0 }, abandonRateToday: abandon, abandonRate30d: 0, targetAbandonRate: 0.03, answerRate: 0.2,
      }, { clock });
    const a = snap(0.011);
    await Promise.all([node1.observe(a), node2.observe(a)]);
    clock.advance(1000);
    const b = snap(0.099); // same minute: not kept
    await Promise.all([node2.observe(b), node1.observe(b)]);
    clock.advance(60_000);
    const c = snap(0.022);
    await node2.observe(c);
    await node1.observe(c);
    const h1 = await node1.campaignHistory('t1', 'k1');
    assert.deepEqual(h1.map((p) => [p.t, p.abandonRateToday]), [[T0, 0.011], [T0 + 60_000, 0.022]]);
    assert.deepEqual(await node2.campaignHistory('t1', 'k1'), h1);
    assert.equal(await r1.hLen(`${prefix}:stats:t1:history:k1:2026-01-05`), 2);
  } finally {
    const keys = await r1.keys(`${prefix}:*`);
    if (keys.length) await r1.del(keys);
    await r1.close();
    await r2.close();
  }
});
