// The dialer inside the real controller daemon, against the ARI simulator: a running
// predictive campaign with two SIP agents ready. The dialer takes leads from the hopper,
// originates them through the call flows, humans reach the agents, and every outcome
// goes back to its lead (attempts, recycling), the compliance counters and the CDRs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDisposition, createMessage, leaseOwner, newId } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { CAMPAIGN, settled, startHarness, TENANT, type Harness } from './support/harness.js';

const DAY_MS = 86_400_000;
// Who answers each lead's number (the simulator's outbound endpoint is Local/{digits}@sim-leads).
const PARTIES = {
  '12125551001': { kind: 'human', ringMs: 2000, hangupAfterMs: 20_000 },
  '12125551002': 'busy',
  '12125551003': 'noanswer',
  '12125551004': { kind: 'human', ringMs: 2000, hangupAfterMs: 20_000 },
  '12125551005': { kind: 'machine', ringMs: 2000 },
} as const;

async function seedLeads(h: Harness): Promise<{ setId: string; leads: Map<string, number> }> {
  const now = Date.now();
  const t = h.store.tenant(TENANT);
  const setId = newId();
  await t.insertInto('disposition_sets', { id: setId, name: 'Outcomes', created_at: now }).execute();
  await t.insertInto('dispositions', { id: newId(), set_id: setId, code: 'SALE', label: 'Sale', is_sale: 1, is_human: 1, is_final: 1, created_at: now }).execute();
  await t.updateTable('campaigns').set({ disposition_set_id: setId }).where('id', '=', CAMPAIGN).execute();
  const listId = newId();
  await t.insertInto('lists', { id: listId, campaign_id: CAMPAIGN, name: 'Leads', created_at: now, updated_at: now }).execute();
  const phones = Object.keys(PARTIES);
  await t
    .insertInto(
      'leads',
      phones.map((digits, i) => ({ list_id: listId, campaign_id: CAMPAIGN, phone: `+${digits}`, priority: phones.length - i, timezone: 'America/New_York', country: 'US', created_at: now, updated_at: now })),
    )
    .execute();
  const rows = await t.selectFrom('leads').select(['id', 'phone']).where('list_id', '=', listId).execute();
  return { setId, leads: new Map(rows.map((r) => [r.phone, Number(r.id)])) };
}

test('a running predictive campaign dials the hopper through the controller: humans reach agents, outcomes recycle leads and fill the CDRs, nothing leaks', async () => {
  const h = await startHarness({
    sim: { leads: PARTIES },
    agents: [
      { id: 'agent-1', sip: 'agent-1001' },
      { id: 'agent-2', sip: 'agent-1002' },
    ],
    campaign: {
      dial_mode: 'predictive',
      amd_enabled: 1,
      ring_timeout_s: 10,
      wrapup_s: 0,
      call_window: JSON.stringify({ start: '00:00', end: '24:00', timezone: 'UTC' }),
      recycle_rules: JSON.stringify([
        { outcome: 'busy', delayS: 600, maxAttempts: 3 },
        { outcome: 'no_answer', delayS: 7200 },
        { outcome: 'machine', delayS: 86_400 },
      ]),
    },
  });
  try {
    // Arrange: the dialer runs inside the daemon; two agents are logged in and ready.
    assert.ok(h.daemon.dialer, 'the controller daemon runs the dialer');
    const { leads } = await seedLeads(h);
    await h.loginSipAgent('agent-1');
    await h.loginSipAgent('agent-2');

    // Act: start the campaign the way the API and the CLI do.
    const reply = (await h.bus.request(createMessage('cmd.campaign.control', TENANT, { campaignId: CAMPAIGN, action: 'start' }), { timeoutMs: 5000 })) as { status: string; changed: boolean };
    assert.deepEqual([reply.status, reply.changed], ['running', true]);

    // Assert: every lead is dialled once, and every call ends.
    await waitFor(() => h.of('call.ended').length === leads.size, 60_000);
    const dialing = h.of('call.dialing');
    assert.equal(dialing.length, leads.size, 'one call per lead: recycled leads wait for their delay');
    assert.deepEqual(new Set(dialing.map((d) => Number(d.leadId))), new Set(leads.values()));
    assert.ok(dialing.every((d) => d.campaignId === CAMPAIGN && d.direction === 'outbound'));
    assert.equal((await leaseOwner(h.store, CAMPAIGN))?.owner, 'node-a');

    // Never more lines than agents while the pacer has no abandon budget (it dials progressively).
    let live = 0;
    let most = 0;
    for (const m of h.messages) {
      if (m.type === 'call.dialing') most = Math.max(most, ++live);
      else if (m.type === 'call.ended') live--;
    }
    assert.ok(most <= 2, `at most one line per ready agent (saw ${most})`);

    // Humans reached the agents; nobody was abandoned.
    const humans = [leads.get('+12125551001')!, leads.get('+12125551004')!];
    const ended = h.of('call.ended');
    const connected = h.of('call.connected');
    assert.equal(connected.length, 2);
    assert.deepEqual(new Set(connected.map((c) => Number(c.leadId))), new Set(humans));
    assert.ok(connected.every((c) => c.agentId === 'agent-1' || c.agentId === 'agent-2'));
    assert.ok(ended.every((e) => !e.abandoned));
    const outcomeOf = (phone: string) => ended.find((e) => Number(e.leadId) === leads.get(phone))?.outcome;
    assert.deepEqual(
      ['+12125551001', '+12125551002', '+12125551003', '+12125551004', '+12125551005'].map(outcomeOf),
      ['human', 'busy', 'no_answer', 'human', 'machine'],
    );

    // Leads: one attempt each, recycled by the campaign's rules; connected humans wait for their disposition.
    const t = h.store.tenant(TENANT);
    const byPhone = async () => new Map((await t.selectFrom('leads').selectAll().execute()).map((l) => [l.phone, l]));
    const rows = await waitFor(async () => {
      const m = await byPhone();
      return [...m.values()].every((l) => l.claimed_by === null) ? m : undefined;
    }, 10_000);
    for (const l of rows.values()) {
      assert.equal(l.attempts, 1, `${l.phone}: one attempt`);
      assert.equal(l.status, 'callable', `${l.phone}: back in the hopper, later`);
      assert.ok(l.last_call_at !== null);
    }
    const due = (phone: string) => rows.get(phone)!.next_call_after - rows.get(phone)!.last_call_at!;
    assert.equal(rows.get('+12125551002')!.disposition, 'auto:busy');
    assert.ok(Math.abs(due('+12125551002') - 600_000) < 60_000, 'busy: again after 10 minutes');
    assert.equal(rows.get('+12125551003')!.disposition, 'auto:no_answer');
    assert.ok(Math.abs(due('+12125551003') - 7_200_000) < 60_000, 'no answer: again after 2 hours');
    assert.equal(rows.get('+12125551005')!.disposition, 'auto:machine');
    assert.ok(Math.abs(due('+12125551005') - DAY_MS) < 60_000, 'machine: again the next day');
    for (const id of humans) {
      const l = [...rows.values()].find((r) => Number(r.id) === id)!;
      assert.ok(due(l.phone) > 23 * 3_600_000, 'a connected human waits for the agent\'s disposition');
    }

    // Compliance counters and CDRs.
    const stats = await t.selectFrom('campaign_daily_stats').selectAll().where('campaign_id', '=', CAMPAIGN).executeTakeFirstOrThrow();
    assert.deepEqual([stats.calls, stats.human_answered, stats.machine, stats.abandoned], [5, 2, 1, 0]);
    await settled(h);
    const cdrs = await h.cdrs();
    assert.equal(cdrs.length, 5, 'one CDR per call');
    for (const c of cdrs) {
      assert.equal(c['campaign_id'], CAMPAIGN);
      assert.ok(humans.includes(Number(c['lead_id'])) === (c['outcome'] === 'human'));
      if (c['outcome'] === 'human') assert.ok(c['agent_id'] === 'agent-1' || c['agent_id'] === 'agent-2');
    }
    assert.equal(cdrs.find((c) => Number(c['lead_id']) === leads.get('+12125551005'))!['amd_status'], 'MACHINE');

    // The agent's disposition settles the lead and the CDR.
    const sold = connected[0]!;
    const result = await applyDisposition(h.store, { tenantId: TENANT, callId: sold.callId, code: 'SALE', agentId: sold.agentId, nowMs: Date.now() });
    assert.equal(result.leadStatus, 'done');
    const cdr = await t.selectFrom('cdrs').select('disposition').where('call_id', '=', sold.callId).executeTakeFirstOrThrow();
    assert.equal(cdr.disposition, 'SALE');

    // Stopping the campaign gives the lease back; no lead is left claimed, nothing is left on the PBX.
    await h.bus.request(createMessage('cmd.campaign.control', TENANT, { campaignId: CAMPAIGN, action: 'stop' }), { timeoutMs: 5000 });
    await waitFor(() => h.daemon.dialer!.campaigns.length === 0, 10_000);
    assert.equal(await leaseOwner(h.store, CAMPAIGN), null);
    const claimed = await t.selectFrom('leads').select('id').where((eb) => eb.or([eb('status', '=', 'in_progress'), eb('claimed_by', 'is not', null)])).execute();
    assert.deepEqual(claimed, []);
    assert.ok((await h.calls()).every((c) => c['state'] === 'ended'));
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
    assert.deepEqual(h.sim.violations, []);
  } finally {
    await h.close();
  }
});
