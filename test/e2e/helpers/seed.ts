import type { Rest } from './stack.js';

/** What {@link seedCallCenter} created. */
export interface Seeded {
  campaignId: string;
  dispositionSetId: string;
  listId: string;
  leadId: number;
  agent: { email: string; password: string; userId: string; agentId: string };
  supervisor: { email: string; password: string };
}

/** A small call center through the REST API: dispositions with hotkeys, a campaign with a script, an agent, a supervisor, a list and a lead. */
export async function seedCallCenter(admin: Rest, opts: { dialMode?: string; wrapupS?: number } = {}): Promise<Seeded> {
  const set = await admin.call<{ id: string }>('POST', '/api/v1/disposition-sets', {
    name: 'Sales outcomes',
    dispositions: [
      { code: 'SALE', label: 'Sale', isSale: true, isHuman: true, isFinal: true, hotkey: '1' },
      { code: 'NI', label: 'Not interested', isHuman: true, isFinal: true, hotkey: '2' },
      { code: 'CB', label: 'Call back', isHuman: true, isCallback: true, callbackScope: 'agent', hotkey: '3' },
    ],
  });
  // The supervisor supervises a team; the campaign and the agent belong to it.
  const team = await admin.call<{ id: string }>('POST', '/api/v1/teams', { name: 'Team Renewals' });
  const campaign = await admin.call<{ id: string }>('POST', '/api/v1/campaigns', {
    name: 'Renewals',
    teamId: team.id,
    dialMode: opts.dialMode ?? 'predictive',
    dispositionSetId: set.id,
    wrapupS: opts.wrapupS ?? 30,
    script: 'Hello {{first_name}}, I am calling about your {{custom.plan}} plan.',
  });
  const agent = { email: 'ana.agent@e2e.test', password: 'agent-password-123' };
  const u = await admin.call<{ id: string }>('POST', '/api/v1/users', { email: agent.email, name: 'Ana Agent', role: 'agent', password: agent.password, agent: { extension: '1001', teamId: team.id } });
  const agents = await admin.call<{ items: { id: string; userId: string }[] }>('GET', '/api/v1/agents?limit=500');
  const agentId = agents.items.find((a) => a.userId === u.id)!.id;
  await admin.call('PUT', `/api/v1/campaigns/${campaign.id}/agents`, { agentIds: [agentId] });
  const supervisor = { email: 'sam.supervisor@e2e.test', password: 'supervisor-password-1' };
  const sup = await admin.call<{ id: string }>('POST', '/api/v1/users', { email: supervisor.email, name: 'Sam Supervisor', role: 'supervisor', password: supervisor.password });
  await admin.call('PUT', `/api/v1/teams/${team.id}/supervisors`, { userIds: [sup.id] });
  const list = await admin.call<{ id: string }>('POST', '/api/v1/lists', { name: 'March leads', campaignId: campaign.id });
  const lead = await admin.call<{ id: number }>('POST', '/api/v1/leads', {
    listId: list.id,
    phone: '+12125550100',
    firstName: 'Maria',
    lastName: 'Lopez',
    city: 'New York',
    state: 'NY',
    country: 'US',
    timezone: 'America/New_York',
    custom: { plan: 'Gold' },
  });
  return { campaignId: campaign.id, dispositionSetId: set.id, listId: list.id, leadId: lead.id, agent: { ...agent, userId: u.id, agentId }, supervisor };
}

/** An agent user (through the REST API) assigned to one campaign; returns the agent's id. */
export async function addAgent(admin: Rest, a: { email: string; password: string; name: string; extension: string }, campaignId: string): Promise<string> {
  const user = await admin.call<{ id: string }>('POST', '/api/v1/users', { email: a.email, name: a.name, role: 'agent', password: a.password, agent: { extension: a.extension } });
  const agents = await admin.call<{ items: { id: string; userId: string }[] }>('GET', '/api/v1/agents?limit=500');
  const agentId = agents.items.find((x) => x.userId === user.id)!.id;
  await admin.call('PUT', `/api/v1/campaigns/${campaignId}/agents`, { agentIds: [agentId] });
  return agentId;
}
