import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startApi, tempHome, loginAdmin, type TestApi } from './helpers.js';

let api: TestApi;
const home = tempHome();
const cli = (args: string[], stdin?: string) => runCli(args, { home: home.dir, ...(stdin !== undefined ? { stdin } : {}) });
const json = async <T>(args: string[]): Promise<T> => {
  const r = await cli(['--json', ...args]);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
  return JSON.parse(r.out) as T;
};

before(async () => {
  api = await startApi();
  await loginAdmin(api, home.dir);
});
after(async () => {
  await api.stop();
  home.cleanup();
});

test('campaign create, list, show (by name), update with --set, and the error paths', async () => {
  const created = await cli(['campaign', 'create', '--name', 'Spring renewals', '--dial-mode', 'predictive', '--set', 'targetAbandonRate=0.02', '--set', 'maxAttempts=4']);
  assert.equal(created.code, 0, created.err);
  assert.match(created.out, /created campaign Spring renewals \([0-9a-f-]{36}\), stopped/);

  const list = await cli(['campaign', 'list']);
  assert.match(list.out, /^ID\s+NAME\s+STATUS\s+KIND\s+MODE/m);
  assert.match(list.out, /Spring renewals\s+stopped\s+\S+\s+predictive/);

  const shown = await json<{ id: string; dialMode: string; targetAbandonRate: number; maxAttempts: number }>(['campaign', 'show', 'spring renewals']);
  assert.equal(shown.dialMode, 'predictive');
  assert.equal(shown.targetAbandonRate, 0.02);
  assert.equal(shown.maxAttempts, 4);

  const updated = await json<{ maxAttempts: number; amdEnabled: boolean }>(['campaign', 'update', shown.id, '--set', 'maxAttempts=6', '--set', 'amdEnabled=true']);
  assert.deepEqual([updated.maxAttempts, updated.amdEnabled], [6, true]);

  // The API's validation comes back as exit 2 with the field named.
  const bad = await cli(['campaign', 'update', shown.id, '--set', 'maxAttempts=0']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /maxAttempts/);
  assert.match(bad.err, /DIALER_ERR_VALIDATION/);

  const missing = await cli(['campaign', 'show', 'No such campaign']);
  assert.equal(missing.code, 7);
  assert.match(missing.err, /no campaign named "No such campaign"/);
  const missingId = await cli(['campaign', 'show', '01900000-0000-7000-8000-000000000000']);
  assert.equal(missingId.code, 7);

  // Names are unique within a tenant: a second one is a conflict, exit 8.
  const dup = await cli(['campaign', 'create', '--name', 'Spring renewals']);
  assert.equal(dup.code, 8);
  assert.match(dup.err, /DIALER_ERR_CONFLICT/);
});

test('campaign start, pause, stop change the state; stats answer for a campaign and for all', async () => {
  const camp = await json<{ id: string }>(['campaign', 'create', '--name', 'Lifecycle']);
  const start = await cli(['campaign', 'start', 'Lifecycle']);
  assert.equal(start.code, 0, start.err);
  assert.match(start.out, /campaign Lifecycle \(.*\) is running/);
  assert.equal((await json<{ status: string }>(['campaign', 'pause', camp.id])).status, 'paused');
  assert.equal((await json<{ status: string }>(['campaign', 'stop', camp.id])).status, 'stopped');
  const stats = await json<{ campaignId: string; today: { dialed: number } }>(['campaign', 'stats', camp.id]);
  assert.equal(stats.campaignId, camp.id);
  assert.equal(stats.today.dialed, 0);
  const human = await cli(['campaign', 'stats', camp.id]);
  assert.match(human.out, /status\s+\(no live snapshot in the last 10 s\)/);
  assert.equal((await cli(['campaign', 'stats'])).code, 0);
  const del = await cli(['campaign', 'delete', camp.id]);
  assert.equal(del.code, 0, del.err);
});

test('lists, leads, lead search and update, and list export as CSV that names the import fields', async () => {
  const camp = await json<{ id: string }>(['campaign', 'create', '--name', 'Export me']);
  const list = await json<{ id: string; name: string }>(['list', 'create', '--name', 'March leads', '--campaign', 'Export me']);
  const apiKeyless = await fetch(`${api.url}/api/v1/leads`, { method: 'POST' });
  assert.equal(apiKeyless.status, 401);
  // Leads are added through the API (the import route is the bulk path).
  const token = JSON.parse(readFileSync(join(home.dir, '.config/dialerctl/config.json'), 'utf8')).profiles.default.accessToken as string;
  for (const [phone, first] of [
    ['+12125550101', 'Ada'],
    ['+12125550102', '=HYPERLINK("x")'],
    ['+12125550103', 'Grace, "Amazing"'],
  ] as const) {
    const r = await fetch(`${api.url}/api/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ listId: list.id, phone, firstName: first, custom: { plan: 'gold' } }),
    });
    assert.equal(r.status, 201, await r.text());
  }

  const lists = await cli(['list', 'list', '--campaign', camp.id]);
  assert.match(lists.out, /March leads\s+\S+\s+\S+\s+3/);

  const search = await json<{ items: { id: number; phone: string }[] }>(['lead', 'search', '--phone', '+1212555010*', '--list', 'March leads']);
  assert.equal(search.items.length, 3);
  const ada = search.items.find((l) => l.phone === '+12125550101')!;
  const shown = await json<{ firstName: string }>(['lead', 'show', String(ada.id)]);
  assert.equal(shown.firstName, 'Ada');
  const upd = await json<{ lastName: string; custom: { plan: string; tier: number } }>(['lead', 'update', String(ada.id), '--last-name', 'Lovelace', '--set', 'custom.plan=silver', '--set', 'custom.tier=2']);
  assert.equal(upd.lastName, 'Lovelace');
  assert.deepEqual(upd.custom, { plan: 'silver', tier: 2 });
  assert.equal((await cli(['lead', 'show', 'abc'])).code, 2);
  assert.equal((await cli(['lead', 'show', '999999'])).code, 7);

  const csv = await cli(['list', 'export', 'March leads', '--custom', 'plan']);
  assert.equal(csv.code, 0, csv.err);
  const lines = csv.out.trimEnd().split('\r\n');
  assert.match(lines[0]!, /^id,list_id,campaign_id,phone,.*first_name,last_name,.*,custom\.plan$/);
  assert.equal(lines.length, 4);
  assert.ok(lines.some((l) => l.includes(`"'=HYPERLINK(""x"")"`)), 'formulas are defused and quoted');
  assert.ok(lines.some((l) => l.includes('"Grace, ""Amazing"""')));
  assert.ok(lines.some((l) => /,\+12125550101,,Ada,Lovelace,.*,silver$/.test(l)));

  const csvFile = join(home.dir, 'leads.csv');
  const toCsv = await cli(['list', 'export', list.id, '-o', csvFile]);
  assert.equal(toCsv.code, 0, toCsv.err);
  assert.match(toCsv.err, /exported 3 leads to/);

  const out = join(home.dir, 'leads.jsonl');
  const toFile = await cli(['list', 'export', list.id, '--format', 'jsonl', '-o', out]);
  assert.equal(toFile.code, 0, toFile.err);
  assert.match(toFile.err, /exported 3 leads to/);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 3);
});

test('users and API keys: create with a generated password, log in with it, create a scoped key, use it, revoke it', async () => {
  const created = await json<{ id: string; email: string; password: string }>(['user', 'create', '--email', 'sup@example.com', '--name', 'Sue Pervisor', '--role', 'supervisor']);
  assert.equal(created.password.length, 20);
  const other = tempHome();
  try {
    const login = await runCli(['--url', api.url, 'login', '--email', 'sup@example.com', '--password-stdin'], { home: other.dir, stdin: `${created.password}\n` });
    assert.equal(login.code, 0, login.err);
    assert.match(login.out, /as sup@example\.com \(supervisor\)/);
  } finally {
    other.cleanup();
  }
  const users = await cli(['user', 'list', '--role', 'supervisor']);
  assert.match(users.out, /sup@example\.com\s+Sue Pervisor\s+supervisor\s+active/);
  assert.equal((await json<{ name: string }>(['user', 'update', 'sup@example.com', '--name', 'Sue P.'])).name, 'Sue P.');
  assert.equal((await cli(['user', 'update', 'sup@example.com'])).code, 2);

  const key = await cli(['apikey', 'create', '--name', 'reporting', '--scopes', 'campaigns:read,cdrs:read', '--role', 'developer']);
  assert.equal(key.code, 0, key.err);
  const secret = key.out.trim();
  assert.match(secret, /^dk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
  assert.match(key.err, /shown only once/);

  const keyHome = tempHome();
  try {
    const stored = await runCli(['--url', api.url, 'login', '--api-key-stdin'], { home: keyHome.dir, stdin: `${secret}\n` });
    assert.equal(stored.code, 0, stored.err);
    const config = readFileSync(join(keyHome.dir, '.config/dialerctl/config.json'), 'utf8');
    assert.match(config, /"apiKey": "dk_/);
    const list = await runCli(['campaign', 'list'], { home: keyHome.dir });
    assert.equal(list.code, 0, list.err);
    const forbidden = await runCli(['user', 'list'], { home: keyHome.dir });
    assert.equal(forbidden.code, 6);

    const keys = await json<{ items: { id: string; name: string }[] }>(['apikey', 'list']);
    const id = keys.items.find((k) => k.name === 'reporting')!.id;
    assert.doesNotMatch((await cli(['apikey', 'list'])).out, new RegExp(secret.slice(20)));
    assert.equal((await cli(['apikey', 'revoke', id])).code, 0);
    // Keys are cached for a few seconds on the server; the revocation lands within that window.
    let code = 0;
    for (let i = 0; i < 30 && code !== 5; i++) {
      code = (await runCli(['campaign', 'list'], { home: keyHome.dir })).code;
      if (code !== 5) await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(code, 5);
  } finally {
    keyHome.cleanup();
  }
  assert.equal((await cli(['user', 'delete', 'sup@example.com'])).code, 0);
});

test('list import: header auto-mapping plus --map, a progress bar on a terminal, and the report of rejected rows', async () => {
  await json(['campaign', 'create', '--name', 'Import campaign']);
  const file = join(home.dir, 'march.csv');
  const rows = ['Mobile,First Name,last_name,Plan'];
  for (let i = 0; i < 300; i++) rows.push(`+1212555${String(2000 + i)},Name${i},Last${i},gold`);
  rows.push('not-a-phone,Bad,Row,x');
  rows.push('+12125552000,Dup,Row,x');
  writeFileSync(file, `${rows.join('\n')}\n`);

  const imp = await runCli(['list', 'import', file, '--campaign', 'Import campaign', '--map', 'Mobile=phone', '--map', 'First Name=first_name', '--map', 'Plan=custom.plan'], { home: home.dir, tty: true });
  assert.equal(imp.code, 0, imp.err);
  assert.match(imp.err, /created list march\.csv/);
  assert.match(imp.err, /mapping: First Name→first_name, last_name→last_name, Mobile→phone, Plan→custom\.plan/);
  assert.match(imp.err, /\rimporting \[#+\] 100% /);
  assert.match(imp.out, /import \S+ into list march\.csv: completed/);
  assert.match(imp.out, /rows 302: imported 300, duplicates 1, invalid 1, on a DNC list 0/);
  assert.match(imp.out, /^\s+301\s+invalid\s+/m);
  assert.match(imp.out, /^\s+302\s+duplicate\s+/m);

  const leads = await json<{ items: Array<{ custom: { plan: string }; firstName: string }> }>(['lead', 'search', '--phone', '+12125552001']);
  assert.deepEqual([leads.items[0]!.firstName, leads.items[0]!.custom.plan], ['Name1', 'gold']);

  const imports = await json<{ items: Array<{ id: string; imported: number }> }>(['list', 'imports', '--list', 'march.csv']);
  assert.equal(imports.items[0]!.imported, 300);
  const errs = await json<{ items: Array<{ row: number; kind: string }> }>(['list', 'import-errors', imports.items[0]!.id]);
  assert.deepEqual(errs.items.map((e) => [e.row, e.kind]), [[301, 'invalid'], [302, 'duplicate']]);

  // Mapping mistakes are caught before anything is sent.
  const noPhone = await cli(['list', 'import', file, '--list', 'march.csv', '--map', 'Mobile=first_name']);
  assert.equal(noPhone.code, 2);
  assert.match(noPhone.err, /no column maps to phone/);
  const badCol = await cli(['list', 'import', file, '--list', 'march.csv', '--map', 'Cell=phone']);
  assert.equal(badCol.code, 2);
  assert.match(badCol.err, /the file has no column "Cell"/);
  const missing = await cli(['list', 'import', join(home.dir, 'nope.csv'), '--list', 'march.csv']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read .*nope\.csv: ENOENT/);
});

test('dnc add, check (exit 9 when listed), wildcard, import with a report, list, remove', async () => {
  const add = await cli(['dnc', 'add', '+12125550999', '--reason', 'asked by phone']);
  assert.equal(add.code, 0, add.err);
  const listed = await cli(['dnc', 'check', '(212) 555-0999']);
  assert.equal(listed.code, 9);
  assert.match(listed.out, /\+12125550999: DO NOT CALL \(tenant list/);
  const free = await cli(['dnc', 'check', '+12125550998']);
  assert.equal(free.code, 0);
  assert.match(free.out, /not on any DNC list/);

  await json(['campaign', 'create', '--name', 'DNC campaign']);
  assert.equal((await cli(['dnc', 'add', '+1646*', '--campaign', 'DNC campaign'])).code, 0);
  assert.equal((await cli(['dnc', 'check', '+16465550100'])).code, 0, 'a campaign list applies only to its campaign');
  assert.equal((await cli(['dnc', 'check', '+16465550100', '--campaign', 'DNC campaign'])).code, 9);

  const file = join(home.dir, 'dnc.csv');
  writeFileSync(file, 'phone\n+13125550100\n+13125550101\nnonsense\n');
  const imp = await cli(['dnc', 'import', file]);
  assert.equal(imp.code, 0, imp.err);
  assert.match(imp.out, /added 2, invalid 1/);
  const list = await json<{ items: Array<{ phone: string }> }>(['dnc', 'list', '--prefix', '+1312']);
  assert.deepEqual(list.items.map((e) => e.phone), ['+13125550100', '+13125550101']);

  assert.equal((await cli(['dnc', 'remove', '+12125550999'])).code, 0);
  assert.equal((await cli(['dnc', 'check', '+12125550999'])).code, 0);
  assert.equal((await cli(['dnc', 'remove', '+12125550999'])).code, 7);
  assert.equal((await cli(['dnc', 'check', 'banana'])).code, 2);
});
