import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { coreSection, defineSection, describeSettings, isDialerError, loadConfig, redactConfig, setting } from '@dialer/core';

const demo = defineSection(
  'demo',
  {
    port: setting({ env: 'DEMO_PORT', schema: Type.Integer({ minimum: 1, maximum: 65535 }), default: 8080, doc: 'port' }),
    enabled: setting({ env: 'DEMO_ENABLED', schema: Type.Boolean(), default: false, doc: 'flag' }),
    hosts: setting({ env: 'DEMO_HOSTS', schema: Type.Array(Type.String({ minLength: 1 })), default: [], doc: 'list' }),
    ratio: setting({ env: 'DEMO_RATIO', schema: Type.Number({ minimum: 0, maximum: 1 }), default: 0.5, doc: 'ratio' }),
    mode: setting({ env: 'DEMO_MODE', schema: Type.Union([Type.Literal('a'), Type.Literal('b')]), default: 'a', doc: 'mode' }),
    key: setting({ env: 'DEMO_KEY', schema: Type.String({ minLength: 4 }), optional: true, secret: true, doc: 'secret' }),
    provider: setting({ env: 'DEMO_PROVIDER', schema: Type.String(), default: 'none', doc: 'provider' }),
  },
  (v) => (v.provider === 'paid' && !v.key ? [{ env: 'DEMO_KEY', message: 'is required when DEMO_PROVIDER=paid' }] : []),
);

test('defaults apply and the result is frozen', () => {
  const cfg = loadConfig([demo], { env: {}, argv: [] });
  assert.equal(cfg.demo.port, 8080);
  assert.equal(cfg.demo.enabled, false);
  assert.deepEqual(cfg.demo.hosts, []);
  assert.equal(cfg.demo.key, undefined);
  assert.ok(Object.isFrozen(cfg));
  assert.ok(Object.isFrozen(cfg.demo));
  assert.throws(() => {
    (cfg.demo as { port: number }).port = 1;
  }, TypeError);
});

test('environment strings are converted to the schema types', () => {
  const cfg = loadConfig([demo], {
    env: { DEMO_PORT: '9090', DEMO_ENABLED: 'yes', DEMO_HOSTS: 'a, b,c', DEMO_RATIO: '0.25', DEMO_MODE: 'b' },
    argv: [],
  });
  assert.equal(cfg.demo.port, 9090);
  assert.equal(cfg.demo.enabled, true);
  assert.deepEqual(cfg.demo.hosts, ['a', 'b', 'c']);
  assert.equal(cfg.demo.ratio, 0.25);
  assert.equal(cfg.demo.mode, 'b');
});

test('every problem is reported at once, with the variable names', () => {
  let caught: unknown;
  try {
    loadConfig([demo], { env: { DEMO_PORT: 'eighty', DEMO_ENABLED: 'maybe', DEMO_RATIO: '2', DEMO_MODE: 'c' }, argv: [] });
  } catch (err) {
    caught = err;
  }
  assert.ok(isDialerError(caught, 'DIALER_ERR_CONFIG_INVALID'));
  const problems = caught.details as { env: string; message: string }[];
  assert.deepEqual(problems.map((p) => p.env).sort(), ['DEMO_ENABLED', 'DEMO_MODE', 'DEMO_PORT', 'DEMO_RATIO']);
  assert.match(caught.message, /4 problems/);
  assert.match(caught.message, /DEMO_PORT: .*"eighty"/);
});

test('a required setting without a value is a problem', () => {
  const req = defineSection('req', { url: setting({ env: 'REQ_URL', schema: Type.String(), doc: 'url' }) });
  assert.throws(() => loadConfig([req], { env: {}, argv: [] }), (err: unknown) => isDialerError(err) && /REQ_URL: is required/.test(err.message));
});

test('cross-field checks run and secrets are never echoed', () => {
  assert.throws(
    () => loadConfig([demo], { env: { DEMO_PROVIDER: 'paid' }, argv: [] }),
    (err: unknown) => isDialerError(err) && /DEMO_KEY: is required when DEMO_PROVIDER=paid/.test(err.message),
  );
  assert.throws(
    () => loadConfig([demo], { env: { DEMO_KEY: 'abc' }, argv: [] }),
    (err: unknown) => isDialerError(err) && /\[redacted\]/.test(err.message) && !/abc/.test(err.message),
  );
});

test('a --config file (KEY=VALUE) is read; the environment wins over it', () => {
  const files: Record<string, string> = { '/etc/dialer.env': '# comment\nDEMO_PORT=7000\nDEMO_MODE="b"\nDEMO_ENABLED=1\n' };
  const cfg = loadConfig([demo], {
    env: { DEMO_PORT: '7001' },
    argv: ['--config', '/etc/dialer.env'],
    readFile: (p) => files[p] ?? assert.fail(`unexpected read ${p}`),
  });
  assert.equal(cfg.demo.port, 7001);
  assert.equal(cfg.demo.mode, 'b');
  assert.equal(cfg.demo.enabled, true);
});

test('a JSON config file is read and unknown keys are reported', () => {
  const read = (): string => JSON.stringify({ DEMO_PORT: 6000, DEMO_HOSTS: ['x'], DEMO_TYPO: 1 });
  assert.throws(
    () => loadConfig([demo], { env: {}, argv: ['--config=/c.json'], readFile: read }),
    (err: unknown) => isDialerError(err) && /DEMO_TYPO: unknown setting/.test(err.message),
  );
  const ok = loadConfig([demo], { env: {}, argv: ['--config=/c.json'], readFile: () => JSON.stringify({ DEMO_PORT: 6000, DEMO_HOSTS: ['x'] }) });
  assert.equal(ok.demo.port, 6000);
  assert.deepEqual(ok.demo.hosts, ['x']);
});

test('a missing config file is a problem, not a crash', () => {
  assert.throws(
    () => loadConfig([demo], { env: {}, argv: ['--config', '/nope.env'], readFile: () => { throw new Error('ENOENT'); } }),
    (err: unknown) => isDialerError(err, 'DIALER_ERR_CONFIG_INVALID') && /cannot read config file/.test(err.message),
  );
});

test('a secret can come from <ENV>_FILE', () => {
  const cfg = loadConfig([demo], { env: { DEMO_KEY_FILE: '/run/secrets/key' }, argv: [], readFile: () => 'topsecret\n' });
  assert.equal(cfg.demo.key, 'topsecret');
  assert.equal(redactConfig(cfg, [demo])['demo']!['key'], '[redacted]');
});

test('the core section validates URLs and documents every setting', () => {
  assert.throws(
    () => loadConfig([coreSection], { env: { DATABASE_URL: 'mysql://x', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' }, argv: [] }),
    (err: unknown) => isDialerError(err) && (err.details as unknown[]).length === 3,
  );
  const cfg = loadConfig([coreSection], { env: { DATABASE_URL: 'postgres://u:p@h/db' }, argv: [] });
  assert.equal(cfg.core.dataDir, './data');
  assert.equal(cfg.core.logLevel, 'info');
  const rows = describeSettings([coreSection]);
  assert.ok(rows.some((r) => r.env === 'DATABASE_URL' && r.secret));
  assert.equal(rows.find((r) => r.env === 'NODE_ID')?.default, 'the host name');
});

test('two sections may not declare the same variable differently', () => {
  const a = defineSection('a', { x: setting({ env: 'DUP', schema: Type.String(), default: 'a', doc: '' }) });
  const b = defineSection('b', { x: setting({ env: 'DUP', schema: Type.String(), default: 'b', doc: '' }) });
  assert.throws(() => loadConfig([a, b], { env: {}, argv: [] }), /declared by two sections/);
});
