// The console in a real browser against the real API (every daemon started as `npm start` does):
// login and accessibility basics, supervisor campaign controls with audit entries,
// a network drop that is reported and recovered from, a CSV upload with its report, and the admin pages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { focusIsVisible, launchBrowser, logInAt, screenshot, tabTo, type TestBrowser, unlabelledControls } from './helpers/browser.js';
import { addAgent } from './helpers/seed.js';
import { ADMIN, buildConsole, Rest, startStack, type Stack } from './helpers/stack.js';

let stack: Stack;
let browser: TestBrowser;
let admin: Rest;
let campaignId: string;

before(async () => {
  buildConsole();
  stack = await startStack();
  browser = await launchBrowser();
  admin = new Rest(stack.url);
  await admin.login(ADMIN.email, ADMIN.password);
  const c = await admin.call<{ id: string }>('POST', '/api/v1/campaigns', { name: 'Spring renewals', dialMode: 'predictive', targetAbandonRate: 0.03 });
  campaignId = c.id;
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

const logIn = (page: Page, email: string, password: string): Promise<void> => logInAt(page, stack.url, email, password);

test('the login page is light (three files), every control is labelled, and it works from the keyboard alone', async () => {
  const { page } = await browser.newPage();
  const requests: { url: string; bytes: number }[] = [];
  page.on('response', (r) => void r.body().then((b) => requests.push({ url: r.url(), bytes: b.length }), () => undefined));
  await page.goto(stack.url + '/');
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  // Load time is set by what the page fetches, so the test bounds that (wall-clock asserts are flaky on a shared CI box):
  // three files, about 40 KiB compressed, fetched in one round trip after the HTML. The measured time is logged.
  const first = requests.filter((r) => !r.url.includes('/api/'));
  assert.deepEqual(first.map((r) => new URL(r.url).pathname).sort(), ['/', '/app.css', '/main.js']);
  const total = first.reduce((n, r) => n + r.bytes, 0);
  assert.ok(total < 200 * 1024, `the console weighs ${total} bytes`);
  const nav = (await page.evaluate(`performance.getEntriesByType('navigation')[0].loadEventEnd`)) as number;
  console.log(`# login page: ${first.length} files, ${(total / 1024).toFixed(1)} KiB, load event at ${Math.round(nav)} ms`);
  assert.deepEqual(await unlabelledControls(page), []);
  await screenshot(page, '00-login');

  // Keyboard only: the e-mail field has focus; type, Tab to the password, Enter submits.
  await page.keyboard.type(ADMIN.email);
  await tabTo(page, (el) => el.name === 'password');
  assert.equal(await focusIsVisible(page), true, 'the focused field shows a focus ring');
  await page.keyboard.type(ADMIN.password);
  await page.keyboard.press('Enter');
  await page.locator('[data-conn="open"]').waitFor();
  await page.locator('.wallboard').waitFor();
  await page.locator(`[data-campaign-id="${campaignId}"]`).waitFor();
  assert.deepEqual(await unlabelledControls(page), []);
  await screenshot(page, '01-wallboard');
  assert.deepEqual((page as Page & { consoleErrors?: string[] }).consoleErrors ?? [], []);
  await page.close();
});

test('a wrong password is refused with a clear message', async () => {
  const { page } = await browser.newPage();
  await page.goto(stack.url + '/');
  await page.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: /wrong e-mail or password/i }).waitFor();
  await page.close();
});

test('a supervisor starts and pauses a campaign and changes its drop target, with confirmation and an audit entry', async () => {
  const { page } = await browser.newPage();
  await logIn(page, ADMIN.email, ADMIN.password);
  const card = page.locator(`[data-campaign-id="${campaignId}"]`);
  await card.getByRole('button', { name: 'Start' }).click();
  const dialog = card.getByRole('dialog');
  await dialog.getByText('recorded in the audit log').waitFor();
  await screenshot(page, '02-campaign-confirm');
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  // The status comes back over the WebSocket (campaign.state).
  await card.locator('[data-campaign-status="running"]').waitFor();

  await card.getByText('Dial mode and drop target').click();
  await card.getByLabel('Drop target (%)').fill('2.5');
  await card.getByLabel('Dial mode').selectOption('progressive');
  await card.getByRole('button', { name: 'Apply…' }).click();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('status').filter({ hasText: 'change settings done' }).waitFor();

  await card.getByRole('button', { name: 'Pause' }).click();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await card.locator('[data-campaign-status="paused"]').waitFor();

  const camp = await admin.call<{ status: string; dialMode: string; targetAbandonRate: number }>('GET', `/api/v1/campaigns/${campaignId}`);
  assert.equal(camp.status, 'paused');
  assert.equal(camp.dialMode, 'progressive');
  assert.equal(camp.targetAbandonRate, 0.025);
  const audit = await admin.call<{ items: { action: string }[] }>('GET', `/api/v1/audit?entity=campaign&entityId=${campaignId}`);
  const actions = audit.items.map((a) => a.action);
  for (const a of ['campaign.start', 'campaign.updated', 'campaign.pause']) assert.ok(actions.includes(a), `audit has ${a}: ${actions.join(', ')}`);
  await page.close();
});

test('a network drop shows a notice at once, and the console recovers and catches up on what it missed', async () => {
  const { context, page } = await browser.newPage();
  await logIn(page, ADMIN.email, ADMIN.password);
  const card = page.locator(`[data-campaign-id="${campaignId}"]`);
  await card.locator('[data-campaign-status="paused"]').waitFor();

  await context.setOffline(true);
  await page.getByRole('alert').filter({ hasText: /Network connection lost|Connection to the server lost/ }).waitFor();
  await page.locator('[data-conn="reconnecting"]').waitFor();
  await screenshot(page, '03-network-lost');

  // While the browser is offline, the campaign changes (another supervisor, say).
  await admin.call('POST', `/api/v1/campaigns/${campaignId}/start`);

  await context.setOffline(false);
  await page.locator('[data-conn="open"]').waitFor({ timeout: 20_000 });
  await page.getByRole('status').filter({ hasText: 'Reconnected' }).waitFor();
  // The missed campaign.state is replayed (resume from the last sequence number) without a reload.
  await card.locator('[data-campaign-status="running"]').waitFor({ timeout: 10_000 });
  assert.equal(await page.getByRole('alert').filter({ hasText: /connection lost/i }).count(), 0, 'the error notice is gone');
  await screenshot(page, '04-network-recovered');
  await page.close();
});

test('a CSV upload maps its columns, shows progress, and completes with its report', async () => {
  const list = await admin.call<{ id: string }>('POST', '/api/v1/lists', { name: 'Upload test', campaignId });
  await admin.call('POST', '/api/v1/dnc', { phone: '+12125550177', reason: 'asked not to be called' });
  const csv = [
    'Phone Number,First Name,Last Name,Plan',
    '(212) 555-0101,Ann,Lee,Gold',
    '212-555-0102,Bob,Stone,Silver',
    '212 555 0101,Ann,Lee,Gold',
    'not a phone,Cy,Young,Bronze',
    '+1 212 555 0177,Dee,Nope,Gold',
    '2125550103,Eve,Moss,Platinum',
  ].join('\n');

  const { page } = await browser.newPage();
  await logIn(page, ADMIN.email, ADMIN.password);
  await page.goto(stack.url + '/#/admin/lists');
  await page.getByRole('heading', { name: 'Upload leads (CSV)' }).waitFor();
  await page.getByLabel('Into list').selectOption({ label: 'Upload test' });
  await page.getByLabel('CSV file').setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  // The mapping is guessed from the header; unknown columns become custom fields.
  await page.getByLabel('Field for column Phone Number').waitFor();
  assert.equal(await page.getByLabel('Field for column Phone Number').inputValue(), 'phone');
  assert.equal(await page.getByLabel('Field for column First Name').inputValue(), 'first_name');
  assert.equal(await page.getByLabel('Field for column Plan').inputValue(), 'custom.plan');
  assert.deepEqual(await unlabelledControls(page), []);
  await screenshot(page, '05-import-mapping');
  await page.getByRole('button', { name: 'Upload' }).click();

  const report = page.locator('[data-import-report="yes"]');
  await report.waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('[data-import-status]').getAttribute('data-import-status'), 'completed');
  const fig = async (name: string) => Number(await report.locator(`[data-fig="${name}"]`).textContent());
  assert.deepEqual({ imported: await fig('imported'), duplicates: await fig('duplicates'), invalid: await fig('invalid'), dnc: await fig('dnc') }, { imported: 3, duplicates: 1, invalid: 1, dnc: 1 });
  assert.equal(await page.locator('progress').first().getAttribute('value'), '100');
  // Every row not imported is listed with its row number and reason.
  const rows = report.getByRole('table').locator('tbody tr');
  assert.equal(await rows.count(), 3);
  await report.getByRole('cell', { name: '4', exact: true }).waitFor();
  await screenshot(page, '06-import-report');

  const leads = await admin.call<{ items: { phone: string; firstName: string | null; custom: Record<string, unknown> }[] }>('GET', `/api/v1/leads?listId=${list.id}&limit=50`);
  assert.deepEqual(leads.items.map((l) => l.phone).sort(), ['+12125550101', '+12125550102', '+12125550103']);
  assert.equal(leads.items.find((l) => l.phone === '+12125550103')?.custom['plan'], 'Platinum');
  await page.close();
});

test('every admin page opens from its menu, with every control labelled; DNC numbers and API keys are added from the forms', async () => {
  const { page } = await browser.newPage();
  await logIn(page, ADMIN.email, ADMIN.password);
  const sections: [string, string][] = [
    ['campaigns', 'Campaigns'],
    ['lists', 'Lists'],
    ['users', 'Users'],
    ['agents', 'Agents'],
    ['dnc', 'Do not call'],
    ['dispositions', 'Dispositions'],
    ['webhooks', 'Webhooks'],
    ['api-keys', 'API keys'],
  ];
  await page.goto(stack.url + '/#/admin/campaigns');
  for (const [section, title] of sections) {
    await page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: title, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
    assert.equal(new URL(page.url()).hash, `#/admin/${section}`);
    assert.deepEqual(await unlabelledControls(page), [], `${title}: every control is labelled`);
  }
  // The campaigns page lists the campaign the other tests use.
  await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
  await page.getByRole('cell', { name: 'Spring renewals', exact: true }).waitFor();
  await screenshot(page, '07-admin-campaigns');

  // DNC: a number added from the form is listed and checked by the API.
  await page.getByRole('link', { name: 'Do not call', exact: true }).click();
  const dncForm = page.getByRole('form', { name: 'Add to DNC' });
  await dncForm.getByLabel(/^Number, or an area-code wildcard/).fill('+12125550166');
  await dncForm.getByLabel('Reason', { exact: true }).fill('asked on the phone');
  await dncForm.getByRole('button', { name: 'Add to DNC' }).click();
  await page.getByRole('cell', { name: '+12125550166', exact: true }).waitFor();
  const check = await admin.call<{ dnc: boolean; reason?: string | null }>('POST', '/api/v1/dnc/check', { phone: '+12125550166' });
  assert.deepEqual([check.dnc, check.reason], [true, 'asked on the phone'], 'the API refuses the number from now on');

  // API keys: created from the form, shown once.
  await page.getByRole('link', { name: 'API keys', exact: true }).click();
  const keyForm = page.getByRole('form', { name: 'Create key' });
  await keyForm.getByLabel('Name', { exact: true }).fill('e2e reporting');
  // A key needs at least one scope: the form says so before anything is sent.
  await keyForm.getByRole('button', { name: 'Create key' }).click();
  const scopes = keyForm.getByLabel(/^Scopes/);
  assert.equal(await keyForm.locator('input:invalid').count(), 1, 'an empty scope list is refused by the form');
  assert.equal(await page.locator('[data-new-key]').count(), 0, 'and nothing was sent');
  await scopes.fill('calls:read, leads:read');
  await keyForm.getByRole('button', { name: 'Create key' }).click();
  const shown = page.locator('[data-new-key]');
  await shown.waitFor();
  assert.ok(((await shown.textContent()) ?? '').length >= 20, 'the new key is shown in full');
  await page.getByRole('cell', { name: 'e2e reporting', exact: true }).waitFor();
  await screenshot(page, '08-admin-api-keys');
  assert.deepEqual((page as Page & { consoleErrors?: string[] }).consoleErrors ?? [], []);
  await page.close();
});

test('a blocked microphone is reported clearly, and the agent is not signed in to a phone that cannot send audio', async () => {
  const agent = { email: 'mia.agent@e2e.test', password: 'agent-password-135' };
  await addAgent(admin, { ...agent, name: 'Mia Agent', extension: '1201' }, campaignId);
  const blocked = await launchBrowser({ micBlocked: true });
  try {
    const { page } = await blocked.newPage();
    const stateChanges: string[] = [];
    page.on('request', (r) => void (/\/api\/v1\/agents\/[^/]+\/state$/.test(new URL(r.url()).pathname) && stateChanges.push(r.postData() ?? '')));
    await logIn(page, agent.email, agent.password);
    await page.getByRole('button', { name: 'Test microphone' }).click();
    const notice = 'Microphone: The microphone is blocked. Allow microphone access for this site in the browser, then try again.';
    await page.getByRole('alert').getByText(notice, { exact: true }).waitFor({ timeout: 10_000 });
    await screenshot(page, '06-mic-blocked');
    // Signing in asks for the microphone again; refused, the agent stays on the sign-in screen with the notice.
    await page.getByRole('button', { name: 'Sign in to the phone' }).click();
    await page.getByRole('button', { name: 'Sign in to the phone', disabled: false }).waitFor();
    await page.waitForTimeout(1000);
    await page.getByRole('heading', { name: 'Start your shift' }).waitFor();
    assert.deepEqual(stateChanges, [], 'no login was sent for a phone without a microphone');
    assert.equal(await page.locator('[data-audio]').count(), 0);
    assert.equal(await page.getByRole('alert').getByText(notice, { exact: true }).count(), 1, 'one notice, not one per attempt');
    await page.close();
  } finally {
    await blocked.close();
  }
});
