import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { runCli, startApi, tempHome, type TestApi } from './helpers.js';

let api: TestApi;
before(async () => {
  api = await startApi();
});
after(async () => {
  await api.stop();
});

function configOf(home: string): { current: string; profiles: Record<string, Record<string, unknown>> } {
  return JSON.parse(readFileSync(join(home, '.config', 'dialerctl', 'config.json'), 'utf8'));
}

test('login stores the session in a 0600 file in the user config dir; whoami then uses it', async () => {
  const home = tempHome();
  try {
    const login = await runCli(['--url', api.url, 'login', '--email', api.adminEmail, '--password-stdin'], { home: home.dir, stdin: `${api.adminPassword}\n` });
    assert.equal(login.code, 0, login.err);
    assert.match(login.out, /logged in to .* as admin@example\.com \(admin\)/);

    const file = join(home.dir, '.config', 'dialerctl', 'config.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(home.dir, '.config', 'dialerctl')).mode & 0o777, 0o700);
    const profile = configOf(home.dir).profiles['default']!;
    assert.equal(profile['url'], api.url);
    assert.match(String(profile['refreshToken']), /^rt_/);

    // No --url: the profile says where the API is.
    const who = await runCli(['--json', 'whoami'], { home: home.dir });
    assert.equal(who.code, 0, who.err);
    const me = JSON.parse(who.out) as { email: string; role: string; kind: string };
    assert.deepEqual([me.email, me.role, me.kind], ['admin@example.com', 'admin', 'user']);
  } finally {
    home.cleanup();
  }
});

test('an access token about to expire is renewed with the refresh token, and the new pair is saved', async () => {
  const home = tempHome();
  try {
    await runCli(['--url', api.url, 'login', '--email', api.adminEmail, '--password-stdin'], { home: home.dir, stdin: `${api.adminPassword}\n` });
    const file = join(home.dir, '.config', 'dialerctl', 'config.json');
    const before = configOf(home.dir);
    before.profiles['default']!['accessTokenExpiresAt'] = Date.now() - 1000;
    writeFileSync(file, JSON.stringify(before), { mode: 0o600 });

    const who = await runCli(['whoami'], { home: home.dir });
    assert.equal(who.code, 0, who.err);
    const afterRefresh = configOf(home.dir).profiles['default']!;
    assert.notEqual(afterRefresh['refreshToken'], before.profiles['default']!['refreshToken']);
    assert.ok(Number(afterRefresh['accessTokenExpiresAt']) > Date.now());
    assert.equal(statSync(file).mode & 0o777, 0o600);

    // The old refresh token was rotated away: the server refuses it.
    const res = await fetch(`${api.url}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: before.profiles['default']!['refreshToken'] }),
    });
    assert.equal(res.status, 401);
  } finally {
    home.cleanup();
  }
});

test('a wrong password exits 5 with the API message, and stores nothing', async () => {
  const home = tempHome();
  try {
    const r = await runCli(['--url', api.url, 'login', '--email', api.adminEmail, '--password-stdin'], { home: home.dir, stdin: 'wrong-password-here\n' });
    assert.equal(r.code, 5);
    assert.match(r.err, /wrong e-mail or password .*\[DIALER_ERR_UNAUTHORIZED\]/);
    assert.throws(() => statSync(join(home.dir, '.config', 'dialerctl', 'config.json')));
  } finally {
    home.cleanup();
  }
});

test('without credentials a protected command exits 5 and says how to log in', async () => {
  const home = tempHome();
  try {
    const r = await runCli(['--url', api.url, 'whoami'], { home: home.dir });
    assert.equal(r.code, 5);
    assert.match(r.err, /dialerctl login/);
  } finally {
    home.cleanup();
  }
});

test('stored credentials are never sent to another --url; --token and DIALER_TOKEN win over the profile', async () => {
  const home = tempHome();
  const seen: (string | undefined)[] = [];
  const other = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'DIALER_ERR_UNAUTHORIZED', message: 'no', retryable: false } }));
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  const otherUrl = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
  try {
    await runCli(['--url', api.url, 'login', '--email', api.adminEmail, '--password-stdin'], { home: home.dir, stdin: `${api.adminPassword}\n` });
    await runCli(['--url', otherUrl, 'whoami'], { home: home.dir });
    await runCli(['whoami'], { home: home.dir, env: { DIALER_URL: otherUrl } });
    assert.deepEqual(seen, [undefined, undefined]);

    await runCli(['--url', otherUrl, '--token', 'dk_explicit', 'whoami'], { home: home.dir });
    await runCli(['--url', otherUrl, 'whoami'], { home: home.dir, env: { DIALER_TOKEN: 'from-env' } });
    assert.deepEqual(seen.slice(2), ['Bearer dk_explicit', 'Bearer from-env']);
  } finally {
    other.close();
    home.cleanup();
  }
});

test('logout ends the login on the server and forgets the tokens', async () => {
  const home = tempHome();
  try {
    await runCli(['--url', api.url, 'login', '--email', api.adminEmail, '--password-stdin'], { home: home.dir, stdin: `${api.adminPassword}\n` });
    const refreshToken = configOf(home.dir).profiles['default']!['refreshToken'];
    const r = await runCli(['logout'], { home: home.dir });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(configOf(home.dir).profiles['default'], { url: api.url });
    const res = await fetch(`${api.url}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    assert.equal(res.status, 401);
    const who = await runCli(['whoami'], { home: home.dir });
    assert.equal(who.code, 5);
  } finally {
    home.cleanup();
  }
});

test('profiles: a second login under --profile, listing without secrets, and switching', async () => {
  const home = tempHome();
  try {
    await runCli(['--url', api.url, 'login', '--email', api.adminEmail, '--password-stdin'], { home: home.dir, stdin: `${api.adminPassword}\n` });
    await runCli(['--url', api.url, '--profile', 'staging', 'login', '--email', api.adminEmail, '--password-stdin'], { home: home.dir, stdin: `${api.adminPassword}\n` });
    const list = await runCli(['--json', 'profile', 'list'], { home: home.dir });
    assert.equal(list.code, 0, list.err);
    assert.doesNotMatch(list.out, /rt_|accessToken|refreshToken/);
    const doc = JSON.parse(list.out) as { current: string; profiles: { name: string; auth: string }[] };
    assert.equal(doc.current, 'default');
    assert.deepEqual(doc.profiles.map((p) => [p.name, p.auth]).sort(), [['default', 'login'], ['staging', 'login']]);

    assert.equal((await runCli(['profile', 'use', 'staging'], { home: home.dir })).code, 0);
    assert.equal(configOf(home.dir).current, 'staging');
    const missing = await runCli(['profile', 'use', 'nope'], { home: home.dir });
    assert.equal(missing.code, 7);
  } finally {
    home.cleanup();
  }
});
