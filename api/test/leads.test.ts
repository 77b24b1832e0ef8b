import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyMessage } from '@dialer/core';
import { bearer, testApp } from './helpers.js';

let t: Awaited<ReturnType<typeof testApp>>;
before(async () => {
  t = await testApp({ config: { uploadLimitBytes: 64 * 1024 } });
});
after(async () => {
  await t.close();
});

const mapping = encodeURIComponent(JSON.stringify({ columns: { Phone: 'phone', First: 'first_name', Plan: 'custom.plan' }, defaultCountry: 'US' }));

test('a CSV import streams into a list and reports every row it did not take, with row numbers', async () => {
  const h = bearer(t.tokens['a.supervisor']!);
  await t.app.inject({ method: 'POST', url: '/api/v1/dnc', headers: h, payload: { phone: '+1 (646) 555-0100', reason: 'asked' } });
  const csv = ['Phone,First,Plan', '(212) 555-0111,Ann,gold', 'not a phone,Bob,x', '212-555-0111,Dup,x', '+16465550100,OnDnc,x', '2125550112,Cy,silver', ''].join('\n');
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/lists/${t.a.listId}/imports?mapping=${mapping}&fileName=leads.csv`, headers: { ...h, 'content-type': 'text/csv' }, payload: csv });
  assert.equal(res.statusCode, 201, res.body);
  const r = res.json();
  assert.deepEqual({ imported: r.imported, invalid: r.invalid, duplicates: r.duplicates, dnc: r.dnc, status: r.status }, { imported: 2, invalid: 1, duplicates: 1, dnc: 1, status: 'completed' });
  assert.deepEqual(r.errors.map((e: { row: number; kind: string }) => [e.row, e.kind]), [[2, 'invalid'], [3, 'duplicate'], [4, 'dnc']]);
  const progress = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${r.id}`, headers: h });
  assert.equal(progress.json().processedRows, 5);
  const errors = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${r.id}/errors?kind=invalid`, headers: h });
  assert.deepEqual(errors.json().items.map((e: { row: number }) => e.row), [2]);
  const leads = await t.app.inject({ method: 'GET', url: `/api/v1/leads?listId=${t.a.listId}&phone=%2B12125550111`, headers: h });
  assert.equal(leads.json().items[0].firstName, 'Ann');
  assert.deepEqual(leads.json().items[0].custom, { plan: 'gold' });
  // A bad mapping is a 400 before any row is read; a list of another team is a 404.
  const bad = await t.app.inject({ method: 'POST', url: `/api/v1/lists/${t.a.listId}/imports?mapping=${encodeURIComponent('{"columns":{"First":"first_name"}}')}`, headers: { ...h, 'content-type': 'text/csv' }, payload: csv });
  assert.equal(bad.statusCode, 400);
  const other = await t.app.inject({ method: 'POST', url: `/api/v1/lists/${t.a.otherListId}/imports?mapping=${mapping}`, headers: { ...h, 'content-type': 'text/csv' }, payload: csv });
  assert.equal(other.statusCode, 404);
});

test('uploads over the limit get a 413, checked as they stream', async () => {
  const h = { ...bearer(t.tokens['a.admin']!), 'content-type': 'text/csv' };
  const rows = ['Phone,First,Plan'];
  for (let i = 0; i < 4000; i++) rows.push(`+1212555${String(1000 + (i % 9000)).padStart(4, '0')},Name${i},p`);
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/lists/${t.a.listId}/imports?mapping=${mapping}`, headers: h, payload: rows.join('\n') });
  assert.equal(res.statusCode, 413, res.body);
  assert.equal(res.json().error.code, 'DIALER_ERR_PAYLOAD_TOO_LARGE');
});

test('a list exports as CSV', async () => {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/lists/${t.a.listId}/export?customKeys=plan`, headers: bearer(t.tokens['a.supervisor']!) });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /text\/csv/);
  const lines = res.body.trim().split('\r\n');
  assert.ok(lines[0]!.startsWith('id,list_id,campaign_id,phone'));
  assert.ok(lines[0]!.endsWith('custom.plan'));
  assert.ok(lines.some((l) => l.includes('+12125550111') && l.endsWith(',gold')));
});

test('DNC: numbers and area-code wildcards per tenant and campaign, checked and imported; the global list is for platform admins', async () => {
  const h = bearer(t.tokens['a.admin']!);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/dnc', headers: h, payload: { phone: '+1718*', campaignId: t.a.campaignId } })).statusCode, 201);
  const hit = await t.app.inject({ method: 'POST', url: '/api/v1/dnc/check', headers: h, payload: { phone: '(718) 555-0199', campaignId: t.a.campaignId } });
  assert.deepEqual(hit.json(), { phone: '+17185550199', dnc: true, scope: 'campaign', entry: '+1718', isPrefix: true, reason: null });
  const elsewhere = await t.app.inject({ method: 'POST', url: '/api/v1/dnc/check', headers: h, payload: { phone: '(718) 555-0199', campaignId: t.a.otherCampaignId } });
  assert.equal(elsewhere.json().dnc, false);
  // Tenant B does not see tenant A's list.
  const b = await t.app.inject({ method: 'POST', url: '/api/v1/dnc/check', headers: bearer(t.tokens['b.admin']!), payload: { phone: '+16465550100' } });
  assert.equal(b.json().dnc, false);
  const imp = await t.app.inject({ method: 'POST', url: '/api/v1/dnc/imports', headers: { ...h, 'content-type': 'text/csv' }, payload: 'phone\n+12025550143\nbogus\n+1305*\n' });
  assert.equal(imp.statusCode, 201, imp.body);
  assert.equal(imp.json().added, 2);
  assert.deepEqual(imp.json().errors.map((e: { row: number }) => e.row), [2]);
  const list = await t.app.inject({ method: 'GET', url: '/api/v1/dnc?scope=tenant', headers: h });
  assert.deepEqual(list.json().items.map((e: { phone: string }) => e.phone), ['+12025550143', '+1305', '+16465550100']);
  assert.equal((await t.app.inject({ method: 'DELETE', url: '/api/v1/dnc?scope=tenant&phone=%2B1305*', headers: h })).statusCode, 204);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/dnc', headers: h, payload: { phone: '+12125550000', scope: 'global' } })).statusCode, 403);
});

test('disposing of a call updates the call, lead and CDR, schedules the callback, and publishes lead.disposed', async () => {
  const now = Date.now();
  const seen: AnyMessage[] = [];
  const unsub = await t.ctx.bus.subscribe('lead.disposed', (m) => void seen.push(m));
  const db = t.ctx.store.tenant(t.a.tenantId);
  await db.insertInto('dispositions', { id: 'cb-disp', set_id: t.a.dispositionSetId, code: 'CB', label: 'Call back', is_callback: 1, callback_scope: 'agent', recycle_delay_s: null, hotkey: null, created_at: now }).execute();
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/calls/${t.a.callId}/disposition`, headers: bearer(t.tokens['a.agent']!), payload: { code: 'CB', notes: 'after 5pm', callbackAt: now + 86_400_000 } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().leadStatus, 'callback');
  await new Promise((r) => setImmediate(r));
  await unsub();
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0]!.data, { leadId: t.a.leadId, callId: t.a.callId, campaignId: t.a.campaignId, disposition: 'CB', agentId: t.a.agentId, notes: 'after 5pm', callbackAtMs: now + 86_400_000 });
  const cb = await t.app.inject({ method: 'GET', url: `/api/v1/callbacks?status=pending`, headers: bearer(t.tokens['a.agent']!) });
  assert.ok(cb.json().items.some((c: { id: string; agentId: string }) => c.id === res.json().callbackId && c.agentId === t.a.agentId));
  const call = await t.app.inject({ method: 'GET', url: `/api/v1/calls/${t.a.callId}`, headers: bearer(t.tokens['a.agent']!) });
  assert.equal(call.json().disposition, 'CB');
  const unknown = await t.app.inject({ method: 'POST', url: `/api/v1/calls/${t.a.callId}/disposition`, headers: bearer(t.tokens['a.agent']!), payload: { code: 'NOPE' } });
  assert.equal(unknown.statusCode, 400);
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/calls/${t.a.otherCallId}/disposition`, headers: bearer(t.tokens['a.agent']!), payload: { code: 'SALE' } })).statusCode, 404);
});
