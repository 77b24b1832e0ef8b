import { newId, toJson, type DaemonContext, type Role } from '@dialer/core';
import { createTestContext } from '@dialer/core/testing';
import { buildApp, hashPassword, type ApiApp, type AppDeps } from '@dialer/api';

/** Cheap scrypt for tests (the hash records its cost, so verification is the real code path). */
export const TEST_COST = { N: 1024, r: 8, p: 1 };
export const PASSWORD = 'correct horse battery';

/** One tenant's seeded world: a team with a supervisor and an agent, a second team, a campaign per team, a list, leads, calls. */
export interface TenantWorld {
  tenantId: string;
  slug: string;
  users: Record<'admin' | 'supervisor' | 'agent' | 'agent2' | 'developer', { id: string; email: string }>;
  teamId: string;
  otherTeamId: string;
  agentId: string;
  agent2Id: string;
  campaignId: string;
  otherCampaignId: string;
  listId: string;
  otherListId: string;
  leadId: number;
  otherLeadId: number;
  callId: string;
  otherCallId: string;
  dispositionSetId: string;
  dispositionId: string;
  apiKeyId: string;
  callbackId: string;
  otherCallbackId: string;
  cdrId: string;
  otherCdrId: string;
  recordingId: string;
  otherRecordingId: string;
  webhookEndpointId: string;
  deliveryId: string;
  importId: string;
  otherImportId: string;
}

async function user(ctx: DaemonContext, tenantId: string, slug: string, name: string, role: Role, hash: string): Promise<{ id: string; email: string }> {
  const now = ctx.clock.now();
  const id = newId(now);
  const email = `${name}@${slug}.test`;
  await ctx.store.tenant(tenantId).insertInto('users', { id, email, name, role, password_hash: hash, created_at: now, updated_at: now }).execute();
  return { id, email };
}

/** Seeds one tenant directly in the store. */
export async function seedTenant(ctx: DaemonContext, slug: string): Promise<TenantWorld> {
  const now = ctx.clock.now();
  const tenantId = newId(now);
  await ctx.store.db.insertInto('tenants').values({ id: tenantId, name: slug, slug, created_at: now, updated_at: now }).execute();
  const db = ctx.store.tenant(tenantId);
  const hash = await hashPassword(PASSWORD, TEST_COST);
  const users = {
    admin: await user(ctx, tenantId, slug, 'admin', 'admin', hash),
    supervisor: await user(ctx, tenantId, slug, 'supervisor', 'supervisor', hash),
    agent: await user(ctx, tenantId, slug, 'agent', 'agent', hash),
    agent2: await user(ctx, tenantId, slug, 'agent2', 'agent', hash),
    developer: await user(ctx, tenantId, slug, 'developer', 'developer', hash),
  };
  const teamId = newId(now);
  const otherTeamId = newId(now);
  await db.insertInto('teams', [{ id: teamId, name: 'Team A', created_at: now, updated_at: now }, { id: otherTeamId, name: 'Team B', created_at: now, updated_at: now }]).execute();
  await db.insertInto('team_supervisors', { team_id: teamId, user_id: users.supervisor.id }).execute();
  const agentId = newId(now);
  const agent2Id = newId(now);
  await db
    .insertInto('agents', [
      { id: agentId, user_id: users.agent.id, team_id: teamId, extension: '1001', sip_endpoint: null, created_at: now, updated_at: now },
      { id: agent2Id, user_id: users.agent2.id, team_id: otherTeamId, extension: '1002', sip_endpoint: null, created_at: now, updated_at: now },
    ])
    .execute();
  const dispositionSetId = newId(now);
  await db.insertInto('disposition_sets', { id: dispositionSetId, name: 'Default', created_at: now }).execute();
  await db
    .insertInto('dispositions', [
      { id: newId(now), set_id: dispositionSetId, code: 'SALE', label: 'Sale', is_sale: 1, is_final: 1, is_human: 1, callback_scope: null, recycle_delay_s: null, hotkey: '1', created_at: now },
      { id: newId(now), set_id: dispositionSetId, code: 'NI', label: 'Not interested', is_sale: 0, is_final: 1, is_human: 1, callback_scope: null, recycle_delay_s: null, hotkey: '2', created_at: now },
    ])
    .execute();
  const campaignId = newId(now);
  const otherCampaignId = newId(now);
  await db
    .insertInto('campaigns', [
      { id: campaignId, name: 'Campaign A', team_id: teamId, caller_id: null, list_mix: null, voicemail_media: null, abandon_media: null, hold_media: null, consent_media: null, disposition_set_id: dispositionSetId, stt_language: null, script: 'Hello', created_at: now, updated_at: now },
      { id: otherCampaignId, name: 'Campaign B', team_id: otherTeamId, caller_id: null, list_mix: null, voicemail_media: null, abandon_media: null, hold_media: null, consent_media: null, disposition_set_id: dispositionSetId, stt_language: null, script: null, created_at: now, updated_at: now },
    ])
    .execute();
  await db.insertInto('campaign_agents', [{ campaign_id: campaignId, agent_id: agentId }, { campaign_id: otherCampaignId, agent_id: agent2Id }]).execute();
  const listId = newId(now);
  const otherListId = newId(now);
  await db.insertInto('lists', [{ id: listId, campaign_id: campaignId, name: 'List A', created_at: now, updated_at: now }, { id: otherListId, campaign_id: otherCampaignId, name: 'List B', created_at: now, updated_at: now }]).execute();
  const lead = (list: string, camp: string, phone: string) => ({
    list_id: list, campaign_id: camp, phone, first_name: 'Ada', last_name: 'Lovelace', email: null, address: null, city: null, state: null, postal_code: null, country: 'US', timezone: 'America/New_York', disposition: null, day_key: null, last_call_at: null, custom: toJson({ plan: 'gold' }), claimed_by: null, claimed_until: null, created_at: now, updated_at: now,
  });
  const leadIns = await db.insertInto('leads', lead(listId, campaignId, '+12125550101')).returning('id').executeTakeFirstOrThrow();
  const otherLeadIns = await db.insertInto('leads', lead(otherListId, otherCampaignId, '+12125550102')).returning('id').executeTakeFirstOrThrow();
  const callId = newId(now);
  const otherCallId = newId(now);
  const call = (id: string, camp: string, leadId: number, agent: string) => ({
    id, campaign_id: camp, lead_id: leadId, agent_id: agent, direction: 'outbound', phone: '+12125550101', caller_id: null, state: 'connected', node_id: 'n1', asterisk_id: null, channel_id: `ch-${id}`, bridge_id: null, dial_status: null, amd_status: null, amd_cause: null, outcome: null, hangup_cause: null, hangup_cause_text: null, hangup_by: null, disposition: null, notes: null, recording_id: null, created_at: now, ring_at: null, answer_at: now, connect_at: now, end_at: null, updated_at: now,
  });
  await db.insertInto('calls', [call(callId, campaignId, Number(leadIns.id), agentId), call(otherCallId, otherCampaignId, Number(otherLeadIns.id), agent2Id)]).execute();
  const leadId = Number(leadIns.id);
  const otherLeadId = Number(otherLeadIns.id);
  const disp = await db.selectFrom('dispositions').select('id').where('set_id', '=', dispositionSetId).executeTakeFirstOrThrow();
  const apiKeyId = newId(now);
  await db.insertInto('api_keys', { id: apiKeyId, user_id: users.developer.id, name: 'seed', prefix: `seed${slug}`.slice(0, 12).padEnd(12, 'x'), key_hash: 'sha256$00', role: 'developer', expires_at: null, revoked_at: null, last_used_at: null, created_at: now }).execute();
  const callbackId = newId(now);
  const otherCallbackId = newId(now);
  await db
    .insertInto('callbacks', [
      { id: callbackId, lead_id: leadId, campaign_id: campaignId, agent_id: agentId, scope: 'agent', due_at: now + 3600_000, notes: null, created_by: null, created_at: now, updated_at: now },
      { id: otherCallbackId, lead_id: otherLeadId, campaign_id: otherCampaignId, agent_id: agent2Id, scope: 'agent', due_at: now + 3600_000, notes: null, created_by: null, created_at: now, updated_at: now },
    ])
    .execute();
  const cdr = (id: string, call: string, camp: string, lead: number, agent: string) => ({
    id, call_id: call, campaign_id: camp, lead_id: lead, agent_id: agent, direction: 'outbound', phone: '+12125550101', caller_id: null, start_at: now - 60_000, ring_at: null, answer_at: null, bridge_at: null, end_at: now,
    duration_ms: 60_000, talk_ms: 50_000, wait_ms: null, hangup_cause: 16, hangup_cause_text: 'Normal Clearing', hangup_by: 'customer', dial_status: 'ANSWER', outcome: 'human', amd_status: null, disposition: null, recording_id: null, created_at: now,
  });
  const cdrId = newId(now);
  const otherCdrId = newId(now);
  await db.insertInto('cdrs', [cdr(cdrId, callId, campaignId, leadId, agentId), cdr(otherCdrId, otherCallId, otherCampaignId, otherLeadId, agent2Id)]).execute();
  const rec = (id: string, call: string) => ({ id, call_id: call, path: `recordings/${id}.wav`, duration_ms: 1000, size_bytes: 44, status: 'saved', started_at: now, ended_at: now, created_at: now, updated_at: now });
  const recordingId = newId(now);
  const otherRecordingId = newId(now);
  await db.insertInto('recordings', [rec(recordingId, callId), rec(otherRecordingId, otherCallId)]).execute();
  const webhookEndpointId = newId(now);
  await db.insertInto('webhook_endpoints', { id: webhookEndpointId, url: 'http://127.0.0.1:9/hook', description: null, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', event_types: toJson(['call.ended']), enabled: 0, created_at: now, updated_at: now }).execute();
  const deliveryId = newId(now);
  await db
    .insertInto('webhook_deliveries', { id: deliveryId, endpoint_id: webhookEndpointId, event_id: newId(now), event_type: 'call.ended', payload: '{}', seq: 1, status: 'dead', attempts: 3, next_attempt_at: now, last_status_code: 500, last_error: 'HTTP 500', created_at: now, delivered_at: null, give_up_at: now })
    .execute();
  const importId = newId(now);
  const otherImportId = newId(now);
  await db
    .insertInto('lead_imports', [
      { id: importId, list_id: listId, status: 'completed', file_name: 'a.csv', error: null, created_by: null, created_at: now, started_at: now, finished_at: now },
      { id: otherImportId, list_id: otherListId, status: 'completed', file_name: 'b.csv', error: null, created_by: null, created_at: now, started_at: now, finished_at: now },
    ])
    .execute();
  return {
    importId, otherImportId,
    tenantId, slug, users, teamId, otherTeamId, agentId, agent2Id, campaignId, otherCampaignId, listId, otherListId, leadId, otherLeadId, callId, otherCallId, dispositionSetId,
    dispositionId: disp.id, apiKeyId, callbackId, otherCallbackId, cdrId, otherCdrId, recordingId, otherRecordingId, webhookEndpointId, deliveryId,
  };
}

/** A test app over an in-memory store with two seeded tenants. */
export async function testApp(deps: Partial<AppDeps> = {}): Promise<{ app: ApiApp; ctx: DaemonContext; a: TenantWorld; b: TenantWorld; tokens: Record<string, string>; close: () => Promise<void> }> {
  const ctx = deps.ctx ?? (await createTestContext());
  const a = await seedTenant(ctx, 'acme');
  const b = await seedTenant(ctx, 'globex');
  const app = await buildApp({ ctx, passwordCost: TEST_COST, background: false, ...deps });
  const tokens: Record<string, string> = {};
  let n = 0;
  for (const [w, prefix] of [[a, 'a'], [b, 'b']] as const) {
    for (const [role, u] of Object.entries(w.users)) {
      // Each seeded user logs in from its own address, so tests of the login rate limit start clean.
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: PASSWORD }, remoteAddress: `10.99.0.${++n}` });
      if (res.statusCode !== 200) throw new Error(`login ${u.email}: ${res.body}`);
      tokens[`${prefix}.${role}`] = (res.json() as { accessToken: string }).accessToken;
    }
  }
  return {
    app,
    ctx,
    a,
    b,
    tokens,
    close: async () => {
      await app.close();
      await ctx.close();
    },
  };
}

/** `{ authorization: 'Bearer …' }` */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
