import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@dialer/core/testing';
import { CAMPAIGN, settled, startHarness, TENANT, type Harness } from './support/harness.js';

const AGENTS = [
  { id: 'agent-1', sip: 'agent-1001' },
  { id: 'agent-2', sip: 'agent-1002' },
  { id: 'agent-3', sip: 'agent-1003' },
];

async function skills(h: Harness, agentId: string, list: Array<{ skill: string; level: number }>): Promise<void> {
  await h.store.tenant(TENANT).updateTable('agents').set({ skills: JSON.stringify(list) }).where('id', '=', agentId).execute();
}

test('required skill, outbound: only agents holding it get the campaign\'s calls and count for pacing', async () => {
  const h = await startHarness({ agents: AGENTS, campaign: { required_skill: 'spanish' } });
  try {
    // agent-1 lacks the skill, agent-2 holds it at level 0 (does not count), agent-3 holds it at level 2.
    await skills(h, 'agent-1', [{ skill: 'english', level: 9 }]);
    await skills(h, 'agent-2', [{ skill: 'spanish', level: 0 }]);
    await skills(h, 'agent-3', [{ skill: 'spanish', level: 2 }]);
    for (const a of AGENTS) await h.loginSipAgent(a.id);
    const counts = h.daemon.manager.agents.counts(TENANT, CAMPAIGN);
    assert.deepEqual([counts.ready, counts.available], [1, 1], 'only the skilled agent counts');

    const first = await h.dial('+stayer', { dropTimeoutMs: 60_000 });
    const connected = await h.next('call.connected', (d) => d.callId === first);
    assert.equal(connected.agentId, 'agent-3', 'agent-1 was ready longest but lacks the skill');

    // The skilled agent is busy: the next human waits although two other agents are ready, and is dropped.
    const second = await h.dial('+stayer', { dropTimeoutMs: 500 });
    const dropped = await h.next('call.ended', (d) => d.callId === second, 15_000);
    assert.equal(dropped.outcome, 'abandoned');
    assert.equal(h.of('call.connected', second).length, 0);
    assert.equal(h.daemon.manager.agents.get('agent-1')?.record.state, 'ready');
    assert.equal(h.daemon.manager.agents.get('agent-2')?.record.state, 'ready');
    assert.equal(h.daemon.manager.agents.counts(TENANT, CAMPAIGN).onCall, 1);

    h.sim.hangup(first);
    await settled(h);
    const cdrs = await h.cdrs();
    assert.deepEqual(
      cdrs.map((c) => [c['call_id'], c['agent_id'], c['outcome']]).sort(),
      [[first, 'agent-3', 'human'], [second, null, 'abandoned']].sort(),
    );
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
  } finally {
    await h.close();
  }
});

test('required skill, inbound: a caller waits while only unskilled agents are ready, and goes to the first skilled agent who is', async () => {
  const h = await startHarness({ agents: AGENTS, did: '5000', campaign: { required_skill: 'billing', queue_timeout_s: 60 } });
  try {
    await skills(h, 'agent-2', [{ skill: 'billing', level: 1 }]);
    await skills(h, 'agent-3', [{ skill: 'billing', level: 7 }]);
    await h.loginSipAgent('agent-1');
    const ch = h.sim.inboundCall({ did: '5000', from: '5550007', stay: true });
    await h.next('call.queued', () => true);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(h.of('call.connected').length, 0, 'the unskilled agent does not get the call');
    assert.equal(h.daemon.manager.agents.get('agent-1')?.record.state, 'ready');
    await h.loginSipAgent('agent-2');
    const connected = await h.next('call.connected', () => true);
    assert.equal(connected.agentId, 'agent-2');
    h.sim.hangup(ch);
    await waitFor(() => h.daemon.manager.agents.get('agent-2')?.record.state === 'ready', 10_000);

    // Both skilled agents ready: the higher level takes the next caller.
    await h.loginSipAgent('agent-3');
    const ch2 = h.sim.inboundCall({ did: '5000', from: '5550008', stay: true });
    const second = await h.next('call.connected', (d) => d.callId !== connected.callId);
    assert.equal(second.agentId, 'agent-3');
    h.sim.hangup(ch2);
    await settled(h);
    const cdrs = await h.cdrs();
    assert.deepEqual(cdrs.map((c) => c['agent_id']).sort(), ['agent-2', 'agent-3']);
    assert.ok((await h.calls()).every((c) => c['state'] === 'ended'));
    assert.deepEqual(h.leftovers(), { channels: [], bridges: [] });
  } finally {
    await h.close();
  }
});
