// The whole system in a real browser: the API, the call controller and the media gateway
// (one process, as `npm start` runs them), the ARI simulator as the PBX, and the fake
// speech-to-text provider. The agent hears the customer (inbound RTP in the browser's
// WebRTC statistics), sees the live transcript and disposes; a supervisor sees the agent on
// the wallboard and barges in; a predictive call brings the lead's pop-up and the lead is
// updated in the store; in a preview campaign the agent sees, skips and dials leads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openStore, type Store } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { AriSimulator } from '@dialer/ari-controller/simulator';
import { launchBrowser, logInAt, onFailure, pollPage, screenshot, tabTo, type TestBrowser } from './helpers/browser.js';
import { addAgent, seedCallCenter, type Seeded } from './helpers/seed.js';
import { ADMIN, buildConsole, Rest, startStack, type Stack } from './helpers/stack.js';

let sim: AriSimulator;
let stack: Stack;
let browser: TestBrowser;
let admin: Rest;
let seed: Seeded;
let store: Store;
let tenantId = '';
let agentPage: Page;
let supPage: Page;

const CUSTOMER = '+12125550100';

before(async () => {
  buildConsole();
  // The lead's number answers as a person who stays on the line until the agent hangs up.
  sim = await AriSimulator.start({ leads: { [CUSTOMER]: { kind: 'human', ringMs: 500, stay: true } } });
  stack = await startStack({ ARI_URL: sim.url, ARI_USERNAME: 'dialer', ARI_PASSWORD: 'dialer', STT_PROVIDERS: 'fake' });
  admin = new Rest(stack.url);
  tenantId = (await admin.login(ADMIN.email, ADMIN.password)).user.tenantId;
  seed = await seedCallCenter(admin, { dialMode: 'predictive', wrapupS: 60 });
  await admin.call('PATCH', `/api/v1/campaigns/${seed.campaignId}`, {
    sttProviders: ['fake'],
    amdEnabled: false,
    dropTimeoutMs: 15_000,
    callerId: '+12125550000',
    // Any time of day, so the test does not depend on when it runs.
    callWindow: { start: '00:00', end: '24:00', timezone: 'America/New_York' },
  });
  store = await openStore({ dataDir: stack.dataDir });
  browser = await launchBrowser();
});
after(async () => {
  if (process.env['E2E_DUMP_LOGS']) console.error(stack?.logs.slice(-300).join('\n'));
  await browser?.close();
  await stack?.stop();
  await store?.close();
  await sim?.close();
});

const logIn = (page: Page, email: string, password: string): Promise<void> => logInAt(page, stack.url, email, password);

const inboundPackets = (page: Page, sel: string) => page.evaluate(`Number(document.querySelector('${sel}')?.getAttribute('data-inbound-packets') ?? 0)`) as Promise<number>;

test('an agent signs in to the phone and goes ready; the softphone connects to the media gateway', async () => {
  agentPage = (await browser.newPage()).page;
  await logIn(agentPage, seed.agent.email, seed.agent.password);
  await agentPage.getByRole('button', { name: 'Test microphone' }).click();
  await agentPage.locator('[data-mic-live="yes"]').waitFor({ timeout: 15_000 });
  await agentPage.getByRole('button', { name: 'Sign in to the phone' }).click();
  await agentPage.locator('[data-audio="connected"]').waitFor({ timeout: 20_000 });
  await agentPage.keyboard.press('Alt+R');
  await agentPage.locator('.state-badge[data-state="ready"]').waitFor({ timeout: 15_000 });
});

test('the agent dials the customer, hears the call (inbound RTP in the WebRTC statistics) and sees the live transcript', async () => {
  await agentPage.getByLabel('Manual dial').fill('(212) 555-0100');
  await agentPage.getByRole('button', { name: 'Dial', exact: true }).click();
  await agentPage.locator('.state-badge[data-state="on_call"]').waitFor({ timeout: 30_000 });
  await pollPage(agentPage, `Number(document.querySelector('.stats[data-inbound-packets]')?.getAttribute('data-inbound-packets') ?? 0) > 50`, 20_000);
  // The customer's speech, transcribed by the fake provider, appears as a final line.
  await agentPage.locator('.transcript .line.speaker-customer[data-final="yes"]').first().waitFor({ timeout: 30_000 });
  await screenshot(agentPage, '20-full-agent-on-call');
});

test('a supervisor sees the agent on the wallboard, on the call, and barges in over WebRTC', async () => {
  supPage = (await browser.newPage()).page;
  await onFailure(supPage, 'supervisor-barge', () => bargeIn());
});

async function bargeIn(): Promise<void> {
  await logIn(supPage, seed.supervisor.email, seed.supervisor.password);
  const row = supPage.locator(`tr[data-agent-id="${seed.agent.agentId}"][data-state="on_call"]`);
  await row.getByText('Ana Agent').waitFor({ timeout: 15_000 });
  const call = supPage.locator('tr[data-call-id][data-state="connected"]').first();
  await call.waitFor({ timeout: 15_000 });
  await call.getByRole('button', { name: /^Barge/ }).click();
  await supPage.locator('.monitor-status[data-monitor="barge"][data-audio="connected"]').waitFor({ timeout: 20_000 });
  // The supervisor hears the call too.
  await pollPage(supPage, `Number(document.querySelector('.monitor-status')?.textContent.match(/(\\d+) packets in/)?.[1] ?? 0) > 20`, 20_000);
  // The agent is told a supervisor joined.
  await agentPage.locator('.call-status .badge').filter({ hasText: 'Supervisor joined' }).waitFor({ timeout: 15_000 });
  await screenshot(supPage, '21-full-supervisor-barge');
  await call.getByRole('button', { name: 'Stop' }).click();
  assert.ok((await inboundPackets(agentPage, '.stats[data-inbound-packets]')) > 50);
}

test('the agent hangs up and disposes by hotkey; the call is updated in the store', async () => {
  await agentPage.bringToFront();
  const callId = await agentPage.locator('.popup[data-call-id]').getAttribute('data-call-id');
  await agentPage.keyboard.press('Alt+H');
  await agentPage.locator('.state-badge[data-state="wrap_up"]').waitFor({ timeout: 15_000 });
  await agentPage.getByRole('timer', { name: 'Wrap-up time left' }).waitFor();
  await agentPage.keyboard.press('2');
  await agentPage.getByRole('radio', { name: /Not interested/, checked: true }).waitFor({ timeout: 5000 });
  await tabTo(agentPage, (el) => el.tag === 'textarea' && el.name === 'notes');
  await agentPage.keyboard.type('Called from the manual dial box.');
  await tabTo(agentPage, (el) => el.text.startsWith('Save disposition'));
  await agentPage.keyboard.press('Enter');
  await agentPage.getByRole('status').filter({ hasText: 'Disposed as Not interested' }).waitFor();
  const row = await store.tenant(tenantId).selectFrom('calls').select(['disposition', 'notes', 'state']).where('id', '=', callId!).executeTakeFirstOrThrow();
  assert.deepEqual(row, { disposition: 'NI', notes: 'Called from the manual dial box.', state: 'ended' });
  await agentPage.locator('.state-badge[data-state="ready"]').waitFor({ timeout: 15_000 });
});

test(
  'a predictive call: the dialer calls the lead, the agent gets the pop-up with the lead and script, disposes, and the lead is updated in the store',
  async () => {
    const before = await store.tenant(tenantId).selectFrom('leads').select(['status', 'attempts']).where('id', '=', seed.leadId).executeTakeFirstOrThrow();
    assert.deepEqual(before, { status: 'new', attempts: 0 }, 'the manual call of the earlier test did not touch the lead');
    await admin.call('POST', `/api/v1/campaigns/${seed.campaignId}/start`);
    await agentPage.locator('.state-badge[data-state="on_call"]').waitFor({ timeout: 30_000 });
    // The softphone's counters run for the whole shift: this call's audio is what comes on top.
    const packetsAtConnect = await inboundPackets(agentPage, '.stats[data-inbound-packets]');
    const popup = agentPage.locator('.popup');
    await popup.getByRole('heading', { name: /Maria Lopez/ }).waitFor({ timeout: 10_000 });
    await popup.getByText('Hello Maria, I am calling about your Gold plan.').waitFor();
    const callId = await popup.getAttribute('data-call-id');
    const call = await store.tenant(tenantId).selectFrom('calls').select(['lead_id', 'direction', 'agent_id']).where('id', '=', callId!).executeTakeFirstOrThrow();
    assert.deepEqual(call, { lead_id: seed.leadId, direction: 'outbound', agent_id: seed.agent.agentId }, 'the dialer placed the call for the lead');
    await pollPage(agentPage, `Number(document.querySelector('.stats[data-inbound-packets]')?.getAttribute('data-inbound-packets') ?? 0) > ${packetsAtConnect + 50}`, 20_000);
    await agentPage.locator('.transcript .line.speaker-customer[data-final="yes"]').first().waitFor({ timeout: 30_000 });
    await screenshot(agentPage, '22-full-predictive-popup');
    await agentPage.keyboard.press('Alt+H');
    await agentPage.locator('.state-badge[data-state="wrap_up"]').waitFor({ timeout: 15_000 });
    await agentPage.keyboard.press('1');
    await agentPage.getByRole('radio', { name: /Sale/, checked: true }).waitFor({ timeout: 5000 });
    await tabTo(agentPage, (el) => el.text.startsWith('Save disposition'));
    await agentPage.keyboard.press('Enter');
    await agentPage.getByRole('status').filter({ hasText: 'Disposed as Sale' }).waitFor();
    const lead = await store.tenant(tenantId).selectFrom('leads').select(['disposition', 'status', 'attempts', 'claimed_by']).where('id', '=', seed.leadId).executeTakeFirstOrThrow();
    assert.deepEqual(lead, { disposition: 'SALE', status: 'done', attempts: 1, claimed_by: null });
    const cdr = await store.tenant(tenantId).selectFrom('cdrs').select(['disposition', 'outcome', 'lead_id']).where('call_id', '=', callId!).executeTakeFirstOrThrow();
    assert.deepEqual(cdr, { disposition: 'SALE', outcome: 'human', lead_id: seed.leadId });
    await admin.call('POST', `/api/v1/campaigns/${seed.campaignId}/stop`);
  },
);

test('preview mode: the agent sees the next lead, skips it, dials the next; the customer reaches the agent and the disposition settles the lead', async () => {
  // Arrange: a running preview campaign with two leads, and an agent who works it.
  const campaign = await admin.call<{ id: string }>('POST', '/api/v1/campaigns', {
    name: 'Preview renewals',
    dialMode: 'preview',
    dispositionSetId: seed.dispositionSetId,
    wrapupS: 60,
    amdEnabled: false,
    callerId: '+12125550000',
    script: 'Hi {{first_name}}, this is about your {{custom.plan}} plan.',
    callWindow: { start: '00:00', end: '24:00', timezone: 'America/New_York' },
  });
  const bob = { email: 'bob.agent@e2e.test', password: 'agent-password-456' };
  const bobId = await addAgent(admin, { ...bob, name: 'Bob Agent', extension: '1002' }, campaign.id);
  const list = await admin.call<{ id: string }>('POST', '/api/v1/lists', { name: 'Preview leads', campaignId: campaign.id });
  const lead = (phone: string, firstName: string, priority: number) =>
    admin.call<{ id: number }>('POST', '/api/v1/leads', { listId: list.id, phone, firstName, lastName: 'Preview', priority, state: 'NY', country: 'US', timezone: 'America/New_York', custom: { plan: 'Silver' } });
  const skipped = await lead('+12125550201', 'Paula', 10);
  const dialled = await lead('+12125550202', 'Quentin', 5);
  sim.setParty('+12125550202', { kind: 'human', ringMs: 500, stay: true });
  await admin.call('POST', `/api/v1/campaigns/${campaign.id}/start`);

  const page = (await browser.newPage()).page;
  await onFailure(page, 'preview-dial', async () => {
    await logIn(page, bob.email, bob.password);
    await page.getByRole('button', { name: 'Sign in to the phone' }).click();
    await page.locator('[data-audio="connected"]').waitFor({ timeout: 20_000 });
    await page.keyboard.press('Alt+R');
    await page.locator('.state-badge[data-state="ready"]').waitFor({ timeout: 15_000 });

    // Act: show the next lead, skip it, dial the one after.
    const panel = page.locator('section.preview');
    await panel.getByRole('button', { name: 'Show next lead' }).click();
    await panel.locator(`[data-preview-lead="${skipped.id}"]`).getByText('Paula Preview').waitFor({ timeout: 10_000 });
    const reserved = await store.tenant(tenantId).selectFrom('leads').select(['status', 'claimed_by']).where('id', '=', skipped.id).executeTakeFirstOrThrow();
    assert.deepEqual(reserved, { status: 'in_progress', claimed_by: `agent:${bobId}` }, 'the lead is reserved for the agent in the hopper');
    await panel.getByRole('button', { name: 'Skip' }).click();
    await panel.locator(`[data-preview-lead="${dialled.id}"]`).getByText('Quentin Preview').waitFor({ timeout: 10_000 });
    await screenshot(page, '23-full-preview-lead');
    await panel.getByRole('button', { name: 'Dial', exact: true }).click();

    // Assert: the call reaches the agent with the lead's pop-up.
    await page.locator('.state-badge[data-state="on_call"]').waitFor({ timeout: 30_000 });
    const popup = page.locator('.popup');
    await popup.getByRole('heading', { name: /Quentin Preview/ }).waitFor({ timeout: 10_000 });
    await popup.getByText('Hi Quentin, this is about your Silver plan.').waitFor();
    const callId = await popup.getAttribute('data-call-id');
    await page.keyboard.press('Alt+H');
    await page.locator('.state-badge[data-state="wrap_up"]').waitFor({ timeout: 15_000 });
    await page.keyboard.press('1');
    await page.getByRole('radio', { name: /Sale/, checked: true }).waitFor({ timeout: 5000 });
    await tabTo(page, (el) => el.text.startsWith('Save disposition'));
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Disposed as Sale' }).waitFor();

    const db = store.tenant(tenantId);
    const call = await db.selectFrom('calls').select(['lead_id', 'agent_id', 'campaign_id', 'direction']).where('id', '=', callId!).executeTakeFirstOrThrow();
    assert.deepEqual(call, { lead_id: dialled.id, agent_id: bobId, campaign_id: campaign.id, direction: 'manual' });
    const done = await db.selectFrom('leads').select(['status', 'disposition', 'attempts', 'claimed_by']).where('id', '=', dialled.id).executeTakeFirstOrThrow();
    assert.deepEqual(done, { status: 'done', disposition: 'SALE', attempts: 1, claimed_by: null });
    const back = await db.selectFrom('leads').select(['status', 'attempts', 'claimed_by', 'next_call_after']).where('id', '=', skipped.id).executeTakeFirstOrThrow();
    assert.deepEqual([back.status, back.attempts, back.claimed_by], ['new', 0, null], 'the skipped lead went back to the hopper, not dialled');
    assert.ok(back.next_call_after > Date.now(), 'and is not offered again at once');
  });
  await admin.call('POST', `/api/v1/campaigns/${campaign.id}/stop`);
});

test('preview refusals: a lead put on DNC after it was shown, then a lead outside the calling window, are refused with a clear toast and nothing is dialled', async () => {
  // Arrange: a running preview campaign open all day, two leads, an agent.
  const campaign = await admin.call<{ id: string }>('POST', '/api/v1/campaigns', {
    name: 'Preview refusals',
    dialMode: 'preview',
    dispositionSetId: seed.dispositionSetId,
    amdEnabled: false,
    callerId: '+12125550000',
    callWindow: { start: '00:00', end: '24:00', timezone: 'America/New_York' },
  });
  const dora = { email: 'dora.agent@e2e.test', password: 'agent-password-789' };
  await addAgent(admin, { ...dora, name: 'Dora Agent', extension: '1003' }, campaign.id);
  const list = await admin.call<{ id: string }>('POST', '/api/v1/lists', { name: 'Refusal leads', campaignId: campaign.id });
  const lead = (phone: string, firstName: string, priority: number) =>
    admin.call<{ id: number }>('POST', '/api/v1/leads', { listId: list.id, phone, firstName, lastName: 'Refused', priority, state: 'NY', country: 'US', timezone: 'America/New_York' });
  const onDnc = await lead('+12125550301', 'Rita', 10);
  const late = await lead('+12125550302', 'Sven', 5);
  await admin.call('POST', `/api/v1/campaigns/${campaign.id}/start`);
  const originatesBefore = sim.requests.filter((r) => r.op?.startsWith('originate')).length;

  const page = (await browser.newPage()).page;
  await onFailure(page, 'preview-refusals', async () => {
    await logIn(page, dora.email, dora.password);
    await page.getByRole('button', { name: 'Sign in to the phone' }).click();
    await page.locator('[data-audio="connected"]').waitFor({ timeout: 20_000 });
    await page.keyboard.press('Alt+R');
    await page.locator('.state-badge[data-state="ready"]').waitFor({ timeout: 15_000 });
    const panel = page.locator('section.preview');
    const alert = page.getByRole('alert');

    // DNC: the number goes on the campaign's DNC list while the agent reads the lead.
    await panel.getByRole('button', { name: 'Show next lead' }).click();
    await panel.locator(`[data-preview-lead="${onDnc.id}"]`).waitFor({ timeout: 10_000 });
    await admin.call('POST', '/api/v1/dnc', { phone: '+12125550301', campaignId: campaign.id });
    await panel.getByRole('button', { name: 'Dial', exact: true }).click();
    await alert.getByText('Dial refused: the number is on a do-not-call list.', { exact: true }).waitFor({ timeout: 10_000 });
    await screenshot(page, '24-full-preview-dnc-refused');
    await panel.locator(`[data-preview-lead="${onDnc.id}"]`).waitFor({ state: 'detached' });

    // Calling window: the campaign's window moves to hours that exclude the lead's time now.
    await panel.getByRole('button', { name: 'Show next lead' }).click();
    await panel.locator(`[data-preview-lead="${late.id}"]`).waitFor({ timeout: 10_000 });
    const nyHour = Number(new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' }).format(new Date()));
    const start = (nyHour + 2) % 24;
    const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
    await admin.call('PATCH', `/api/v1/campaigns/${campaign.id}`, { callWindow: { start: hh(start), end: hh(start + 1), timezone: 'America/New_York' } });
    await panel.getByRole('button', { name: 'Dial', exact: true }).click();
    await alert.getByText("Dial refused: it is outside the calling window in the lead's time zone.", { exact: true }).waitFor({ timeout: 10_000 });
    await screenshot(page, '25-full-preview-window-refused');
    await page.locator('.state-badge[data-state="ready"]').waitFor();

    // Nothing was dialled, and neither lead holds an attempt.
    const originatesAfter = sim.requests.filter((r) => r.op?.startsWith('originate')).length;
    assert.equal(originatesAfter, originatesBefore, 'no originate reached the PBX');
    const rows = await store.tenant(tenantId).selectFrom('leads').select(['id', 'attempts', 'claimed_by']).where('id', 'in', [onDnc.id, late.id]).orderBy('id').execute();
    assert.deepEqual(rows.map((r) => [r.attempts, r.claimed_by]), [[0, null], [0, null]]);
  });
  await admin.call('POST', `/api/v1/campaigns/${campaign.id}/stop`);
  await page.close();
});

test('the audio path dropped by the gateway: the softphone says so, reconnects by itself on the same session, and the notice goes', async () => {
  const eve = { email: 'eve.agent@e2e.test', password: 'agent-password-246' };
  // A campaign that is never started: the agent only needs one to sign in to the phone.
  const quiet = await admin.call<{ id: string }>('POST', '/api/v1/campaigns', { name: 'Audio check', dialMode: 'preview', dispositionSetId: seed.dispositionSetId });
  await addAgent(admin, { ...eve, name: 'Eve Agent', extension: '1004' }, quiet.id);
  const page = (await browser.newPage()).page;
  const offers: { sessionId?: string; answered?: string }[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/v1/webrtc/offer') && r.method() === 'POST') offers.push({ sessionId: (JSON.parse(r.postData() ?? '{}') as { sessionId?: string }).sessionId });
  });
  page.on('response', (r) => {
    if (r.url().endsWith('/api/v1/webrtc/offer') && r.ok()) void r.json().then((j: { sessionId: string }) => (offers.find((o) => o.answered === undefined)!.answered = j.sessionId), () => undefined);
  });
  await onFailure(page, 'audio-drop', async () => {
    await logIn(page, eve.email, eve.password);
    await page.getByRole('button', { name: 'Sign in to the phone' }).click();
    await page.locator('[data-audio="connected"]').waitFor({ timeout: 20_000 });
    const sessionId = await waitFor(async () => offers[0]?.answered, 5000);
    assert.equal(offers.length, 1);

    // The gateway closes the leg (as when it restarts or the path dies): the browser's ICE checks go unanswered.
    await admin.call('DELETE', `/api/v1/webrtc/sessions/${sessionId}`);
    await page.locator('[data-audio="reconnecting"]').waitFor({ timeout: 30_000 });
    await page.getByRole('status').filter({ hasText: 'Audio connection lost; reconnecting…' }).waitFor();
    await screenshot(page, '26-full-audio-reconnecting');

    // It comes back by itself, re-offering on the same session, and the notice is withdrawn.
    await page.locator('[data-audio="connected"]').waitFor({ timeout: 30_000 });
    assert.ok(offers.length >= 2, `${offers.length} offers`);
    assert.equal(offers[offers.length - 1]!.sessionId, sessionId);
    await page.getByText('Audio connection lost; reconnecting…').waitFor({ state: 'detached', timeout: 5000 });
    await page.getByRole('button', { name: 'Sign out of phone' }).click();
  });
  await page.close();
});
