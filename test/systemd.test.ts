import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreSection } from '@dialer/core';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'systemd');
const units = readdirSync(dir).filter((f) => f.endsWith('.service') || f.endsWith('.target'));
const haveAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/** Runs `systemd-analyze verify`; any warning counts as a failure (unknown keys are only warnings). */
function verify(paths: string[]): string {
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...paths], { encoding: 'utf8' });
  return `${r.status === 0 ? '' : `exit ${r.status}\n`}${r.stderr}${r.stdout}`.trim();
}

function parse(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of readFileSync(join(dir, file), 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      section = line.slice(1, -1);
      continue;
    }
    const eq = line.indexOf('=');
    const key = `${section}.${line.slice(0, eq)}`;
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

test('systemd-analyze verify accepts every unit without a warning', { skip: !haveAnalyze && 'systemd-analyze is not installed (CI installs systemd)' }, () => {
  assert.equal(verify(units.map((u) => join(dir, u))), '');
});

test('the verifier catches a broken unit (so the test above can fail)', { skip: !haveAnalyze && 'systemd-analyze is not installed' }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'units-'));
  try {
    writeFileSync(join(tmp, 'broken.service'), '[Service]\nExecStart=/usr/bin/node x\nRestartt=always\n');
    assert.match(verify([join(tmp, 'broken.service')]), /Unknown key 'Restartt'/);
  } finally {
    rmSync(tmp, { recursive: true });
  }
});

const daemons = { 'dialer-api.service': 'api', 'dialer-ari.service': 'ari-controller', 'dialer-media.service': 'media-gateway' } as const;

for (const [unit, workspace] of Object.entries(daemons)) {
  test(`${unit} runs ${workspace} hardened, as its own user, and outlasts the drain`, () => {
    const u = parse(unit);
    const one = (k: string): string | undefined => u.get(k)?.at(-1);
    assert.equal(one('Service.ExecStart'), `/usr/bin/node /opt/dialer/${workspace}/dist/main.js`);
    assert.ok(existsSync(join(dir, '..', workspace, 'src', 'main.ts')));
    assert.equal(one('Service.User'), 'dialer');
    assert.ok((u.get('Service.EnvironmentFile') ?? []).includes('/etc/dialer/dialer.env'));
    assert.equal(one('Service.Restart'), 'on-failure');
    assert.equal(one('Service.RestartPreventExitStatus'), '78');
    const drainS = (coreSection.settings.drainTimeoutMs.default ?? 0) / 1000;
    assert.ok(Number(one('Service.TimeoutStopSec')) > drainS, `TimeoutStopSec must exceed the ${drainS} s drain`);
    assert.equal(one('Service.NoNewPrivileges'), 'yes');
    assert.equal(one('Service.ProtectSystem'), 'strict');
    assert.equal(one('Service.ProtectHome'), 'yes');
    assert.equal(one('Service.PrivateTmp'), 'yes');
    assert.equal(one('Service.CapabilityBoundingSet'), '');
    assert.ok(one('Service.ReadWritePaths')?.includes('/var/lib/dialer'));
    assert.ok(Number(one('Service.LimitNOFILE')) >= 65536);
    assert.equal(one('Unit.PartOf'), 'dialer.target');
    assert.equal(one('Install.WantedBy'), 'dialer.target');
  });
}

test('the target groups the three daemons, and the sysctl drop-in raises rmem_max to at least 4 MB', () => {
  const t = parse('dialer.target');
  assert.deepEqual(t.get('Unit.Wants')?.join(' ').split(/\s+/).sort(), Object.keys(daemons).sort());
  const sysctl = readFileSync(join(dir, 'sysctl.d', '60-dialer.conf'), 'utf8');
  const m = /net\.core\.rmem_max\s*=\s*(\d+)/.exec(sysctl);
  assert.ok(m && Number(m[1]) >= 4 * 1024 * 1024);
  assert.match(readFileSync(join(dir, 'sysusers.d', 'dialer.conf'), 'utf8'), /^u dialer /m);
});
