import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { addDnc, type Message } from '@dialer/core';
import { bearer, testApp } from './helpers.js';

// Preview mode: the agent sees the next lead of a running preview campaign, then dials or skips it.
let t: Awaited<ReturnType<typeof testApp>>;
const originates: Message<'cmd.call.originate'>['data'][] = [];
let refuse: Error | undefined;

before(async () => {
  t = await testApp();
  // The test plays the call controller: it answers the originate the API sends.
  await t.ctx.bus.handle('cmd.call.originate', (m) => {
    if (refuse) throw refuse;
    originates.push(m.data);
    return { callId: `call-${originates.length}` };
  });
});
after(async () => {
  await t.close();
});

const HIGH = '+12125550111';
const LOW = '+12125550112';
let leadHigh = 0;
let leadLow = 0;

beforeEach(async () => {
  originates.length = 0;
  refuse = undefined;
  const now = Date.now();
  const db = t.ctx.store.tenant(t.a.tenantId);
  await db.deleteFrom('leads').where('list_id', '=', t.a.listId).where('phone', 'in', [HIGH, LOW]).execute();
  await db.updateTable('leads').set({ status: 'done', claimed_by: null, claimed_until: null }).where('id', '=', t.a.leadId).execute();
  await db
    .updateTable('campaigns')
    .set({ dial_mode: 'preview', status: 'running', call_window: JSON.stringify({ start: '00:00', end: '24:00', timezone: 'UTC' }) })
    .where('id', '=', t.a.campaignId)
    .execute();
  const lead = (phone: string, priority: number) => ({ list_id: t.a.listId, campaign_id: t.a.campaignId, phone, first_name: 'Pat', priority, timezone: 'America/New_York', country: 'US', created_at: now, updated_at: now });
  leadHigh = Number((await db.insertInto('leads', lead(HIGH, 5)).returning('id').executeTakeFirstOrThrow()).id);
  leadLow = Number((await db.insertInto('leads', lead(LOW, 1)).returning('id').executeTakeFirstOrThrow()).id);
});

const agent = () => bearer(t.tokens['a.agent']!);
const post = (url: string, payload?: object, headers = agent()) => t.app.inject({ method: 'POST', url: `/api/v1/campaigns/${t.a.campaignId}/preview/${url}`, headers, ...(payload ? { payload } : {}) });
const leadRow = (id: number) => t.ctx.store.tenant(t.a.tenantId).selectFrom('leads').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

test('next reserves the best lead for the agent through the hopper, and shows the same one until it is dialled or skipped', async () => {
  const res = await post('next');
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.lead.id, leadHigh, 'highest priority first');
  assert.equal(body.dialPhone, HIGH);
  assert.equal(body.callback, null);
  assert.ok(body.reservedUntil > Date.now() + 14 * 60_000);
  const row = await leadRow(leadHigh);
  assert.deepEqual([row.status, row.claimed_by], ['in_progress', `agent:${t.a.agentId}`]);

  const again = await post('next');
  assert.equal(again.json().lead.id, leadHigh, 'one preview lead at a time');
  assert.equal((await leadRow(leadLow)).status, 'new', 'the other lead was not claimed');
});

test('skip gives the lead back for a while and the next request brings another lead', async () => {
  await post('next');
  const res = await post('skip', { leadId: leadHigh });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().leadId, leadHigh);
  const row = await leadRow(leadHigh);
  assert.deepEqual([row.status, row.claimed_by], ['new', null]);
  assert.ok(row.next_call_after > Date.now() + 9 * 60_000, 'not offered again at once');

  const next = await post('next');
  assert.equal(next.json().lead.id, leadLow);
  const twice = await post('skip', { leadId: leadHigh });
  assert.equal(twice.statusCode, 409, 'a lead the agent does not hold');
  assert.equal(twice.json().error.code, 'DIALER_ERR_CONFLICT');
});

test('dial originates through the controller as the agent, counts the attempt and keeps the lead reserved for the call', async () => {
  await post('next');
  const res = await post('dial', { leadId: leadHigh });
  assert.equal(res.statusCode, 202, res.body);
  assert.deepEqual(res.json(), { ok: true, result: { callId: 'call-1' } });
  assert.deepEqual(originates, [{ phone: HIGH, campaignId: t.a.campaignId, leadId: leadHigh, agentId: t.a.agentId }]);
  const row = await leadRow(leadHigh);
  assert.equal(row.attempts, 1);
  assert.deepEqual([row.status, row.claimed_by], ['in_progress', `agent-call:${t.a.agentId}`]);
  assert.ok(row.claimed_until! > Date.now() + 3 * 3_600_000);

  // While the call is up, the lead is neither shown again nor dialled twice.
  assert.equal((await post('next')).json().lead.id, leadLow);
  assert.equal((await post('dial', { leadId: leadHigh })).statusCode, 409);
  assert.equal(originates.length, 1);
});

test('a refused originate leaves the lead with the agent, without an attempt', async () => {
  await post('next');
  refuse = Object.assign(new Error('agent is not ready'), { code: 'DIALER_ERR_AGENT_STATE' });
  const res = await post('dial', { leadId: leadHigh });
  assert.ok(res.statusCode >= 400, res.body);
  const row = await leadRow(leadHigh);
  assert.deepEqual([row.attempts, row.claimed_by], [0, `agent:${t.a.agentId}`]);
});

test('dial checks the lead again: a number put on DNC meanwhile is refused and leaves the hopper', async () => {
  await post('next');
  await addDnc(t.ctx.store, { scope: 'tenant', tenantId: t.a.tenantId, phone: HIGH, nowMs: Date.now() });
  const res = await post('dial', { leadId: leadHigh });
  assert.equal(res.statusCode, 403, res.body);
  assert.equal(res.json().error.code, 'DIALER_ERR_DNC');
  assert.deepEqual(originates, []);
  const row = await leadRow(leadHigh);
  assert.deepEqual([row.status, row.claimed_by, row.attempts], ['dnc', null, 0]);
  // DNC leads are never shown either.
  assert.equal((await post('next')).json().lead.id, leadLow);
});

test('due callbacks come first, with their details; a skipped callback stays pending', async () => {
  const db = t.ctx.store.tenant(t.a.tenantId);
  await db.updateTable('leads').set({ status: 'callback' }).where('id', '=', leadLow).execute();
  await db.updateTable('callbacks').set({ lead_id: leadLow, due_at: Date.now() - 1000, status: 'pending', notes: 'after 5pm' }).where('id', '=', t.a.callbackId).execute();
  const res = await post('next');
  const body = res.json();
  assert.equal(body.lead.id, leadLow);
  assert.deepEqual([body.callback.id, body.callback.notes, body.callback.agentOnly], [t.a.callbackId, 'after 5pm', true]);
  await post('skip', { leadId: leadLow });
  const cb = await db.selectFrom('callbacks').selectAll().where('id', '=', t.a.callbackId).executeTakeFirstOrThrow();
  assert.equal(cb.status, 'pending');
  assert.ok(cb.due_at > Date.now() + 9 * 60_000);
  assert.equal((await leadRow(leadLow)).status, 'callback');
  await db.updateTable('callbacks').set({ status: 'done' }).where('id', '=', t.a.callbackId).execute();
});

test('only running preview campaigns; an empty hopper answers lead: null', async () => {
  const db = t.ctx.store.tenant(t.a.tenantId);
  await db.updateTable('campaigns').set({ dial_mode: 'predictive' }).where('id', '=', t.a.campaignId).execute();
  const wrongMode = await post('next');
  assert.equal(wrongMode.statusCode, 409);
  assert.equal(wrongMode.json().error.code, 'DIALER_ERR_CAMPAIGN_STATE');
  await db.updateTable('campaigns').set({ dial_mode: 'preview', status: 'paused' }).where('id', '=', t.a.campaignId).execute();
  assert.equal((await post('next')).statusCode, 409);
  await db.updateTable('campaigns').set({ status: 'running' }).where('id', '=', t.a.campaignId).execute();
  await db.updateTable('leads').set({ status: 'done' }).where('id', 'in', [leadHigh, leadLow]).execute();
  const empty = await post('next');
  assert.equal(empty.statusCode, 200);
  assert.deepEqual(empty.json(), { lead: null, dialPhone: null, callback: null, reservedUntil: null });
});

test('denials: other roles get 403; another team\'s or tenant\'s campaign is 404 and nothing is claimed', async () => {
  for (const role of ['admin', 'supervisor', 'developer']) {
    for (const [path, body] of [['next', undefined], ['skip', { leadId: leadHigh }], ['dial', { leadId: leadHigh }]] as const) {
      const res = await post(path, body, bearer(t.tokens[`a.${role}`]!));
      assert.equal(res.statusCode, 403, `${role} ${path}`);
      assert.equal(res.json().error.code, 'DIALER_ERR_FORBIDDEN');
    }
  }
  // agent2 (team B) is not assigned to campaign A; tenant B's agent does not see tenant A at all.
  for (const token of [t.tokens['a.agent2']!, t.tokens['b.agent']!]) {
    for (const [path, body] of [['next', undefined], ['skip', { leadId: leadHigh }], ['dial', { leadId: leadHigh }]] as const) {
      const res = await post(path, body, bearer(token));
      assert.equal(res.statusCode, 404, `${path}: ${res.body}`);
      assert.equal(res.json().error.code, 'DIALER_ERR_NOT_FOUND');
    }
  }
  const rows = await t.ctx.store.tenant(t.a.tenantId).selectFrom('leads').select('claimed_by').where('id', 'in', [leadHigh, leadLow]).execute();
  assert.ok(rows.every((r) => r.claimed_by === null));
  assert.deepEqual(originates, []);
});
