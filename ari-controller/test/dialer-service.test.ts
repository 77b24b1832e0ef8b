import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  MemoryBus,
  addDnc,
  createMessage,
  leaseOwner,
  newId,
  nextPreviewLead,
  preparePreviewDial,
  recordPreviewDial,
  openStore,
  silentLogger,
  systemClock,
  type AnyMessage,
  type DaemonContext,
  type Store,
} from '@dialer/core';
import { createTestContext, createTestPostgres, waitFor } from '@dialer/core/testing';
import { DialerService } from '../src/dialer/service.js';
import { FakeAgentPool, FakeCallControl } from './dialer-fakes.js';

const OPEN_ALL_DAY = { start: '00:00', end: '24:00', timezone: 'UTC' };

async function seed(store: Store, options: { status?: string; mode?: string; leads?: number; recycle?: unknown } = {}) {
  const now = Date.now();
  const tenantId = newId();
  await store.db.insertInto('tenants').values({ id: tenantId, name: 't', slug: `t-${tenantId}`, created_at: now, updated_at: now }).execute();
  const campaignId = newId();
  await store
    .tenant(tenantId)
    .insertInto('campaigns', {
      id: campaignId,
      name: 'c',
      status: options.status ?? 'running',
      dial_mode: options.mode ?? 'progressive',
      call_window: JSON.stringify(OPEN_ALL_DAY),
      amd_enabled: 1,
      recycle_rules: JSON.stringify(options.recycle ?? [{ outcome: 'busy', delayS: 600, maxAttempts: 3 }]),
      created_at: now,
      updated_at: now,
    })
    .execute();
  const listId = newId();
  await store.tenant(tenantId).insertInto('lists', { id: listId, campaign_id: campaignId, name: 'l', created_at: now, updated_at: now }).execute();
  const n = options.leads ?? 5;
  if (n > 0) {
    await store
      .tenant(tenantId)
      .insertInto(
        'leads',
        Array.from({ length: n }, (_, i) => ({
          list_id: listId,
          campaign_id: campaignId,
          phone: `+1212555${String(1000 + i)}`,
          priority: n - i,
          timezone: 'America/New_York',
          country: 'US',
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
  return { tenantId, campaignId, listId };
}

describe('dialer service (SQLite, in-process bus)', () => {
  let ctx: DaemonContext;
  let calls: FakeCallControl;
  let agents: FakeAgentPool;
  let service: DialerService;
  const seen: AnyMessage[] = [];

  beforeEach(async () => {
    ctx = await createTestContext({ nodeId: 'node-a' });
    calls = new FakeCallControl(ctx.bus, ctx.store);
    agents = new FakeAgentPool();
    seen.length = 0;
    await ctx.bus.subscribe('campaign.*', (m) => void seen.push(m));
  });
  afterEach(async () => {
    await service?.close();
    await ctx.close();
  });

  const make = () =>
    new DialerService({ store: ctx.store, bus: ctx.bus, clock: systemClock, log: silentLogger(), nodeId: 'node-a', callControl: calls, agents, settings: { tickMs: 30, leaseTtlMs: 3000 } });

  test('on boot it takes running campaigns and dials one line per ready agent (progressive), best leads first', async () => {
    const ids = await seed(ctx.store);
    agents.set(2);
    service = make();
    await service.start();
    assert.deepEqual(service.campaigns, [ids.campaignId]);
    assert.equal((await leaseOwner(ctx.store, ids.campaignId))?.owner, 'node-a');
    await waitFor(() => calls.requests.length >= 2);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(calls.requests.length, 2, 'no more lines than ready agents while the first two ring');
    const [r1] = calls.requests;
    assert.equal(r1!.phone, '+12125551000');
    assert.equal(r1!.amd, true);
    assert.equal(r1!.dropTimeoutMs, 2000);
    assert.equal(r1!.tenantId, ids.tenantId);
    const lead = await ctx.store.tenant(ids.tenantId).selectFrom('leads').selectAll().where('id', '=', r1!.leadId).executeTakeFirstOrThrow();
    assert.deepEqual([lead.status, lead.attempts, lead.claimed_by], ['in_progress', 1, 'node-a']);
  });

  test('call progress feeds the outcome back: busy is recycled, a connected human awaits the disposition, stats are counted', async () => {
    const ids = await seed(ctx.store, { leads: 2 });
    agents.set(2);
    service = make();
    await service.start();
    await waitFor(() => calls.requests.length === 2);
    const [busy, human] = calls.requests;
    agents.set(0, 2);
    await calls.end(busy!.callId, 'busy');
    await calls.progress(human!.callId, 'call.answered', { atMs: Date.now() });
    await calls.progress(human!.callId, 'call.amd', { result: 'HUMAN' });
    await calls.progress(human!.callId, 'call.connected', { agentId: 'agent-1', waitMs: 300 });
    await calls.end(human!.callId, 'human');
    const scope = ctx.store.tenant(ids.tenantId);
    const b = await waitFor(async () => {
      const l = await scope.selectFrom('leads').selectAll().where('id', '=', busy!.leadId).executeTakeFirstOrThrow();
      return l.status === 'callable' ? l : undefined;
    });
    assert.ok(b.next_call_after > Date.now() + 590_000 && b.next_call_after < Date.now() + 610_000, 'busy: retried after 10 minutes');
    assert.equal(b.disposition, 'auto:busy');
    const h = await waitFor(async () => {
      const l = await scope.selectFrom('leads').selectAll().where('id', '=', human!.leadId).executeTakeFirstOrThrow();
      return l.claimed_by === null ? l : undefined;
    });
    assert.ok(h.next_call_after > Date.now() + 23 * 3_600_000, 'waits for the agent\'s disposition');
    const stats = await waitFor(() => scope.selectFrom('campaign_daily_stats').selectAll().where('campaign_id', '=', ids.campaignId).executeTakeFirst());
    assert.deepEqual([stats.calls, stats.human_answered, stats.abandoned], [2, 1, 0]);
  });

  test('DNC is checked again at dial time', async () => {
    const ids = await seed(ctx.store, { leads: 1 });
    await addDnc(ctx.store, { scope: 'tenant', tenantId: ids.tenantId, phone: '+12125551000', nowMs: Date.now() });
    agents.set(1);
    service = make();
    await service.start();
    const lead = await waitFor(async () => {
      const l = await ctx.store.tenant(ids.tenantId).selectFrom('leads').selectAll().where('list_id', '=', ids.listId).executeTakeFirstOrThrow();
      return l.status === 'dnc' ? l : undefined;
    });
    assert.equal(lead.attempts, 0);
    assert.equal(calls.requests.length, 0);
  });

  test('campaign control: stop releases leads and the lease; start over cmd.campaign.control resumes and publishes campaign.state', async () => {
    const ids = await seed(ctx.store, { leads: 3 });
    agents.set(1);
    service = make();
    await service.start();
    await waitFor(() => calls.requests.length === 1);
    await ctx.store.tenant(ids.tenantId).updateTable('campaigns').set({ status: 'stopped' }).where('id', '=', ids.campaignId).execute();
    await ctx.bus.publish(createMessage('campaign.state', ids.tenantId, { campaignId: ids.campaignId, status: 'stopped' }));
    await waitFor(() => service.campaigns.length === 0);
    assert.equal(await leaseOwner(ctx.store, ids.campaignId), null);
    const held = await ctx.store.tenant(ids.tenantId).selectFrom('leads').select('id').where('claimed_by', '=', 'node-a').where('status', '=', 'in_progress').execute();
    assert.equal(held.length, 1, 'only the lead on the line stays claimed; the buffered ones went back');

    const reply = (await ctx.bus.request(createMessage('cmd.campaign.control', ids.tenantId, { campaignId: ids.campaignId, action: 'start' }, { replyTo: 'test' }))) as {
      status: string;
      changed: boolean;
    };
    assert.deepEqual([reply.status, reply.changed], ['running', true]);
    await waitFor(() => seen.some((m) => m.type === 'campaign.state' && m.data.status === 'running'));
    await waitFor(() => service.campaigns.includes(ids.campaignId));
    await assert.rejects(ctx.bus.request(createMessage('cmd.campaign.control', ids.tenantId, { campaignId: 'nope', action: 'start' }, { replyTo: 'test' })));
  });

  test('publishes campaign.stats every second and warns as the abandon rate nears the target', async () => {
    const ids = await seed(ctx.store, { leads: 0 });
    const day = new Date().toISOString().slice(0, 10);
    await ctx.store
      .tenant(ids.tenantId)
      .insertInto('campaign_daily_stats', { campaign_id: ids.campaignId, day, calls: 100, human_answered: 100, abandoned: 3 })
      .execute();
    agents.set(3, 1);
    service = make();
    await service.start();
    const stats = await waitFor(() => seen.find((m) => m.type === 'campaign.stats'), 3000);
    assert.equal(stats.type === 'campaign.stats' && stats.data.agents.ready, 3);
    const warning = await waitFor(() => seen.find((m) => m.type === 'campaign.abandon_rate.warning'), 3000);
    assert.ok(warning.type === 'campaign.abandon_rate.warning' && warning.data.rate === 0.03 && warning.data.target === 0.03);
  });

  test('an originate that fails puts the lead back without counting an attempt', async () => {
    const ids = await seed(ctx.store, { leads: 1 });
    calls.failNext = new Error('no Asterisk');
    agents.set(1);
    service = make();
    await service.start();
    const lead = await waitFor(async () => {
      const l = await ctx.store.tenant(ids.tenantId).selectFrom('leads').selectAll().where('list_id', '=', ids.listId).executeTakeFirstOrThrow();
      return l.status === 'callable' ? l : undefined;
    });
    assert.equal(lead.attempts, 0);
    assert.ok(lead.next_call_after > Date.now());
  });

  test('a call still up when its campaign stops is settled when it ends: the lead is recycled and counted', async () => {
    const ids = await seed(ctx.store, { leads: 1 });
    agents.set(1);
    service = make();
    await service.start();
    await waitFor(() => calls.requests.length === 1);
    await ctx.store.tenant(ids.tenantId).updateTable('campaigns').set({ status: 'stopped' }).where('id', '=', ids.campaignId).execute();
    await ctx.bus.publish(createMessage('campaign.state', ids.tenantId, { campaignId: ids.campaignId, status: 'stopped' }));
    await waitFor(() => service.campaigns.length === 0);

    await calls.end(calls.requests[0]!.callId, 'busy');

    const scope = ctx.store.tenant(ids.tenantId);
    const lead = await waitFor(async () => {
      const l = await scope.selectFrom('leads').selectAll().where('list_id', '=', ids.listId).executeTakeFirstOrThrow();
      return l.claimed_by === null ? l : undefined;
    });
    assert.deepEqual([lead.status, lead.disposition, lead.attempts], ['callable', 'auto:busy', 1]);
    const stats = await scope.selectFrom('campaign_daily_stats').selectAll().where('campaign_id', '=', ids.campaignId).executeTakeFirstOrThrow();
    assert.equal(stats.calls, 1, 'the compliance counters count the call');
  });

  test('long calls keep their leads claimed past the claim TTL', async () => {
    const ids = await seed(ctx.store, { leads: 1 });
    agents.set(1);
    service = new DialerService({ store: ctx.store, bus: ctx.bus, clock: systemClock, log: silentLogger(), nodeId: 'node-a', callControl: calls, agents, settings: { tickMs: 30, leaseTtlMs: 3000, claimTtlMs: 1500 } });
    await service.start();
    await waitFor(() => calls.requests.length === 1);
    const scope = ctx.store.tenant(ids.tenantId);
    const first = await scope.selectFrom('leads').select('claimed_until').where('list_id', '=', ids.listId).executeTakeFirstOrThrow();
    await waitFor(async () => {
      const l = await scope.selectFrom('leads').select('claimed_until').where('list_id', '=', ids.listId).executeTakeFirstOrThrow();
      return l.claimed_until! > first.claimed_until! ? l : undefined;
    }, 5000);
  });

  test('a preview dial of an agent is settled by the campaign\'s owner: attempts stay as counted, the lead is recycled', async () => {
    const ids = await seed(ctx.store, { leads: 1, mode: 'preview' });
    service = make();
    await service.start();
    const scope = ctx.store.tenant(ids.tenantId);
    const now = Date.now();
    const shown = await nextPreviewLead(ctx.store, { tenantId: ids.tenantId, campaignId: ids.campaignId, agentId: 'agent-7', nowMs: now });
    assert.ok(shown);
    const dial = await preparePreviewDial(ctx.store, { tenantId: ids.tenantId, campaignId: ids.campaignId, agentId: 'agent-7', leadId: Number(shown.lead.id), nowMs: now });
    await recordPreviewDial(ctx.store, { tenantId: ids.tenantId, campaignId: ids.campaignId, agentId: 'agent-7', nowMs: now, dial });
    const callId = newId();
    await scope.insertInto('calls', { id: callId, campaign_id: ids.campaignId, lead_id: dial.leadId, agent_id: 'agent-7', direction: 'manual', phone: dial.phone, state: 'ended', outcome: 'busy', created_at: now, updated_at: now }).execute();

    await ctx.bus.publish(
      createMessage('call.ended', ids.tenantId, { callId, campaignId: ids.campaignId, leadId: dial.leadId, direction: 'manual', outcome: 'busy', hangupBy: 'customer', abandoned: false, durationMs: 3000, talkMs: 0 }),
    );

    const lead = await waitFor(async () => {
      const l = await scope.selectFrom('leads').selectAll().where('id', '=', dial.leadId).executeTakeFirstOrThrow();
      return l.claimed_by === null ? l : undefined;
    });
    assert.deepEqual([lead.status, lead.disposition, lead.attempts], ['callable', 'auto:busy', 1]);
    assert.ok(Math.abs(lead.next_call_after - (now + 600_000)) < 5000, 'busy: the campaign\'s rule (10 minutes)');
    assert.equal(calls.requests.length, 0, 'the dialer never dials a preview campaign itself');
  });
});

describe('dialer service on PostgreSQL with two controller nodes', () => {
  test('a campaign is paced by one node at a time; the other takes over when the owner goes', async () => {
    const pgdb = await createTestPostgres();
    const sA = await openStore({ databaseUrl: pgdb.url, dataDir: '.', poolSize: 4 });
    const sB = await openStore({ databaseUrl: pgdb.url, dataDir: '.', poolSize: 4, migrate: false });
    const bus = new MemoryBus();
    const agents = new FakeAgentPool();
    const callsA = new FakeCallControl(bus, sA);
    const callsB = new FakeCallControl(bus, sB);
    const opts = { bus, clock: systemClock, log: silentLogger(), agents, settings: { tickMs: 30, leaseTtlMs: 3000 } };
    const a = new DialerService({ ...opts, store: sA, nodeId: 'A', callControl: callsA });
    const b = new DialerService({ ...opts, store: sB, nodeId: 'B', callControl: callsB });
    try {
      const ids = await seed(sA, { leads: 40 });
      agents.set(4);
      await a.start();
      await b.start();
      await waitFor(() => callsA.requests.length >= 4);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual([a.campaigns.length, b.campaigns.length], [1, 0]);
      assert.equal(callsB.requests.length, 0, 'B never dials A\'s campaign');
      // A dies holding its lease (its database connection goes first, so nothing is released):
      // B waits for the lease to expire, then paces.
      const lease = await leaseOwner(sB, ids.campaignId);
      await sA.close();
      await a.close();
      assert.equal((await leaseOwner(sB, ids.campaignId))?.owner, 'A');
      const wait = lease!.expiresAtMs - Date.now();
      if (wait > 800) await new Promise((r) => setTimeout(r, wait - 500));
      assert.equal(b.campaigns.length, 0, 'not before the lease expires');
      await waitFor(() => b.campaigns.length === 1, 6000);
      await waitFor(() => callsB.requests.length >= 1);
      const phones = [...callsA.requests, ...callsB.requests].map((r) => r.leadId);
      assert.equal(new Set(phones).size, phones.length, 'no lead dialled twice');
      assert.equal((await leaseOwner(sB, ids.campaignId))?.owner, 'B');
    } finally {
      await b.close();
      await a.close();
      await bus.close();
      await sB.close();
      await sA.close();
      await pgdb.drop();
    }
  });
});

test('a UK predictive campaign gets a pacer that budgets for AMD false positives; other modes get the published pacers', async () => {
  const { pacerForCampaign } = await import('../src/dialer/campaign-runner.js');
  const { PredictivePacer } = await import('@dialer/core');
  const base = { targetAbandonRate: 0.03, dialRatio: 2, amdFalsePositiveShare: 0.05 };
  const uk = pacerForCampaign({ ...base, dialMode: 'predictive', complianceMode: 'uk' });
  const us = pacerForCampaign({ ...base, dialMode: 'predictive', complianceMode: 'us' });
  assert.ok(uk instanceof PredictivePacer && us instanceof PredictivePacer);
  const flags = (p: unknown): { uk: boolean; fpShare: number } => p as { uk: boolean; fpShare: number };
  assert.equal(flags(uk).uk, true);
  assert.equal(flags(uk).fpShare, 0.05);
  assert.equal(flags(us).uk, false);
  assert.equal(pacerForCampaign({ ...base, dialMode: 'preview', complianceMode: 'uk' }), undefined);
  assert.equal(pacerForCampaign({ ...base, dialMode: 'manual', complianceMode: 'us' }), undefined);
  const ratio = pacerForCampaign({ ...base, dialMode: 'ratio', complianceMode: 'uk' })!;
  assert.equal(ratio.decide({ nowMs: 0, agentsAvailable: 3, agentsReady: 3, agentsOnCall: 0, agentsWrapUp: 0, callsDialing: 0, callsWaiting: 0 }), 6);
});
