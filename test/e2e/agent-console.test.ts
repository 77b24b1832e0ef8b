// The agent's console in a real browser against the real API and media gateway, with a
// stand-in for the call controller on the shared Redis bus (it answers the agent and
// call commands as the controller's contract says, and plays the customer's side):
// keyboard-only sign-in, mic and speaker test, the softphone over WebRTC, ready, the call pop-up,
// the live transcript (interim replaced by final, two colours, auto-scroll that pauses),
// call controls by hotkey and the DTMF keypad, an edited script, hangup, the wrap-up countdown, the disposition
// by hotkey, the lead's call history in the pop-up, and a callback scheduled from the disposition form.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { waitFor } from '@dialer/core/testing';
import { focusIsVisible, pollPage, screenshot, tabTo, unlabelledControls, type TestBrowser } from './helpers/browser.js';
import type { Seeded } from './helpers/seed.js';
import type { StandInController } from './helpers/standin-controller.js';
import { startStandInWorld, type StandInWorld } from './helpers/standin-world.js';
import type { Rest, Stack } from './helpers/stack.js';

let stack: Stack;
let browser: TestBrowser;
let admin: Rest;
let seed: Seeded;
let ctl: StandInController;
let tenantId = '';
let page: Page;

let w: StandInWorld;
before(async () => {
  // The real API and media gateway; the test stands in for the call controller.
  w = await startStandInWorld();
  ({ stack, admin, seed, ctl, tenantId, browser } = w);
  page = (await browser.newPage()).page;
});
after(async () => {
  await w?.close();
});

const commands = (type: string) => ctl.received.filter((r) => r.type === type).map((r) => r.data);
/** The last command of a type the stand-in received, waiting for it to arrive. */
const lastCommand = (type: string) => waitFor(() => commands(type).at(-1), 10_000);

test('keyboard only: log in, test the microphone (and the speaker), sign in to the phone; the softphone connects over WebRTC', async () => {
  await page.goto(stack.url + '/');
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.keyboard.type(seed.agent.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(seed.agent.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Start your shift' }).waitFor();
  assert.equal(await page.getByRole('checkbox', { name: /Renewals/ }).isChecked(), true, 'the assigned campaign is picked');

  await tabTo(page, (el) => el.text === 'Test microphone');
  assert.equal(await focusIsVisible(page), true, 'focus is visible on buttons');
  await page.keyboard.press('Enter');
  // The fake capture device plays a beep: the meter moves and the mic is declared live.
  await page.locator('[data-mic-live="yes"]').waitFor({ timeout: 15_000 });
  const level = Number(await page.getByRole('meter', { name: 'Microphone level' }).first().getAttribute('aria-valuenow'));
  assert.ok(level >= 0 && level <= 100);
  // The speaker test plays a tone (Web Audio) and says so.
  await page.getByRole('button', { name: 'Test speaker' }).click();
  await page.getByText('Played a tone — did you hear it?').waitFor();
  assert.deepEqual(await unlabelledControls(page), []);
  await screenshot(page, '10-agent-signin');

  await tabTo(page, (el) => el.text === 'Sign in to the phone');
  await page.keyboard.press('Enter');
  await page.locator('.state-badge[data-state="paused"]').waitFor();
  const login = commands('cmd.agent.state').find((d) => d['action'] === 'login');
  assert.deepEqual(login?.['campaignIds'], [seed.campaignId]);
  // The browser's SDP offer went through the API to the media gateway, which answered.
  await page.locator('[data-audio="connected"]').waitFor({ timeout: 20_000 });
  await page.locator('.stats[data-inbound-packets]').waitFor();
});

test('ready by hotkey, then a predictive call: the pop-up shows the lead, its custom fields and the filled-in script', async () => {
  await page.keyboard.press('Alt+R');
  await page.locator('.state-badge[data-state="ready"]').waitFor();
  assert.ok(commands('cmd.agent.state').some((d) => d['action'] === 'ready'));

  await ctl.connect('call-1', seed.agent.agentId, {
    campaignId: seed.campaignId,
    leadId: seed.leadId,
    lead: { id: seed.leadId, first_name: 'Maria', last_name: 'Lopez', phone: '+12125550100', city: 'New York', custom: { plan: 'Gold' } },
    script: 'Hello {{first_name}}, I am calling about your {{custom.plan}} plan.',
  });
  await page.locator('.state-badge[data-state="on_call"]').waitFor();
  const popup = page.locator('.popup[data-call-id="call-1"]');
  await popup.getByRole('heading', { name: /Maria Lopez/ }).waitFor();
  await popup.getByText('Gold', { exact: true }).waitFor();
  await popup.getByText('Hello Maria, I am calling about your Gold plan.').waitFor();
  await page.getByRole('timer', { name: 'Call time' }).waitFor();
  // The agent adjusts the script for this call; the edit stays as the text (never HTML).
  await popup.getByRole('button', { name: 'Edit' }).click();
  await popup.getByLabel('Script text').fill('Hello Maria, about your Gold plan: <b>renewal</b> is due.');
  await popup.getByRole('button', { name: 'Done editing' }).click();
  await popup.getByText('Hello Maria, about your Gold plan: <b>renewal</b> is due.').waitFor();
  assert.equal(await popup.locator('.script-text b').count(), 0, 'the script is shown as text');
});

test('the live transcript replaces interim text by the final, in two colours, and stops following when the agent scrolls up', async () => {
  await ctl.say('call-1', 'customer', 's1', 'I would', false);
  await ctl.say('call-1', 'customer', 's1', 'I would like to', false);
  await page.locator('.transcript .line.interim').filter({ hasText: 'I would like to' }).waitFor();
  await ctl.say('call-1', 'customer', 's1', 'I would like to renew my plan.', true);
  await ctl.say('call-1', 'agent', 'a1', 'Great, let me help you with that.', true);
  const customerLine = page.locator('.transcript .line.speaker-customer');
  await customerLine.filter({ hasText: 'I would like to renew my plan.' }).and(page.locator('[data-final="yes"]')).waitFor();
  assert.equal(await customerLine.count(), 1, 'the interims were replaced, not appended');
  const colour = async (cls: string) => (await page.evaluate(`getComputedStyle(document.querySelector('.transcript .line.${cls} .who')).color`)) as string;
  assert.notEqual(await colour('speaker-customer'), await colour('speaker-agent'));

  for (let i = 0; i < 30; i++) await ctl.say('call-1', i % 2 ? 'agent' : 'customer', `m${i}`, `Line number ${i} of a long call.`, true);
  await page.locator('.transcript .line').filter({ hasText: 'Line number 29 of a long call.' }).waitFor();
  const atBottom = `(() => { const e = document.querySelector('.transcript'); return e.scrollHeight - e.clientHeight - e.scrollTop <= 24; })()`;
  await pollPage(page, atBottom);

  await page.evaluate(`document.querySelector('.transcript').scrollTop = 0`);
  await page.getByRole('button', { name: 'Back to live ↓' }).waitFor();
  for (let i = 0; i < 3; i++) await ctl.say('call-1', 'customer', `late${i}`, `Late line ${i}.`, true);
  await page.getByRole('button', { name: '3 new lines ↓' }).waitFor();
  assert.equal(await page.evaluate(`document.querySelector('.transcript').scrollTop`), 0, 'the view stays where the agent is reading');
  await page.getByRole('button', { name: '3 new lines ↓' }).click();
  await pollPage(page, atBottom);
});

test('mute and hold by hotkey, and digits from the DTMF keypad, reach the controller; the screen shows them', async () => {
  await page.keyboard.press('Alt+M');
  await page.locator('.call-status .badge').filter({ hasText: 'Muted' }).waitFor();
  await page.keyboard.press('Alt+K');
  await page.locator('.call-status .badge').filter({ hasText: 'On hold' }).waitFor();
  assert.deepEqual(await lastCommand('cmd.call.mute'), { callId: 'call-1', mute: true });
  assert.deepEqual(await lastCommand('cmd.call.hold'), { callId: 'call-1', hold: true });
  // The DTMF keypad sends each digit to the call.
  await page.getByRole('button', { name: 'Keypad' }).click();
  const keypad = page.getByRole('group', { name: 'DTMF keypad' });
  await keypad.getByRole('button', { name: 'Send 5' }).click();
  assert.deepEqual(await lastCommand('cmd.call.dtmf'), { callId: 'call-1', digits: '5' });
  await keypad.getByRole('button', { name: 'Send pound' }).click();
  await waitFor(() => (commands('cmd.call.dtmf').length >= 2 ? true : undefined), 10_000);
  assert.deepEqual(commands('cmd.call.dtmf').at(-1), { callId: 'call-1', digits: '#' });
  assert.equal(await keypad.getByLabel('Digits sent').textContent(), '5#');
  await page.keyboard.press('Alt+K');
  await page.keyboard.press('Alt+M');
  await page.locator('.call-status .badge').filter({ hasText: 'On hold' }).waitFor({ state: 'detached' });
  assert.deepEqual(await unlabelledControls(page), []);
  await screenshot(page, '11-agent-on-call');
});

test('hang up by hotkey; wrap-up counts down; the disposition is picked by hotkey and saved', async () => {
  await page.keyboard.press('Alt+H');
  assert.deepEqual(await lastCommand('cmd.call.hangup'), { callId: 'call-1' });
  await page.locator('.state-badge[data-state="wrap_up"]').waitFor();
  const timer = page.getByRole('timer', { name: 'Wrap-up time left' });
  await timer.waitFor();
  const left = Number(await timer.getAttribute('data-countdown'));
  assert.ok(left > 0 && left <= 30, `countdown ${left}`);

  await page.keyboard.press('2');
  await page.getByRole('radio', { name: /Not interested/, checked: true }).waitFor({ timeout: 5000 });
  await tabTo(page, (el) => el.tag === 'textarea' && el.name === 'notes');
  await page.keyboard.type('Happy with the current provider.');
  await screenshot(page, '12-agent-wrap-up');
  await tabTo(page, (el) => el.text.startsWith('Save disposition'));
  await page.keyboard.press('Enter');

  await page.getByRole('status').filter({ hasText: 'Disposed as Not interested' }).waitFor();
  await page.locator('.state-badge[data-state="ready"]').waitFor();
  assert.ok(commands('cmd.agent.state').some((d) => d['action'] === 'wrap_up_done'), 'after the disposition the agent is made ready');
  // The lead and the call are updated in the store.
  const db = ctl.store!.tenant(tenantId);
  const lead = await db.selectFrom('leads').select(['disposition', 'status']).where('id', '=', seed.leadId).executeTakeFirstOrThrow();
  assert.equal(lead.disposition, 'NI');
  assert.equal(lead.status, 'done', 'a final code closes the lead');
  const call = await db.selectFrom('calls').select(['disposition', 'notes']).where('id', '=', 'call-1').executeTakeFirstOrThrow();
  assert.deepEqual(call, { disposition: 'NI', notes: 'Happy with the current provider.' });
  // The screen is free for the next call, and the call is in the session's history.
  await page.getByLabel('Manual dial').waitFor();
});

test('the same lead again: the pop-up lists the earlier call with its disposition and notes; a callback is scheduled from the disposition form', async () => {
  await page.locator('.state-badge[data-state="ready"]').waitFor();
  await ctl.connect('call-2', seed.agent.agentId, {
    campaignId: seed.campaignId,
    leadId: seed.leadId,
    lead: { id: seed.leadId, first_name: 'Maria', last_name: 'Lopez', phone: '+12125550100', custom: { plan: 'Gold' } },
  });
  const popup = page.locator('.popup[data-call-id="call-2"]');
  const earlier = popup.locator('ul.history li').filter({ hasText: 'NI' });
  await earlier.waitFor();
  assert.equal(await earlier.locator('.note').textContent(), 'Happy with the current provider.');
  assert.equal(await popup.locator('ul.history li').count(), 1, 'only the earlier call, not this one');

  await page.keyboard.press('Alt+H');
  await page.locator('.state-badge[data-state="wrap_up"]').waitFor();
  await page.keyboard.press('3');
  await page.getByRole('radio', { name: /Call back/, checked: true }).waitFor({ timeout: 5000 });
  const pad = (n: number) => String(n).padStart(2, '0');
  const ymd = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const yesterday = new Date(Date.now() - 86_400_000);
  const tomorrow = new Date(Date.now() + 86_400_000);
  await page.getByLabel('Date', { exact: true }).fill(ymd(yesterday));
  await page.getByLabel('Time', { exact: true }).fill('10:30');
  await page.getByRole('button', { name: /^Save disposition/ }).click();
  await page.getByRole('alert').filter({ hasText: 'The callback time must be in the future.' }).waitFor();
  await page.getByLabel('Date', { exact: true }).fill(ymd(tomorrow));
  assert.equal(await page.getByLabel('Who calls back').inputValue(), 'agent', 'the code\'s scope is the default');
  assert.deepEqual(await unlabelledControls(page), []);
  await screenshot(page, '12b-agent-callback');
  await page.getByRole('button', { name: /^Save disposition/ }).click();
  await page.getByRole('status').filter({ hasText: /Disposed as Call back\..*Callback scheduled\./ }).waitFor();
  await page.locator('.state-badge[data-state="ready"]').waitFor();
  const cb = await ctl.store!.tenant(tenantId).selectFrom('callbacks').select(['due_at', 'agent_id', 'scope']).where('lead_id', '=', seed.leadId).executeTakeFirstOrThrow();
  const due = new Date(tomorrow.getFullYear(), tomorrow.getMonth(), tomorrow.getDate(), 10, 30).getTime();
  assert.deepEqual(cb, { due_at: due, agent_id: seed.agent.agentId, scope: 'agent' }, 'the callback is stored for this agent at the local time picked');
});

test('manual dial: a typing mistake is explained at once, a DNC number is flagged before dialling', async () => {
  await admin.call('POST', '/api/v1/dnc', { phone: '+12125550177', reason: 'asked not to be called' });
  const input = page.getByLabel('Manual dial');
  await input.fill('212 555 01');
  await input.blur();
  await page.getByRole('alert').filter({ hasText: /Too short/ }).waitFor();
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  await input.fill('(212) 555-0177');
  await page.locator('[data-dnc="yes"]').waitFor();
  await page.getByText('Will dial +1 212 555 0177').waitFor();
  await screenshot(page, '13-agent-manual-dial-dnc');
});

test('a network drop on the agent screen: a notice at once, then recovery with the missed state change replayed', async () => {
  const context = page.context();
  await page.locator('.state-badge[data-state="ready"]').waitFor();
  await context.setOffline(true);
  await page.getByRole('alert').filter({ hasText: /connection lost/i }).waitFor();
  await page.locator('[data-conn="reconnecting"]').waitFor();
  // A supervisor pauses the agent while the agent's browser is offline.
  await ctl.setState(seed.agent.agentId, 'paused', { reason: 'MEETING' });
  await screenshot(page, '14-agent-network-lost');
  await context.setOffline(false);
  await page.locator('[data-conn="open"]').waitFor({ timeout: 20_000 });
  await page.locator('.state-badge[data-state="paused"]').filter({ hasText: 'Meeting' }).waitFor({ timeout: 10_000 });
  await page.getByRole('status').filter({ hasText: 'Reconnected' }).waitFor();
});
