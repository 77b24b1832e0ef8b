// Transfers from the agent screen and supervisor listen/whisper, in a real browser against the
// real API and media gateway, with a stand-in for the call controller on the shared Redis bus
// (it answers `cmd.call.transfer` and `cmd.call.monitor` as the controller does and records them).
// Each test checks what reached the controller (command, action, target, mode) and what the screen shows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { waitFor } from '@dialer/core/testing';
import { logInAt, onFailure, screenshot, type TestBrowser } from './helpers/browser.js';
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
let supPage: Page;

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
/** Waits for the `n`-th command of a type (1-based) to reach the stand-in. */
const nthCommand = (type: string, n: number) => waitFor(() => commands(type)[n - 1], 10_000);

const logIn = (page: Page, email: string, password: string): Promise<void> => logInAt(page, stack.url, email, password);

let calls = 0;
/** Puts a fresh call through to the agent and waits for the pop-up. */
async function connectCall(): Promise<string> {
  const callId = `xfer-${++calls}`;
  await ctl.connect(callId, seed.agent.agentId, {
    campaignId: seed.campaignId,
    leadId: seed.leadId,
    lead: { id: seed.leadId, first_name: 'Maria', last_name: 'Lopez', phone: '+12125550100', custom: { plan: 'Gold' } },
  });
  await page.locator(`.popup[data-call-id="${callId}"]`).waitFor({ timeout: 10_000 });
  await page.locator('.state-badge[data-state="on_call"]').waitFor({ timeout: 10_000 });
  return callId;
}

/** The dialog's second select (the "Transfer to" label's text also holds the words queue and agent). */
const targetSelect = (label: 'Queue' | 'Agent') => page.getByRole('dialog').locator('label').filter({ hasText: new RegExp(`^\\s*${label}`) }).locator('select');

/** Opens the transfer dialog, picks the mode and the target. */
async function fillTransfer(mode: 'Blind' | 'Warm', kind: 'queue' | 'agent' | 'number', pick: () => Promise<void>) {
  await page.getByRole('group', { name: 'Call controls' }).getByRole('button', { name: 'Transfer', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Transfer the call' });
  await dialog.waitFor();
  await dialog.getByRole('radio', { name: new RegExp(`^${mode}`) }).check();
  await dialog.getByLabel('Transfer to').selectOption(kind);
  await pick();
  return dialog;
}

test('the agent signs in and a call comes through', async () => {
  await logIn(page, seed.agent.email, seed.agent.password);
  await page.getByRole('button', { name: 'Sign in to the phone' }).click();
  await page.locator('.state-badge[data-state="paused"]').waitFor({ timeout: 15_000 });
  await page.keyboard.press('Alt+R');
  await page.locator('.state-badge[data-state="ready"]').waitFor({ timeout: 15_000 });
  await connectCall();
});

test('blind transfer to a queue: the controller gets action blind with the campaign as target; the screen says done', async () => {
  await onFailure(page, 'transfer-blind-queue', async () => {
    const callId = calls === 1 ? 'xfer-1' : await connectCall();
    const dialog = await fillTransfer('Blind', 'queue', async () => {
      await targetSelect('Queue').selectOption({ label: 'Renewals' });
    });
    // Keyboard: the submit button is the form's default action.
    await dialog.getByRole('button', { name: 'Transfer', exact: true }).focus();
    await page.keyboard.press('Enter');
    const cmd = await nthCommand('cmd.call.transfer', 1);
    assert.deepEqual(cmd, { callId, action: 'blind', target: { kind: 'queue', campaignId: seed.campaignId } });
    await page.getByRole('status').filter({ hasText: 'Transfer done.' }).waitFor();
    await page.locator('.call-status .badge').filter({ hasText: 'Transfer blind: completed' }).waitFor({ timeout: 10_000 });
    assert.equal(await dialog.isVisible(), false, 'the dialog closed');
  });
});

test('a typing mistake in the number is explained and nothing reaches the controller; blind transfer to a number sends E.164', async () => {
  await onFailure(page, 'transfer-blind-number', async () => {
    const callId = await connectCall();
    const before = commands('cmd.call.transfer').length;
    const dialog = await fillTransfer('Blind', 'number', async () => {
      await page.getByRole('dialog').getByRole('textbox', { name: 'Number' }).fill('12');
    });
    await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
    await dialog.getByRole('alert').waitFor();
    assert.equal(commands('cmd.call.transfer').length, before, 'an invalid number is not sent');
    await dialog.getByRole('textbox', { name: 'Number' }).fill('(212) 555-0199');
    await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
    const cmd = await nthCommand('cmd.call.transfer', before + 1);
    assert.deepEqual(cmd, { callId, action: 'blind', target: { kind: 'number', phone: '+12125550199' } });
    await page.locator('.call-status .badge').filter({ hasText: 'Transfer blind: completed' }).waitFor({ timeout: 10_000 });
  });
});

test('warm transfer to an agent, then complete: consult first (started), then completed, both reach the controller', async () => {
  await onFailure(page, 'transfer-warm-agent', async () => {
    const callId = await connectCall();
    const before = commands('cmd.call.transfer').length;
    const dialog = await fillTransfer('Warm', 'agent', async () => {
      await targetSelect('Agent').selectOption({ label: 'Ana Agent (1001)' });
    });
    await dialog.getByRole('button', { name: 'Call the target' }).click();
    assert.deepEqual(await nthCommand('cmd.call.transfer', before + 1), { callId, action: 'warm', target: { kind: 'agent', agentId: seed.agent.agentId } });
    await dialog.getByRole('status').filter({ hasText: 'Consulting the target' }).waitFor();
    await page.locator('.call-status .badge').filter({ hasText: 'Transfer warm: started' }).waitFor({ timeout: 10_000 });
    await screenshot(page, '30-agent-warm-transfer');
    await dialog.getByRole('button', { name: 'Complete transfer' }).click();
    assert.deepEqual(await nthCommand('cmd.call.transfer', before + 2), { callId, action: 'complete' });
    await page.getByRole('status').filter({ hasText: 'Transfer done.' }).waitFor();
    await page.locator('.call-status .badge').filter({ hasText: 'Transfer warm: completed' }).waitFor({ timeout: 10_000 });
  });
});

test('warm transfer to a number, cancelled: the agent is back with the customer', async () => {
  await onFailure(page, 'transfer-warm-cancel', async () => {
    const callId = await connectCall();
    const before = commands('cmd.call.transfer').length;
    const dialog = await fillTransfer('Warm', 'number', async () => {
      await page.getByRole('dialog').getByRole('textbox', { name: 'Number' }).fill('+1 212 555 0177');
    });
    await dialog.getByRole('button', { name: 'Call the target' }).click();
    assert.deepEqual(await nthCommand('cmd.call.transfer', before + 1), { callId, action: 'warm', target: { kind: 'number', phone: '+12125550177' } });
    await dialog.getByRole('button', { name: 'Cancel, back to the customer' }).click();
    assert.deepEqual(await nthCommand('cmd.call.transfer', before + 2), { callId, action: 'cancel' });
    await page.getByRole('status').filter({ hasText: 'Transfer cancelled.' }).waitFor();
    await page.locator('.call-status .badge').filter({ hasText: 'Transfer warm: cancelled' }).waitFor({ timeout: 10_000 });
  });
});

test('warm transfer to a queue, then three-way: the controller gets three_way; the screen says so', async () => {
  await onFailure(page, 'transfer-three-way', async () => {
    const callId = await connectCall();
    const before = commands('cmd.call.transfer').length;
    const dialog = await fillTransfer('Warm', 'queue', async () => {
      await targetSelect('Queue').selectOption({ label: 'Renewals' });
    });
    await dialog.getByRole('button', { name: 'Call the target' }).click();
    assert.deepEqual(await nthCommand('cmd.call.transfer', before + 1), { callId, action: 'warm', target: { kind: 'queue', campaignId: seed.campaignId } });
    await dialog.getByRole('button', { name: 'Three-way' }).click();
    assert.deepEqual(await nthCommand('cmd.call.transfer', before + 2), { callId, action: 'three_way' });
    await page.getByRole('status').filter({ hasText: 'Three-way call started.' }).waitFor();
    await page.locator('.call-status .badge').filter({ hasText: 'Transfer three_way: completed' }).waitFor({ timeout: 10_000 });
  });
});

test('a supervisor listens, then whispers: each click sends cmd.call.monitor with its mode, and the wallboard shows the monitoring state', async () => {
  const callId = `xfer-${calls}`;
  supPage = (await browser.newPage()).page;
  await onFailure(supPage, 'supervisor-listen-whisper', async () => {
    await logIn(supPage, seed.supervisor.email, seed.supervisor.password);
    const row = supPage.locator(`tr[data-call-id="${callId}"][data-state="connected"]`);
    await row.waitFor({ timeout: 15_000 });
    const before = commands('cmd.call.monitor').length;

    await row.getByRole('button', { name: /^Listen/ }).click();
    const listen = await nthCommand('cmd.call.monitor', before + 1);
    assert.equal(listen['callId'], callId);
    assert.equal(listen['mode'], 'listen');
    assert.equal(typeof listen['supervisorId'], 'string');
    await supPage.locator('.monitor-status[data-monitor="listen"]').filter({ hasText: 'Listening' }).waitFor({ timeout: 20_000 });
    assert.equal(await row.getByRole('button', { name: /^Listen/ }).getAttribute('aria-pressed'), 'true');
    await row.getByRole('button', { name: 'Stop' }).waitFor();
    await screenshot(supPage, '31-supervisor-listen');

    await row.getByRole('button', { name: /^Whisper/ }).click();
    const whisper = await nthCommand('cmd.call.monitor', before + 2);
    assert.deepEqual([whisper['callId'], whisper['mode'], whisper['supervisorId']], [callId, 'whisper', listen['supervisorId']]);
    await supPage.locator('.monitor-status[data-monitor="whisper"]').filter({ hasText: 'Whispering to the agent' }).waitFor({ timeout: 20_000 });
    assert.equal(await row.getByRole('button', { name: /^Whisper/ }).getAttribute('aria-pressed'), 'true');
    assert.equal(await row.getByRole('button', { name: /^Listen/ }).getAttribute('aria-pressed'), 'false');
    // A whisper is not a barge: the agent is not told a supervisor joined the call.
    assert.equal(await page.locator('.call-status .badge').filter({ hasText: 'Supervisor joined' }).count(), 0);

    await row.getByRole('button', { name: 'Stop' }).click();
    const stop = await nthCommand('cmd.call.monitor', before + 3);
    assert.deepEqual([stop['callId'], stop['mode']], [callId, 'stop']);
    await supPage.locator('.monitor-status').waitFor({ state: 'detached', timeout: 10_000 });
  });
});
