import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  abandonReport,
  acquireLease,
  addDnc,
  applyDisposition,
  campaignZones,
  checkDnc,
  claimDueCallbacks,
  claimLeads,
  exportCallResultsCsv,
  exportLeadsCsv,
  importDnc,
  isDialerError,
  leaseOwner,
  listDnc,
  newId,
  openStore,
  openZones,
  parseCallWindow,
  recordAttempt,
  recordCallResult,
  recoverExpiredClaims,
  releaseLead,
  releaseLease,
  removeDnc,
  scheduleCallback,
  searchLeads,
  type SqlDialect,
  type Store,
} from '@dialer/core';
import { createTestPostgres, openTestStore } from '@dialer/core/testing';
import { T0, csv, insertLeads, seedCampaign } from './fixtures/dialer.js';

async function collect(gen: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const c of gen) s += c;
  return s;
}

for (const dialect of ['sqlite', 'postgres'] as SqlDialect[]) {
  describe(`dialer store operations on ${dialect}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ store, cleanup } = await openTestStore(dialect));
    });
    after(async () => {
      await cleanup();
    });

    test('DNC: scopes, area-code wildcards, expiry, removal, import', async () => {
      const a = await seedCampaign(store);
      const b = await seedCampaign(store);
      await addDnc(store, { scope: 'tenant', tenantId: a.tenantId, phone: '212 736 5000', nowMs: T0 });
      await addDnc(store, { scope: 'campaign', tenantId: a.tenantId, campaignId: a.campaignId, phone: '+1646*', nowMs: T0 });
      await addDnc(store, { scope: 'global', phone: '+19175550100', nowMs: T0, expiresAtMs: T0 + 1000 });
      const ctxA = { tenantId: a.tenantId, campaignId: a.campaignId, nowMs: T0 };
      assert.deepEqual(await checkDnc(store, ctxA, '+12127365000'), { scope: 'tenant', entry: '+12127365000', isPrefix: false, reason: null });
      assert.equal((await checkDnc(store, ctxA, '+16465550123'))?.entry, '+1646');
      assert.equal(await checkDnc(store, { ...ctxA, campaignId: null }, '+16465550123'), null, 'the wildcard is the campaign\'s only');
      assert.equal(await checkDnc(store, { tenantId: b.tenantId, nowMs: T0 }, '+12127365000'), null, 'another tenant\'s list does not apply');
      assert.equal((await checkDnc(store, ctxA, '+19175550100'))?.scope, 'global');
      assert.equal(await checkDnc(store, { ...ctxA, nowMs: T0 + 2000 }, '+19175550100'), null, 'expired');
      assert.equal(await removeDnc(store, { scope: 'tenant', tenantId: a.tenantId, phone: '+12127365000' }), true);
      assert.equal(await checkDnc(store, ctxA, '+12127365000'), null);
      await assert.rejects(addDnc(store, { scope: 'tenant', tenantId: a.tenantId, phone: 'nope', nowMs: T0 }), (e: unknown) => isDialerError(e) && e.code === 'DIALER_ERR_PHONE_INVALID');
      await assert.rejects(addDnc(store, { scope: 'global', tenantId: a.tenantId, phone: '+12127365000', nowMs: T0 }), (e: unknown) => isDialerError(e) && e.code === 'DIALER_ERR_VALIDATION');

      const rep = await importDnc(store, { scope: 'tenant', tenantId: b.tenantId, source: csv('phone,name\n2127365001,x\nbad,y\n+1718*,z\n2127365001,x\n'), nowMs: T0 });
      assert.equal(rep.added, 2);
      assert.equal(rep.invalid, 1);
      assert.deepEqual(rep.errors, [{ row: 2, reason: rep.errors[0]!.reason }]);
      const listed = await listDnc(store, { scope: 'tenant', tenantId: b.tenantId });
      assert.deepEqual(listed.map((e) => [e.phone, e.isPrefix]), [['+1718', true], ['+12127365001', false]].sort());
    });

    test('hopper: priority order, due time, open zones, and claims are exclusive', async () => {
      const ids = await seedCampaign(store);
      const [p1, p5, later, la, done] = await insertLeads(store, ids, [
        { phone: '+12127360001', priority: 1 },
        { phone: '+12127360002', priority: 5 },
        { phone: '+12127360003', priority: 9, nextCallAfter: T0 + 60_000 },
        { phone: '+14155550001', priority: 9, timezone: 'America/Los_Angeles' },
        { phone: '+12127360005', priority: 9, status: 'done' },
      ]);
      // 15:00 UTC: 11:00 in New York, 08:00 in Los Angeles: the 09:00-21:00 window is open only in New York.
      const window = parseCallWindow({ start: '09:00', end: '21:00' });
      const zones = openZones(window, await campaignZones(store, ids.tenantId, ids.campaignId), T0);
      assert.deepEqual(zones.zones, ['America/New_York']);
      const first = await claimLeads(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'n1', limit: 10, nowMs: T0, zones: zones.zones });
      assert.deepEqual(first.map((l) => l.id), [p5, p1]);
      const again = await claimLeads(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'n2', limit: 10, nowMs: T0, zones: zones.zones });
      assert.deepEqual(again, [], 'claimed leads are not handed out twice');
      void later;
      void la;
      void done;
      // Release one back with a new due time; it comes back only then.
      assert.equal(await releaseLead(store, ids.tenantId, 'n1', p1, { status: 'callable', nextCallAfter: T0 + 30_000 }, T0), true);
      assert.equal(await releaseLead(store, ids.tenantId, 'n2', p5, { status: 'callable' }, T0), false, 'only the holder releases');
      const at31 = await claimLeads(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'n2', limit: 10, nowMs: T0 + 31_000, zones: zones.zones });
      assert.deepEqual(at31.map((l) => l.id), [p1]);
      // A node that dies: its claims expire and return.
      assert.equal(await recoverExpiredClaims(store, T0 + 3_600_000), 2);
      const lead = await store.tenant(ids.tenantId).selectFrom('leads').selectAll().where('id', '=', p5).executeTakeFirstOrThrow();
      assert.equal(lead.status, 'callable');
    });

    test('hopper: lead orders (newest, oldest call, random, list mix)', async () => {
      const ids = await seedCampaign(store);
      const got = await insertLeads(store, ids, [
        { phone: '+12127361001', lastCallAt: T0 - 1000 },
        { phone: '+12127361002', lastCallAt: null },
        { phone: '+12127361003', lastCallAt: T0 - 5000 },
      ]);
      const claim = async (order: 'newest' | 'oldest_call' | 'random', extra = {}) => {
        const r = await claimLeads(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'n', limit: 3, nowMs: T0, order, ...extra });
        await store.tenant(ids.tenantId).updateTable('leads').set({ status: 'callable', claimed_by: null }).where('list_id', '=', ids.listId).execute();
        return r.map((l) => l.id);
      };
      assert.deepEqual(await claim('newest'), [got[2], got[1], got[0]]);
      const oldest = await claim('oldest_call');
      assert.equal(oldest[0], got[1], 'never called first');
      assert.equal(oldest.length, 3);
      assert.deepEqual((await claim('random', { random: 0.99 })).sort(), [...got].sort());

      const list2 = newId();
      await store.tenant(ids.tenantId).insertInto('lists', { id: list2, campaign_id: ids.campaignId, name: 'l2', created_at: T0, updated_at: T0 }).execute();
      await insertLeads(store, { ...ids, listId: list2 }, [{ phone: '+12127362001' }, { phone: '+12127362002' }, { phone: '+12127362003' }]);
      const mix = await claimLeads(store, {
        tenantId: ids.tenantId,
        campaignId: ids.campaignId,
        nodeId: 'n',
        limit: 4,
        nowMs: T0,
        order: 'list_mix',
        listMix: [
          { listId: ids.listId, weight: 1 },
          { listId: list2, weight: 1 },
        ],
      });
      assert.equal(mix.filter((l) => l.listId === ids.listId).length, 2);
      assert.equal(mix.filter((l) => l.listId === list2).length, 2);
    });

    test('dispositions update lead, call and CDR; DNC and callbacks; callbacks come back when due', async () => {
      const ids = await seedCampaign(store);
      const [l1, l2, l3] = await insertLeads(store, ids, [{ phone: '+12127363001' }, { phone: '+12127363002' }, { phone: '+12127363003' }]);
      const agentUser = newId();
      await store.tenant(ids.tenantId).insertInto('users', { id: agentUser, email: `${agentUser}@x`, name: 'a', role: 'agent', created_at: T0, updated_at: T0 }).execute();
      const mkCall = async (leadId: number, phone: string) => {
        const id = newId();
        await store.tenant(ids.tenantId).insertInto('calls', { id, campaign_id: ids.campaignId, lead_id: leadId, direction: 'outbound', phone, state: 'ended', created_at: T0, updated_at: T0 }).execute();
        await store
          .tenant(ids.tenantId)
          .insertInto('cdrs', { id: newId(), call_id: id, campaign_id: ids.campaignId, lead_id: leadId, direction: 'outbound', phone, start_at: T0, end_at: T0 + 60_000, duration_ms: 60_000, talk_ms: 50_000, created_at: T0 })
          .execute();
        return id;
      };
      const c1 = await mkCall(l1, '+12127363001');
      const r1 = await applyDisposition(store, { tenantId: ids.tenantId, callId: c1, code: 'DNC', agentId: 'agent-1', nowMs: T0 });
      assert.equal(r1.leadStatus, 'dnc');
      assert.equal(r1.dncAdded, true);
      assert.equal((await checkDnc(store, { tenantId: ids.tenantId, nowMs: T0 }, '+12127363001'))?.scope, 'tenant');
      const cdr = await store.tenant(ids.tenantId).selectFrom('cdrs').select('disposition').where('call_id', '=', c1).executeTakeFirstOrThrow();
      assert.equal(cdr.disposition, 'DNC');

      const c2 = await mkCall(l2, '+12127363002');
      const r2 = await applyDisposition(store, { tenantId: ids.tenantId, callId: c2, code: 'CB', agentId: 'agent-1', callbackAtMs: T0 + 3_600_000, nowMs: T0 });
      assert.equal(r2.leadStatus, 'callback');
      assert.ok(r2.callbackId);
      // Not due yet; then due, but only when its agent is ready.
      assert.deepEqual(await claimDueCallbacks(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'n', limit: 5, nowMs: T0 + 60_000, readyAgentIds: ['agent-1'] }), []);
      assert.deepEqual(await claimDueCallbacks(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'n', limit: 5, nowMs: T0 + 3_600_001, readyAgentIds: ['agent-2'] }), []);
      const due = await claimDueCallbacks(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'n', limit: 5, nowMs: T0 + 3_600_001, readyAgentIds: ['agent-1'] });
      assert.deepEqual(due.map((l) => [l.id, l.callbackAgentId]), [[l2, 'agent-1']]);

      const c3 = await mkCall(l3, '+12127363003');
      const r3 = await applyDisposition(store, { tenantId: ids.tenantId, callId: c3, code: 'NI', nowMs: T0 });
      assert.equal(r3.leadStatus, 'callable');
      assert.equal(r3.nextCallAfterMs, T0 + 7_200_000);
      await assert.rejects(applyDisposition(store, { tenantId: ids.tenantId, callId: c3, code: 'NOPE', nowMs: T0 }), (e: unknown) => isDialerError(e) && e.code === 'DIALER_ERR_VALIDATION');
      await assert.rejects(applyDisposition(store, { tenantId: ids.tenantId, callId: 'missing', code: 'NI', nowMs: T0 }), (e: unknown) => isDialerError(e) && e.code === 'DIALER_ERR_NOT_FOUND');
      await assert.rejects(applyDisposition(store, { tenantId: ids.tenantId, callId: c3, code: 'CB', nowMs: T0 }), (e: unknown) => isDialerError(e) && e.code === 'DIALER_ERR_VALIDATION');

      const cb = await scheduleCallback(store, { tenantId: ids.tenantId, leadId: l3, campaignId: ids.campaignId, dueAtMs: T0 + 1000, nowMs: T0 });
      assert.ok(cb);
      const anyone = await claimDueCallbacks(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'n', limit: 5, nowMs: T0 + 2000 });
      assert.deepEqual(anyone.map((l) => [l.id, l.callbackAgentId]), [[l3, null]]);
    });

    test('attempts, export to CSV and search', async () => {
      const ids = await seedCampaign(store);
      const [l1] = await insertLeads(store, ids, [{ phone: '+12127364001' }, { phone: '+12127364002' }]);
      await recordAttempt(store, ids.tenantId, l1!, '2026-03-10', T0);
      await recordAttempt(store, ids.tenantId, l1!, '2026-03-10', T0 + 1);
      await recordAttempt(store, ids.tenantId, l1!, '2026-03-11', T0 + 2);
      const lead = await store.tenant(ids.tenantId).selectFrom('leads').selectAll().where('id', '=', l1!).executeTakeFirstOrThrow();
      assert.deepEqual([lead.attempts, lead.day_attempts, lead.day_key], [3, 1, '2026-03-11']);
      await store.tenant(ids.tenantId).updateTable('leads').set({ first_name: '=cmd|calc', last_name: 'O"Neil, Jr' }).where('id', '=', l1!).execute();
      const out = await collect(exportLeadsCsv(store, ids.tenantId, { listId: ids.listId }));
      const lines = out.trim().split('\r\n');
      assert.equal(lines.length, 3);
      assert.match(lines[0]!, /^id,list_id,campaign_id,phone/);
      assert.match(lines[1]!, /'=cmd\|calc,"O""Neil, Jr"/);
      const found = await searchLeads(store, ids.tenantId, { q: '(212) 736-4002' });
      assert.deepEqual(found.map((f) => f.phone), ['+12127364002']);
      const byName = await searchLeads(store, ids.tenantId, { q: 'o"n' });
      assert.deepEqual(byName.map((f) => f.id), [l1]);
      await store
        .tenant(ids.tenantId)
        .insertInto('cdrs', { id: newId(), call_id: newId(), campaign_id: ids.campaignId, lead_id: l1!, direction: 'outbound', phone: '+12127364001', start_at: T0, end_at: T0 + 1000, duration_ms: 1000, talk_ms: 0, outcome: 'busy', created_at: T0 })
        .execute();
      const calls = await collect(exportCallResultsCsv(store, ids.tenantId, { campaignId: ids.campaignId, fromMs: T0 - 1, toMs: T0 + 1 }));
      assert.equal(calls.trim().split('\r\n').length, 2);
      assert.match(calls, /busy/);
    });

    test('abandon accounting: daily counters, rolling 30 days, UK 24 h with AMD false positives', async () => {
      const ids = await seedCampaign(store);
      for (let i = 0; i < 100; i++) await recordCallResult(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, atMs: T0, human: true, machine: false, abandoned: i < 2, talkMs: 1000, waitMs: 0 });
      for (let i = 0; i < 50; i++) await recordCallResult(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, atMs: T0 - 10 * 86_400_000, human: true, machine: false, abandoned: i < 4, talkMs: 0, waitMs: 0 });
      for (let i = 0; i < 10; i++) await recordCallResult(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, atMs: T0, human: false, machine: true, abandoned: false, talkMs: 0, waitMs: 0 });
      const us = await abandonReport(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, mode: 'us', nowMs: T0 });
      assert.equal(us.window, '30d');
      assert.deepEqual([us.counters.humans, us.counters.abandoned], [150, 6]);
      assert.equal(us.rate, 0.04);
      assert.equal(us.today.rate, 0.02);
      // UK reads the calls of the last 24 h.
      for (let i = 0; i < 20; i++) {
        await store
          .tenant(ids.tenantId)
          .insertInto('calls', { id: newId(), campaign_id: ids.campaignId, direction: 'outbound', phone: '+1', state: 'ended', outcome: i < 10 ? 'human' : 'machine', abandoned: i === 0 ? 1 : 0, created_at: T0 - 1000, updated_at: T0 })
          .execute();
      }
      const uk = await abandonReport(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, mode: 'uk', nowMs: T0, amdFalsePositiveShare: 0.1 });
      assert.equal(uk.window, '24h');
      assert.deepEqual(uk.counters, { humans: 10, abandoned: 1, amdFalsePositiveEst: 1 });
      assert.ok(Math.abs(uk.rate - 2 / 11) < 1e-9);
    });

    test('campaign lease: one owner at a time, taken over when it expires', async () => {
      const ids = await seedCampaign(store);
      const a = await acquireLease(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'a', nowMs: T0, ttlMs: 10_000 });
      const b = await acquireLease(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'b', nowMs: T0 + 1000, ttlMs: 10_000 });
      assert.deepEqual([a.held, b.held, b.owner], [true, false, 'a']);
      const renewed = await acquireLease(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'a', nowMs: T0 + 5000, ttlMs: 10_000 });
      assert.deepEqual([renewed.held, renewed.epoch], [true, 1]);
      const taken = await acquireLease(store, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: 'b', nowMs: T0 + 16_000, ttlMs: 10_000 });
      assert.deepEqual([taken.held, taken.epoch], [true, 2]);
      await releaseLease(store, ids.campaignId, 'a');
      assert.equal((await leaseOwner(store, ids.campaignId))?.owner, 'b', 'a stale holder cannot release');
    });
  });
}

describe('PostgreSQL: concurrent claims with SKIP LOCKED and leases across two pools', () => {
  test('two nodes claiming at once get disjoint leads; only one wins a lease', async () => {
    const pgdb = await createTestPostgres();
    const s1 = await openStore({ databaseUrl: pgdb.url, dataDir: '.', poolSize: 4 });
    const s2 = await openStore({ databaseUrl: pgdb.url, dataDir: '.', poolSize: 4, migrate: false });
    try {
      const ids = await seedCampaign(s1);
      const rows = Array.from({ length: 400 }, (_, i) => ({ phone: `+1212737${String(i).padStart(4, '0')}`, priority: i % 7 }));
      await insertLeads(s1, ids, rows);
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          claimLeads(i % 2 ? s2 : s1, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: `node${i % 2}`, limit: 50, nowMs: T0 }),
        ),
      );
      const all = claims.flat().map((l) => l.id);
      assert.equal(all.length, 400);
      assert.equal(new Set(all).size, 400, 'no lead claimed twice');
      const leases = await Promise.all(
        ['x', 'y', 'z', 'w'].map((n, i) => acquireLease(i % 2 ? s2 : s1, { tenantId: ids.tenantId, campaignId: ids.campaignId, nodeId: n, nowMs: T0, ttlMs: 5000 })),
      );
      assert.equal(leases.filter((l) => l.held).length, 1);
    } finally {
      await s2.close();
      await s1.close();
      await pgdb.drop();
    }
  });
});
