import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { runCli, tempHome } from './helpers.js';
import { run } from '../src/program.js';
import { Readable } from 'node:stream';
import { BufferStream } from '../src/io.js';
import { ProgressBar } from '../src/output/progress.js';
import { bodyFrom, parseTime } from '../src/commands/common.js';
import { buildMapping } from '../src/commands/list-transfer.js';
import { withFileLock } from '../src/lock.js';
import { applyFaults } from '../src/commands/simulate.js';

test('simulate-pbx serves ARI with the given credentials and a fault until interrupted', async () => {
  const home = tempHome();
  const ac = new AbortController();
  const out = new BufferStream();
  const done = run(['--json', 'simulate-pbx', '--port', '0', '--password', 'sim-pass', '--fault', 'no-chan-rtp'], {
    out,
    err: new BufferStream(),
    stdin: Readable.from([]),
    env: {},
    homeDir: home.dir,
    now: Date.now,
    signal: ac.signal,
  });
  try {
    const deadline = Date.now() + 20_000;
    while (!out.text.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const { url } = JSON.parse(out.text.split('\n')[0]!) as { url: string };
    const auth = { authorization: `Basic ${Buffer.from('dialer:sim-pass').toString('base64')}` };
    assert.equal((await fetch(`${url}/ari/asterisk/info`, { headers: auth })).status, 200);
    assert.equal((await fetch(`${url}/ari/asterisk/info`, { headers: { authorization: `Basic ${Buffer.from('dialer:wrong').toString('base64')}` } })).status, 401);
    assert.equal((await fetch(`${url}/ari/asterisk/modules/chan_rtp.so`, { headers: auth })).status, 404);
    // The events WebSocket registers a Stasis app, as the controller's does.
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ari/events?app=dialer`, { headers: auth });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    assert.equal((await fetch(`${url}/ari/applications/dialer`, { headers: auth })).status, 200);
    ws.terminate();
  } finally {
    ac.abort();
    assert.equal(await done, 0);
    home.cleanup();
  }
});

test('simulate-pbx rejects an unknown fault or party kind with a usage error', async () => {
  const home = tempHome();
  try {
    const fault = await runCli(['simulate-pbx', '--port', '0', '--fault', 'gremlins'], { home: home.dir });
    assert.equal(fault.code, 2);
    assert.match(fault.err, /unknown fault "gremlins"; known: mute, no-chan-rtp/);
    const party = await runCli(['simulate-pbx', '--port', '0', '--default-party', 'robot'], { home: home.dir });
    assert.equal(party.code, 2);
    assert.match(party.err, /unknown party kind robot/);
  } finally {
    home.cleanup();
  }
});

test('simulate-pbx --fault maps the doctor faults onto the simulator: NAT, clock offset, noload', () => {
  const faults = { latencyMs: 0, refuseWebSockets: false, chanRtpLoaded: true, noload: [] as string[], clockOffsetMs: 0, rtp: {} };
  applyFaults(faults, ['nat=198.51.100.7:31000', 'clock-offset=-600000', 'noload=res_stasis_snoop.so', 'pt=8']);
  assert.deepEqual(faults.rtp, { reportedAddress: '198.51.100.7', reportedPort: 31000, payloadType: 8 });
  assert.equal(faults.clockOffsetMs, -600_000);
  assert.deepEqual(faults.noload, ['res_stasis_snoop.so']);
  applyFaults(faults, ['nat=[2001:db8::7]']);
  assert.equal((faults.rtp as { reportedAddress?: string }).reportedAddress, '2001:db8::7');
  for (const bad of ['nat=', 'nat=10.0.0.1:70000', 'clock-offset=soon', 'noload=../etc/passwd']) {
    assert.throws(() => applyFaults(faults, [bad]), (e: unknown) => (e as { exitCode?: number }).exitCode === 2, bad);
  }
});

test('bench lists the root bench:* scripts and runs them through npm, gathering --json results', async () => {
  const home = tempHome();
  try {
    const root = join(home.dir, 'install');
    mkdirSync(root);
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({
        name: 'fake-install',
        private: true,
        workspaces: [],
        scripts: {
          'bench:echo': 'node echo.mjs',
          'bench:fail': 'node fail.mjs',
          build: 'true',
        },
      }),
    );
    writeFileSync(join(root, 'echo.mjs'), "console.error('log line'); console.log(JSON.stringify({ args: process.argv.slice(2) }));\n");
    writeFileSync(join(root, 'fail.mjs'), 'process.exit(3);\n');
    const list = await runCli(['bench', '--root', root], { home: home.dir });
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^echo\s+node echo\.mjs/m);
    assert.match(list.out, /^fail\s+/m);
    assert.doesNotMatch(list.out, /build/);

    const one = await runCli(['--json', 'bench', 'echo', '--root', root, '--arg', '--n=10'], { home: home.dir });
    assert.equal(one.code, 0, one.err);
    assert.deepEqual(JSON.parse(one.out), { args: ['--json', '--n=10'] });
    assert.match(one.err, /log line/);

    const all = await runCli(['--json', 'bench', 'all', '--root', root], { home: home.dir });
    assert.equal(all.code, 1);
    const doc = JSON.parse(all.out) as Record<string, { args?: string[]; error?: string }>;
    assert.deepEqual(doc['echo'], { args: ['--json'] });
    assert.match(doc['fail']!.error!, /exit 3/);
    assert.match(all.err, /1 of 2 benchmarks failed/);

    const unknown = await runCli(['bench', 'nope', '--root', root], { home: home.dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /no benchmark nope; known: echo, fail/);
  } finally {
    home.cleanup();
  }
});

test('bench finds the repository root from its own location', async () => {
  const home = tempHome();
  try {
    const r = await runCli(['--json', 'bench'], { home: home.dir });
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { root: string; benchmarks: Record<string, string> };
    assert.ok(Object.keys(doc.benchmarks).length > 0, 'the repository defines bench:* scripts');
  } finally {
    home.cleanup();
  }
});

test('a config file readable by others is used but warned about; a corrupt one is a clear error', async () => {
  const home = tempHome();
  try {
    const dir = join(home.dir, '.config', 'dialerctl');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ current: 'default', profiles: { default: { url: 'http://127.0.0.1:9' } } }));
    chmodSync(file, 0o644);
    const r = await runCli(['profile', 'list'], { home: home.dir });
    assert.equal(r.code, 0);
    assert.match(r.err, /readable by other users; run: chmod 600/);
    writeFileSync(file, '{ not json');
    const bad = await runCli(['profile', 'list'], { home: home.dir });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /config\.json is not valid JSON/);
    // DIALERCTL_CONFIG points elsewhere.
    const other = await runCli(['profile', 'list'], { home: home.dir, env: { DIALERCTL_CONFIG: join(home.dir, 'elsewhere.json') } });
    assert.equal(other.code, 0);
    assert.match(other.out, /no profiles in .*elsewhere\.json/);
  } finally {
    home.cleanup();
  }
});

test('the refresh lock serialises concurrent dialerctl processes', async () => {
  const home = tempHome();
  try {
    const file = join(home.dir, 'config.json');
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        withFileLock(file, async () => {
          order.push(`${name}+`);
          await new Promise((r) => setTimeout(r, 30));
          order.push(`${name}-`);
        }),
      ),
    );
    for (let i = 0; i < order.length; i += 2) assert.equal(order[i]!.slice(0, 1), order[i + 1]!.slice(0, 1), `interleaved: ${order.join(' ')}`);
  } finally {
    home.cleanup();
  }
});

test('--from/--to accept ISO dates, epoch ms, today and relative times; bad ones are usage errors', () => {
  const now = Date.UTC(2025, 2, 15, 12, 30);
  assert.equal(parseTime('2025-03-01', now, '--from'), Date.UTC(2025, 2, 1));
  assert.equal(parseTime('2025-03-01T10:00:00Z', now, '--from'), Date.UTC(2025, 2, 1, 10));
  assert.equal(parseTime(String(now - 5), now, '--from'), now - 5);
  assert.equal(parseTime('today', now, '--from'), Date.UTC(2025, 2, 15));
  assert.equal(parseTime('-2h', now, '--from'), now - 7_200_000);
  assert.throws(() => parseTime('last tuesday', now, '--from'), /--from "last tuesday"/);
});

test('--set builds nested JSON bodies and --file is the base', () => {
  const home = tempHome();
  try {
    const file = join(home.dir, 'c.json');
    writeFileSync(file, JSON.stringify({ name: 'From file', maxAttempts: 3 }));
    assert.deepEqual(bodyFrom({ file, set: ['maxAttempts=5', 'callWindow.start="09:00"', 'amdEnabled=true', 'callerId=+12125550100', 'note=plain text'] }, { dialMode: 'ratio' }), {
      name: 'From file',
      maxAttempts: 5,
      callWindow: { start: '09:00' },
      amdEnabled: true,
      callerId: '+12125550100',
      note: 'plain text',
      dialMode: 'ratio',
    });
    assert.throws(() => bodyFrom({ set: ['novalue'] }), /expected key=value/);
  } finally {
    home.cleanup();
  }
});

test('import mapping: headers named like fields map themselves, --map overrides, mistakes are named', () => {
  assert.deepEqual(buildMapping(['Phone', 'First-Name', 'Zip'], ['Zip=postal_code']), { Phone: 'phone', 'First-Name': 'first_name', Zip: 'postal_code' });
  assert.deepEqual(buildMapping(['Phone', 'Cell'], ['Cell=phone']), { Cell: 'phone' });
  assert.throws(() => buildMapping(['Phone'], ['Phone=shoe_size']), /unknown field shoe_size/);
  assert.deepEqual(buildMapping(['Phone', 'Tier'], ['Tier=custom.tier']), { Phone: 'phone', Tier: 'custom.tier' });
});

test('the progress bar redraws in place on a terminal and stays silent in a pipe', () => {
  let t = 0;
  const tty = new BufferStream(true);
  const bar = new ProgressBar(tty, { total: 1000, label: 'up', now: () => t, intervalMs: 100 });
  bar.update(100);
  t = 50;
  bar.update(200);
  t = 200;
  bar.update(500);
  bar.done();
  assert.equal(tty.text.split('\r').length - 1, 3, tty.text);
  assert.match(tty.text, /\rup \[###############\.{15}\]  50% 500\/1000/);
  assert.match(tty.text, /100% 1000\/1000|100% 500\/1000|\n$/);
  const pipe = new BufferStream(false);
  const quiet = new ProgressBar(pipe, { total: 10, label: 'up' });
  quiet.update(5);
  quiet.done('finished');
  assert.equal(pipe.text, 'finished\n');
});
