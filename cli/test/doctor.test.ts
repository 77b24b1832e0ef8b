import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { WebSocket } from 'ws';
import { AriSimulator } from '@dialer/ari-controller/simulator';
import { runCli, tempHome } from './helpers.js';

interface Check {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

const home = tempHome();
let sim: AriSimulator;
let controller: WebSocket | undefined;
let rtpPort: number;

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Stands in for the ARI controller: its events WebSocket registers the Stasis app `dialer`. */
async function connectController(): Promise<void> {
  const auth = Buffer.from(`${sim.username}:${sim.password}`).toString('base64');
  controller = new WebSocket(`ws://127.0.0.1:${sim.port}/ari/events?app=dialer`, { headers: { authorization: `Basic ${auth}` } });
  await new Promise<void>((resolve, reject) => {
    controller!.once('open', () => resolve());
    controller!.once('error', reject);
  });
}

before(async () => {
  sim = await AriSimulator.start({ timeScale: 0.5, password: 'ari-secret-for-tests' });
  // Local/milliwatt@dialer-test: the simulated party answers and keeps talking.
  sim.setParty('milliwatt', { kind: 'human-long', stay: true, ringMs: 200 });
  rtpPort = await freeUdpPort();
});

after(async () => {
  controller?.terminate();
  await sim.close();
  home.cleanup();
});

beforeEach(async () => {
  sim.faults.chanRtpLoaded = true;
  sim.faults.noload = [];
  sim.faults.clockOffsetMs = 0;
  sim.faults.refuseWebSockets = false;
  sim.faults.rtp = {};
  sim.setPassword('ari-secret-for-tests');
  if (!controller || controller.readyState !== WebSocket.OPEN) await connectController();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ARI_URL: sim.url,
    ARI_USERNAME: 'dialer',
    ARI_PASSWORD: 'ari-secret-for-tests',
    ARI_APP: 'dialer',
    MEDIA_RTP_HOST: '127.0.0.1',
    MEDIA_RTP_PORT: String(rtpPort),
    // The controller's tap format; doctor tests the same one.
    ARI_TAP_FORMAT: 'slin16',
    ...extra,
  };
}

async function doctor(args: string[], extraEnv: Record<string, string> = {}, now?: () => number): Promise<{ code: number; checks: Map<string, Check>; out: string; err: string }> {
  const r = await runCli(['--json', 'doctor', '--listen-ms', '1500', '--skip', 'api', 'clock.ntp', ...args], { home: home.dir, env: env(extraEnv), ...(now ? { now } : {}) });
  let doc: { checks: Check[] };
  try {
    doc = JSON.parse(r.out) as { checks: Check[] };
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.code}): ${r.out}\n${r.err}`);
  }
  return { code: r.code, checks: new Map(doc.checks.map((c) => [c.id, c])), out: r.out, err: r.err };
}

function status(checks: Map<string, Check>, id: string): string | undefined {
  return checks.get(id)?.status;
}

test('a healthy installation: every ARI, media and audio check passes and the test call leaves nothing behind', async () => {
  const r = await doctor(['--skip', 'stt']);
  for (const id of ['ari.url', 'ari.reachable', 'ari.auth', 'ari.modules', 'ari.app', 'media.rtp-host', 'media.advertise', 'call.events', 'call.media', 'call.originate', 'call.tap', 'rtp.arrival', 'rtp.source', 'rtp.payload-type', 'rtp.byte-order', 'rtp.sample-rate', 'rtp.energy', 'clock.asterisk']) {
    assert.equal(status(r.checks, id), 'pass', `${id}: ${JSON.stringify(r.checks.get(id))}`);
  }
  // Nothing listens on the gateway port in this test, which is a warning, not a failure.
  assert.equal(status(r.checks, 'media.port'), 'warn');
  assert.equal(r.code, 0, r.err);
  assert.match(r.checks.get('rtp.energy')!.detail, /peak -\d+\.\d dBFS/);
  const leaks = sim.leaks();
  assert.deepEqual(leaks, { channels: [], bridges: [] });
});

test('the human report prints pass/WARN/FAIL lines with a one-line fix, and --strict fails on warnings', async () => {
  const r = await runCli(['doctor', '--only', 'media', '--strict'], { home: home.dir, env: env() });
  assert.match(r.out, /^pass\s+media\.rtp-host\s+RTP socket binds 127\.0\.0\.1/m);
  assert.match(r.out, /^WARN\s+media\.port\s+nothing listens on UDP/m);
  assert.match(r.out, /^\s+fix: start the media gateway/m);
  assert.match(r.out, /2 passed, 1 warning, 0 failed/);
  assert.equal(r.code, 9);
});

test('ARI unreachable: fail with the http.conf fix, and the checks that need ARI are skipped', async () => {
  const port = await freeUdpPort();
  const r = await doctor(['--only', 'ari', 'call'], { ARI_URL: `http://127.0.0.1:${port}` });
  assert.equal(status(r.checks, 'ari.reachable'), 'fail');
  assert.match(r.checks.get('ari.reachable')!.fix!, /http\.conf/);
  assert.equal(status(r.checks, 'ari.auth'), 'skip');
  assert.equal(status(r.checks, 'call'), 'skip');
  assert.equal(r.code, 9);
});

test('bad ARI credentials: fail with the ari.conf fix', async () => {
  const r = await doctor(['--only', 'ari'], { ARI_PASSWORD: 'wrong' });
  assert.equal(status(r.checks, 'ari.reachable'), 'pass');
  assert.equal(status(r.checks, 'ari.auth'), 'fail');
  assert.match(r.checks.get('ari.auth')!.detail, /HTTP 401/);
  assert.match(r.checks.get('ari.auth')!.fix!, /ari\.conf/);
});

test('a missing ARI_PASSWORD is reported; ARI_PASSWORD_FILE is read like the daemons read it', async () => {
  const missing = await doctor(['--only', 'ari'], { ARI_PASSWORD: '' });
  assert.equal(status(missing.checks, 'ari.password'), 'fail');
  const { writeFileSync } = await import('node:fs');
  const file = `${home.dir}/ari-password`;
  writeFileSync(file, 'ari-secret-for-tests\n', { mode: 0o600 });
  const fromFile = await doctor(['--only', 'ari'], { ARI_PASSWORD: '', ARI_PASSWORD_FILE: file });
  assert.equal(status(fromFile.checks, 'ari.auth'), 'pass');
  assert.equal(fromFile.checks.has('ari.password'), false);
});

test('the Stasis app not registered (no controller connected): fail, pointing at dialer-ari and ARI_APP', async () => {
  const closed = new Promise((r) => controller!.once('close', r));
  controller!.close();
  await closed;
  await new Promise((r) => setTimeout(r, 50));
  const r = await doctor(['--only', 'ari']);
  assert.equal(status(r.checks, 'ari.app'), 'fail');
  assert.match(r.checks.get('ari.app')!.fix!, /dialer-ari/);
  assert.match(r.checks.get('ari.app')!.fix!, /ARI_APP/);
});

test('events WebSocket refused: the test call cannot start and says why', async () => {
  sim.faults.refuseWebSockets = true;
  const r = await doctor(['--only', 'call', 'rtp']);
  assert.equal(status(r.checks, 'call.events'), 'fail');
  assert.match(r.checks.get('call.events')!.detail, /HTTP 503/);
  assert.equal(status(r.checks, 'rtp.arrival'), 'skip');
});

test('chan_rtp not loaded: the module check and the ExternalMedia channel fail with the modules.conf fix', async () => {
  sim.faults.chanRtpLoaded = false;
  const r = await doctor(['--only', 'ari', 'call', 'rtp']);
  assert.equal(status(r.checks, 'ari.modules'), 'fail');
  assert.match(r.checks.get('ari.modules')!.detail, /chan_rtp\.so not loaded/);
  assert.match(r.checks.get('ari.modules')!.fix!, /load = chan_rtp\.so/);
  assert.equal(status(r.checks, 'call.media'), 'fail');
  assert.equal(status(r.checks, 'rtp.arrival'), 'skip');
  assert.deepEqual(sim.leaks().bridges, []);
});

test('res_stasis_snoop not loaded: snoop support is required, and the channels resource that depends on it is gone', async () => {
  sim.faults.noload = ['res_stasis_snoop.so'];
  const r = await doctor(['--only', 'ari', 'call', 'rtp']);
  assert.equal(status(r.checks, 'ari.modules'), 'fail');
  assert.match(r.checks.get('ari.modules')!.detail, /^res_stasis_snoop\.so, res_ari_channels\.so not loaded: tapping calls/);
  assert.match(r.checks.get('ari.modules')!.fix!, /load = res_stasis_snoop\.so/);
  assert.equal(status(r.checks, 'call.media'), 'fail');
  assert.match(r.checks.get('call.media')!.detail, /HTTP 404/);
  assert.match(r.checks.get('call.media')!.fix!, /res_stasis_snoop\.so/);
  assert.equal(status(r.checks, 'rtp.arrival'), 'skip');
  assert.equal(r.code, 9);
  assert.deepEqual(sim.leaks(), { channels: [], bridges: [] });
});

test('NAT between Asterisk and the gateway: RTP arrives from another address than Asterisk reports, so the gateway would drop it', async () => {
  sim.faults.rtp = { reportedAddress: '198.51.100.7', reportedPort: 31000 };
  const r = await doctor(['--only', 'call', 'rtp']);
  assert.equal(status(r.checks, 'call.media'), 'pass');
  assert.match(r.checks.get('call.media')!.detail, /Asterisk sends from 198\.51\.100\.7:31000/);
  assert.equal(status(r.checks, 'rtp.arrival'), 'pass');
  assert.equal(status(r.checks, 'rtp.source'), 'fail');
  assert.match(r.checks.get('rtp.source')!.detail, /RTP comes from 127\.0\.0\.1:\d+ but Asterisk reports 198\.51\.100\.7:31000: the gateway accepts a leg's RTP only from the reported address/);
  assert.match(r.checks.get('rtp.source')!.fix!, /without NAT/);
  // The audio itself is fine: only the source is wrong.
  assert.equal(status(r.checks, 'rtp.energy'), 'pass');
  assert.equal(r.code, 9);

  // A port-rewriting NAT or proxy: the address matches, the port does not.
  sim.faults.rtp = { reportedPort: 31000 };
  const port = await doctor(['--only', 'rtp.source']);
  assert.equal(status(port.checks, 'rtp.source'), 'fail');
  assert.match(port.checks.get('rtp.source')!.detail, /only from the reported port/);

  sim.faults.rtp = {};
  const clean = await doctor(['--only', 'rtp.source']);
  assert.equal(status(clean.checks, 'rtp.source'), 'pass');
  assert.match(clean.checks.get('rtp.source')!.detail, /as Asterisk reports/);
});

test('advertise address that does not reach the RTP socket (NAT mismatch): warned, then no RTP arrives', async () => {
  const r = await doctor(['--only', 'media', 'call', 'rtp'], { MEDIA_ADVERTISE_HOST: '127.0.0.2' });
  assert.equal(status(r.checks, 'media.advertise'), 'warn');
  assert.equal(status(r.checks, 'call.media'), 'pass');
  assert.match(r.checks.get('call.media')!.detail, /127\.0\.0\.2:/);
  assert.equal(status(r.checks, 'rtp.arrival'), 'fail');
  assert.match(r.checks.get('rtp.arrival')!.fix!, /MEDIA_ADVERTISE_HOST/);
  assert.equal(r.code, 9);
});

const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

test('advertising a local address the socket does not bind is a configuration failure', { skip: !lanAddress && 'no non-loopback IPv4 address' }, async () => {
  const r = await doctor(['--only', 'media', 'call'], { MEDIA_ADVERTISE_HOST: lanAddress! });
  assert.equal(status(r.checks, 'media.advertise'), 'fail');
  assert.match(r.checks.get('media.advertise')!.fix!, /MEDIA_RTP_HOST=0\.0\.0\.0/);
  assert.equal(status(r.checks, 'call'), 'skip');
});

test('Asterisk on another host told to send RTP to 127.0.0.1 fails before any call', async () => {
  const r = await doctor(['--only', 'media'], { ARI_URL: 'https://asterisk.example.com:8089' });
  assert.equal(status(r.checks, 'media.advertise'), 'fail');
  assert.match(r.checks.get('media.advertise')!.detail, /another host/);
});

test('no RTP arriving for the test call', async () => {
  sim.faults.rtp = { mute: true };
  const r = await doctor(['--only', 'call', 'rtp']);
  assert.equal(status(r.checks, 'call.originate'), 'pass');
  assert.equal(status(r.checks, 'rtp.arrival'), 'fail');
  assert.match(r.checks.get('rtp.arrival')!.fix!, /firewall/);
});

test('payload type not matching the format', async () => {
  sim.faults.rtp = { payloadType: 0 };
  const r = await doctor(['--only', 'rtp']);
  assert.equal(status(r.checks, 'rtp.arrival'), 'pass');
  assert.equal(status(r.checks, 'rtp.payload-type'), 'fail');
  assert.match(r.checks.get('rtp.payload-type')!.detail, /payload type 0 arrives, but slin16 is 118/);
});

test('slin16 in the wrong byte order', async () => {
  sim.faults.rtp = { slin16LittleEndian: true };
  const r = await doctor(['--only', 'rtp']);
  assert.equal(status(r.checks, 'rtp.payload-type'), 'pass');
  assert.equal(status(r.checks, 'rtp.byte-order'), 'fail');
  assert.match(r.checks.get('rtp.byte-order')!.detail, /little-endian/);
  // The level is judged in the byte order the audio really has.
  assert.equal(status(r.checks, 'rtp.energy'), 'pass');
});

test('a sample-rate mismatch: 8 kHz audio labelled slin16', async () => {
  sim.faults.rtp = { slin16RateHz: 8000 };
  const r = await doctor(['--only', 'rtp']);
  assert.equal(status(r.checks, 'rtp.byte-order'), 'pass');
  assert.equal(status(r.checks, 'rtp.sample-rate'), 'fail');
  assert.match(r.checks.get('rtp.sample-rate')!.detail, /about 8000 Hz .* but slin16 is 16000 Hz/);
});

test('ulaw: the same call in G.711 passes, and byte order does not apply', async () => {
  const r = await doctor(['--only', 'rtp', '--format', 'ulaw']);
  assert.equal(status(r.checks, 'rtp.payload-type'), 'pass');
  assert.equal(status(r.checks, 'rtp.byte-order'), 'skip');
  assert.equal(status(r.checks, 'rtp.sample-rate'), 'pass');
  assert.equal(status(r.checks, 'rtp.energy'), 'pass');
});

test('a test endpoint that does not answer fails with the dialplan fix', async () => {
  sim.setParty('nobody', 'busy');
  const r = await doctor(['--only', 'call', 'rtp', '--test-endpoint', 'Local/nobody@dialer-test']);
  assert.equal(status(r.checks, 'call.originate'), 'fail');
  assert.match(r.checks.get('call.originate')!.fix!, /dialer-test/);
  assert.deepEqual(sim.leaks(), { channels: [], bridges: [] });
});

test('clock skew that breaks webhook signatures: Asterisk\'s clock 10 minutes behind (its Date headers), judged on this host\'s real clock', async () => {
  sim.faults.clockOffsetMs = -10 * 60_000;
  const r = await doctor(['--only', 'clock']);
  assert.equal(status(r.checks, 'clock.asterisk'), 'fail');
  assert.match(r.checks.get('clock.asterisk')!.detail, /^asterisk clock is (599|60\d) s behind this host: a webhook signed here now would be rejected \(DIALER_ERR_WEBHOOK_TIMESTAMP\)/);
  assert.match(r.checks.get('clock.asterisk')!.fix!, /NTP/);
  assert.equal(r.code, 9);

  sim.faults.clockOffsetMs = 20_000;
  const slight = await doctor(['--only', 'clock']);
  assert.equal(status(slight.checks, 'clock.asterisk'), 'warn');
  assert.match(slight.checks.get('clock.asterisk')!.detail, /ahead of this host/);

  sim.faults.clockOffsetMs = 0;
  const synced = await doctor(['--only', 'clock']);
  assert.equal(status(synced.checks, 'clock.asterisk'), 'pass');
});

test('several Asterisk servers (ARI_SERVERS): each gets its own checks, tagged with its id', async () => {
  const port = await freeUdpPort();
  const servers = JSON.stringify([
    { id: 'pbx1', url: sim.url, username: 'dialer', password: 'ari-secret-for-tests' },
    { id: 'pbx2', url: `http://127.0.0.1:${port}`, username: 'dialer', password: 'x' },
  ]);
  const r = await doctor(['--only', 'ari', 'rtp'], { ARI_SERVERS: servers });
  assert.equal(status(r.checks, 'ari.auth@pbx1'), 'pass');
  assert.equal(status(r.checks, 'rtp.energy@pbx1'), 'pass');
  assert.equal(status(r.checks, 'ari.reachable@pbx2'), 'fail');
  assert.equal(r.checks.has('ari.auth'), false);
  assert.equal(r.code, 9);
});

test('the format follows ARI_TAP_FORMAT unless --format says otherwise', async () => {
  const r = await doctor(['--only', 'call.media'], { ARI_TAP_FORMAT: 'alaw' });
  assert.match(r.checks.get('call.media')!.detail, /ExternalMedia channel alaw/);
  const bad = await runCli(['doctor', '--only', 'ari'], { home: home.dir, env: env({ ARI_TAP_FORMAT: 'opus' }) });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /ARI_TAP_FORMAT "opus"/);
});
