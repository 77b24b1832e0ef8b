import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Role } from '@dialer/core';
import type { RouteInfo } from '@dialer/api';
import { bearer, testApp, type TenantWorld } from './helpers.js';

// One world for the whole file: the matrix makes a few hundred requests.
let t: Awaited<ReturnType<typeof testApp>>;
before(async () => {
  t = await testApp();
});
after(async () => {
  await t.close();
});

const ALL: Role[] = ['admin', 'supervisor', 'agent', 'developer'];
type Auth = { roles: Role[]; scope: string | null };

/** The id that fills `:id` for each route family: `own` is in team A (the supervisor's and agent's), `other` in team B. */
function ids(w: TenantWorld, url: string, sessionFor: (tenant: string) => string): { own: string | number; other?: string | number } | undefined {
  const table: [string, { own: string | number; other?: string | number }][] = [
    ['/api/v1/tenants/', { own: w.tenantId }],
    ['/api/v1/users/', { own: w.users.agent.id, other: w.users.agent2.id }],
    ['/api/v1/api-keys/', { own: w.apiKeyId }],
    ['/api/v1/teams/', { own: w.teamId, other: w.otherTeamId }],
    ['/api/v1/agents/', { own: w.agentId, other: w.agent2Id }],
    ['/api/v1/campaigns/', { own: w.campaignId, other: w.otherCampaignId }],
    ['/api/v1/lists/', { own: w.listId, other: w.otherListId }],
    ['/api/v1/leads/', { own: w.leadId, other: w.otherLeadId }],
    ['/api/v1/disposition-sets/', { own: w.dispositionSetId }],
    ['/api/v1/dispositions/', { own: w.dispositionId }],
    ['/api/v1/callbacks/', { own: w.callbackId, other: w.otherCallbackId }],
    ['/api/v1/calls/', { own: w.callId, other: w.otherCallId }],
    ['/api/v1/cdrs/', { own: w.cdrId, other: w.otherCdrId }],
    ['/api/v1/recordings/', { own: w.recordingId, other: w.otherRecordingId }],
    ['/api/v1/webhooks/endpoints/', { own: w.webhookEndpointId }],
    ['/api/v1/webhooks/deliveries/', { own: w.deliveryId }],
    ['/api/v1/stats/campaigns/', { own: w.campaignId, other: w.otherCampaignId }],
    ['/api/v1/stats/agents/', { own: w.agentId, other: w.agent2Id }],
    ['/api/v1/webrtc/sessions/', { own: sessionFor(w.tenantId) }],
    ['/api/v1/imports/', { own: w.importId, other: w.otherImportId }],
  ];
  return table.find(([prefix]) => url.startsWith(prefix))?.[1];
}

/** Bodies that pass validation, so the check under test (role, tenant) is what answers. */
function sampleBody(method: string, url: string, a: TenantWorld, session: string): unknown {
  const bodies: Record<string, unknown> = {
    'POST /api/v1/calls': { phone: '+12125550199', campaignId: a.campaignId, leadId: a.leadId },
    'POST /api/v1/leads': { listId: a.listId, phone: '+12125550199' },
    'POST /api/v1/callbacks': { leadId: a.leadId, campaignId: a.campaignId, dueAt: Date.now() + 60_000 },
    'POST /api/v1/webrtc/offer': { sdp: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n', sessionId: session },
    'POST /api/v1/agents/:id/state': { action: 'ready' },
    'POST /api/v1/calls/:id/transfer': { action: 'blind', target: { kind: 'number', phone: '+12125550100' } },
    'POST /api/v1/calls/:id/hold': { hold: true },
    'POST /api/v1/calls/:id/mute': { mute: true },
    'POST /api/v1/calls/:id/dtmf': { digits: '1' },
    'POST /api/v1/calls/:id/record': { action: 'start' },
    'PATCH /api/v1/teams/:id': { name: 'x' },
    'PUT /api/v1/teams/:id/supervisors': { userIds: [] },
    'PUT /api/v1/campaigns/:id/agents': { agentIds: [] },
    'PATCH /api/v1/disposition-sets/:id': { name: 'x' },
    'POST /api/v1/disposition-sets/:id/dispositions': { code: 'X', label: 'x' },
    'POST /api/v1/calls/:id/disposition': { code: 'SALE' },
    'POST /api/v1/dnc': { phone: '+12125550123', campaignId: a.campaignId },
    'POST /api/v1/dnc/check': { phone: '+12125550123', campaignId: a.campaignId },
    'POST /api/v1/campaigns/:id/preview/skip': { leadId: a.leadId },
    'POST /api/v1/campaigns/:id/preview/dial': { leadId: a.leadId },
  };
  const key = `${method} ${url}`;
  if (key in bodies) return bodies[key];
  return method === 'GET' || method === 'DELETE' ? undefined : {};
}

/** Query strings that make a route pass validation, or point a tenant-less route at tenant A's rows. */
function query(method: string, url: string, a: TenantWorld): string {
  const q: Record<string, string> = {
    'POST /api/v1/lists/:id/imports': `mapping=${encodeURIComponent('{"columns":{"phone":"phone"}}')}`,
    'GET /api/v1/dnc': `campaignId=${a.campaignId}`,
    'DELETE /api/v1/dnc': `phone=%2B12125550101&campaignId=${a.campaignId}`,
    'POST /api/v1/dnc/imports': `campaignId=${a.campaignId}`,
    'GET /api/v1/transcripts/search': 'q=hello',
  };
  const v = q[`${method} ${url}`];
  return v ? `?${v}` : '';
}

function v1Routes(): (RouteInfo & { auth: Auth | false })[] {
  return t.app.routeTable.filter((r) => r.url.startsWith('/api/v1') && r.url !== '/api/v1/ws') as (RouteInfo & { auth: Auth | false })[];
}

const session = (tenant: string): string => {
  const id = '0190c1d2-0000-7000-8000-000000000001';
  return `${id}.${t.app.services.tokens.mac(`${tenant}:${id}`)}`;
};

test('every /api/v1 route declares who may call it; only login, refresh, logout and signed downloads are public', () => {
  const routes = v1Routes();
  assert.ok(routes.length > 90, `expected the full API, found ${routes.length} routes`);
  const undeclared = routes.filter((r) => r.auth === undefined).map((r) => `${r.method} ${r.url}`);
  assert.deepEqual(undeclared, []);
  const open = routes.filter((r) => r.auth === false).map((r) => `${r.method} ${r.url}`).sort();
  assert.deepEqual(open, ['GET /api/v1/recordings/:id/download', 'POST /api/v1/auth/login', 'POST /api/v1/auth/logout', 'POST /api/v1/auth/refresh']);
});

test('every route refuses each role it does not allow with 403', async () => {
  let checked = 0;
  for (const r of v1Routes()) {
    if (!r.auth) continue;
    const url = r.url.replace(':id', String(ids(t.a, r.url, session)?.own ?? 'x')) + query(r.method, r.url, t.a);
    for (const role of ALL.filter((x) => !r.auth || !(r.auth as Auth).roles.includes(x))) {
      const res = await t.app.inject({ method: r.method as 'GET', url, headers: bearer(t.tokens[`a.${role}`]!), payload: sampleBody(r.method, r.url, t.a, session(t.a.tenantId)) as object });
      assert.equal(res.statusCode, 403, `${role} ${r.method} ${r.url}: ${res.body}`);
      assert.equal(res.json().error.code, 'DIALER_ERR_FORBIDDEN');
      checked++;
    }
  }
  assert.ok(checked > 60, `only ${checked} role denials checked`);
});

test('every route refuses another tenant: ids of tenant A are 404 for tenant B, lists of B never show A', async () => {
  const aIds = [t.a.tenantId, t.a.campaignId, t.a.callId, t.a.agentId, t.a.teamId, t.a.listId, t.a.cdrId, t.a.recordingId, t.a.webhookEndpointId, t.a.deliveryId, t.a.callbackId, t.a.dispositionSetId, t.a.apiKeyId, t.a.users.agent.id];
  let checked = 0;
  for (const r of v1Routes()) {
    const roles = r.auth ? (r.auth as Auth).roles : ALL;
    const role = roles.includes('admin') ? 'admin' : roles[0]!;
    const token = t.tokens[`b.${role}`]!;
    const id = ids(t.a, r.url, session)?.own;
    const body = sampleBody(r.method, r.url, t.a, session(t.a.tenantId));
    if (r.url.includes(':id')) {
      assert.ok(id !== undefined, `no fixture id for ${r.url}`);
      const res = await t.app.inject({ method: r.method as 'GET', url: r.url.replace(':id', String(id)) + query(r.method, r.url, t.a), headers: bearer(token), payload: body as object });
      assert.equal(res.statusCode, 404, `${r.method} ${r.url} as tenant B ${role}: ${res.body}`);
      checked++;
    } else if (query(r.method, r.url, t.a).includes(t.a.campaignId)) {
      // Tenant-less routes pointed at tenant A's campaign.
      const res = await t.app.inject({ method: r.method as 'GET', url: r.url + query(r.method, r.url, t.a), headers: bearer(token), payload: body as object });
      assert.equal(res.statusCode, 404, `${r.method} ${r.url} as tenant B: ${res.body}`);
      checked++;
    } else if (r.method === 'GET') {
      const url = r.url + query(r.method, r.url, t.a);
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(token) });
      assert.equal(res.statusCode, 200, `${r.url}: ${res.body}`);
      for (const x of aIds) assert.ok(!res.body.includes(x), `${r.url} as tenant B shows ${x} of tenant A`);
      checked++;
    } else if (body && typeof body === 'object' && JSON.stringify(body).match(new RegExp(`${t.a.campaignId}|${t.a.listId}|"leadId":${t.a.leadId}|${t.a.tenantId}`))) {
      // Creates that point at tenant A's rows: refused without saying whether they exist.
      const res = await t.app.inject({ method: r.method as 'POST', url: r.url, headers: bearer(token), payload: body as object });
      assert.equal(res.statusCode, 404, `${r.method} ${r.url} as tenant B: ${res.body}`);
      checked++;
    }
  }
  assert.ok(checked > 70, `only ${checked} tenant denials checked`);
});

test('inside a tenant, supervisors and agents see their own team\'s rows and get 404 for the other team\'s', async () => {
  let checked = 0;
  for (const r of v1Routes()) {
    if (r.method !== 'GET' || !r.url.endsWith('/:id') || !r.auth) continue;
    const x = ids(t.a, r.url, session);
    if (!x?.other) continue;
    for (const role of ['supervisor', 'agent'] as const) {
      if (!(r.auth as Auth).roles.includes(role)) continue;
      const own: { statusCode: number; body: string } = await t.app.inject({ method: 'GET', url: r.url.replace(':id', String(x.own)), headers: bearer(t.tokens[`a.${role}`]!) });
      const other: { statusCode: number; body: string } = await t.app.inject({ method: 'GET', url: r.url.replace(':id', String(x.other)), headers: bearer(t.tokens[`a.${role}`]!) });
      assert.equal(own.statusCode, 200, `${role} ${r.url} own: ${own.body}`);
      assert.equal(other.statusCode, 404, `${role} ${r.url} other team: ${other.body}`);
      checked++;
    }
  }
  assert.ok(checked >= 15, `only ${checked} row-scope checks`);
});
