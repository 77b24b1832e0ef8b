import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { WebSocket } from 'ws';
import { isDialerError } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { createAriClient } from '@dialer/ari-controller';
import { AriSimulator, parseSimulatorArgs } from '@dialer/ari-controller/simulator';

const ULAW_SILENCE = 0xff;

async function listener(): Promise<{ port: number; packets: Buffer[]; close: () => void; sendBack: (to: string, n: number) => void }> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const packets: Buffer[] = [];
  s.on('message', (m) => packets.push(m));
  return {
    port: s.address().port,
    packets,
    close: () => s.close(),
    sendBack: (to, n) => {
      const [host, port] = to.split(':');
      for (let i = 0; i < n; i++) {
        const p = Buffer.alloc(172, ULAW_SILENCE);
        p[0] = 0x80;
        p[1] = 0;
        p.writeUInt16BE(1000 + i, 2);
        s.send(p, Number(port), host);
      }
    },
  };
}

function get(sim: AriSimulator, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.url}${path}`, { ...init, headers: { authorization: `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString('base64')}`, ...(init.headers ?? {}) } });
}

test('requests are validated against the schema table, with Asterisk\'s statuses', async () => {
  const sim = await AriSimulator.start();
  try {
    assert.equal((await get(sim, '/ari/nosuchresource')).status, 404);
    assert.equal((await get(sim, '/ari/channels', { method: 'PUT' })).status, 405);
    const badSpy = await get(sim, '/ari/channels/x/snoop?spy=sideways&app=dialer', { method: 'POST' });
    assert.equal(badSpy.status, 400);
    assert.match(((await badSpy.json()) as { message: string }).message, /spy/);
    const badInt = await get(sim, '/ari/channels?endpoint=Local/human@sim-leads&app=dialer&timeout=soon', { method: 'POST' });
    assert.equal(badInt.status, 400);
    const missing = await get(sim, '/ari/bridges/b1/addChannel', { method: 'POST' });
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), { message: 'Missing parameter channel' });
    await get(sim, '/ari/channels?endpoint=Local/busy@sim-leads&app=dialer&nonsense=1', { method: 'POST' });
    assert.deepEqual(sim.violations, ['POST /channels: unknown parameter nonsense']);
    assert.equal((await fetch(`${sim.url}/ari/channels`)).status, 401);
  } finally {
    await sim.close();
  }
});

test('ExternalMedia sends real, paced RTP of the party\'s speech, and counts what comes back', async () => {
  const sim = await AriSimulator.start({ timeScale: 1, externalMediaStasisDelayMs: 100 });
  const udp = await listener();
  try {
    const client = createAriClient({ url: sim.url, username: sim.username, password: sim.password });
    const ch = await client.channels.originate({ endpoint: 'Local/human@sim-leads', app: 'dialer', channelId: 'lead' });
    await waitFor(() => sim.channels().find((c) => c.id === ch.id)?.state === 'Up', 5000);
    // Without an events socket nobody hears the StasisStart; the channel is in Stasis all the same.
    const br = await client.bridges.create({ type: 'mixing' });
    await client.bridges.addChannel({ bridgeId: br.id, channel: 'lead' });
    const em = await client.channels.externalMedia({ app: 'dialer', external_host: `127.0.0.1:${udp.port}`, format: 'ulaw', channelId: 'em' });
    const vars = em.channelvars as Record<string, string>;
    assert.equal(vars['UNICASTRTP_LOCAL_ADDRESS'], '127.0.0.1');
    await assert.rejects(client.bridges.addChannel({ bridgeId: br.id, channel: 'em' }), (e: unknown) => isDialerError(e, 'DIALER_ERR_ARI_NOT_IN_STASIS'), 'before its StasisStart');
    await waitFor(() => sim.channels().find((c) => c.id === 'em')?.state === 'Up', 2000);
    await client.bridges.addChannel({ bridgeId: br.id, channel: 'em' });
    const start = Date.now();
    await waitFor(() => udp.packets.length >= 60, 5000);
    const elapsed = Date.now() - start;
    const p = udp.packets;
    assert.equal(p[0]![1]! & 0x7f, 0, 'PCMU');
    assert.ok(p.every((x) => x.length === 172), '160-byte payloads');
    for (let i = 1; i < p.length; i++) assert.equal(p[i]!.readUInt16BE(2), (p[i - 1]!.readUInt16BE(2) + 1) & 0xffff, 'contiguous sequence numbers');
    assert.ok(elapsed >= 60 * 20 * 0.6, `paced at 20 ms (60 packets in ${elapsed} ms)`);
    // Real speech, not silence: the lead's sentence after half a second of silence.
    await waitFor(() => udp.packets.slice(30).some((x) => x.subarray(12).some((b) => b !== ULAW_SILENCE && b !== 0x7f)), 5000);
    udp.sendBack(`127.0.0.1:${vars['UNICASTRTP_LOCAL_PORT']}`, 10);
    await waitFor(() => (sim.rtpStats('em')?.received ?? 0) === 10, 2000);
    await client.bridges.destroy({ bridgeId: br.id });
    await client.channels.hangup({ channelId: 'em' });
    await client.channels.hangup({ channelId: 'lead' });
    assert.deepEqual(sim.leaks(), { channels: [], bridges: [] });
  } finally {
    udp.close();
    await sim.close();
  }
});

test('faults: injected replies, chan_rtp missing, wrong payload type, little-endian slin16, restart with calls up', async () => {
  const sim = await AriSimulator.start({ timeScale: 0.05 });
  const udp = await listener();
  try {
    const client = createAriClient({ url: sim.url, username: sim.username, password: sim.password });
    sim.failNext({ op: 'channels.originate' }, { status: 500, body: { message: 'boom' } });
    await assert.rejects(client.channels.originate({ endpoint: 'Local/human@sim-leads', app: 'dialer' }), (e: unknown) => isDialerError(e, 'DIALER_ERR_ARI_SERVER_ERROR'));
    sim.faults.chanRtpLoaded = false;
    await assert.rejects(client.channels.externalMedia({ app: 'dialer', external_host: `127.0.0.1:${udp.port}`, format: 'ulaw' }), (e: unknown) => isDialerError(e, 'DIALER_ERR_ARI_SERVER_ERROR'));
    await assert.rejects(client.asterisk.getModule({ moduleName: 'chan_rtp.so' }), (e: unknown) => isDialerError(e, 'DIALER_ERR_ARI_NOT_FOUND'));
    sim.faults.chanRtpLoaded = true;
    sim.faults.rtp = { payloadType: 8, slin16LittleEndian: true };
    await client.channels.originate({ endpoint: 'Local/stayer@sim-leads', app: 'dialer', channelId: 'lead' });
    await waitFor(() => sim.channels().find((c) => c.id === 'lead')?.state === 'Up', 5000);
    await client.channels.snoopChannel({ channelId: 'lead', spy: 'in', app: 'dialer', snoopId: 'snoop' });
    const br = await client.bridges.create({ type: 'mixing' });
    await client.channels.externalMedia({ app: 'dialer', external_host: `127.0.0.1:${udp.port}`, format: 'slin16', channelId: 'em' });
    await waitFor(() => sim.channels().find((c) => c.id === 'em')?.state === 'Up', 2000);
    await client.bridges.addChannel({ bridgeId: br.id, channel: 'snoop,em' });
    await waitFor(() => udp.packets.length >= 5, 5000);
    assert.equal(udp.packets[0]![1]! & 0x7f, 8, 'the injected payload type');
    assert.equal(udp.packets[0]!.length, 12 + 640, 'slin16: 320 samples of 2 bytes per 20 ms');
    await sim.restart(50);
    assert.deepEqual(sim.leaks(), { channels: [], bridges: [] });
    assert.equal((await client.asterisk.ping()).ping, 'pong', 'back on the same port');
  } finally {
    udp.close();
    await sim.close();
  }
});

test('modules: the res_stasis_* family is listed, and a noload module takes its dependents and their ARI resources with it', async () => {
  const sim = await AriSimulator.start();
  try {
    const names = async (): Promise<string[]> => ((await (await get(sim, '/ari/asterisk/modules')).json()) as Array<{ name: string }>).map((m) => m.name);
    const all = await names();
    for (const m of ['res_stasis.so', 'res_stasis_answer.so', 'res_stasis_device_state.so', 'res_stasis_mailbox.so', 'res_stasis_playback.so', 'res_stasis_recording.so', 'res_stasis_snoop.so', 'app_stasis.so', 'chan_rtp.so']) {
      assert.ok(all.includes(m), `${m} is listed`);
    }
    assert.equal((await get(sim, '/ari/asterisk/modules/res_stasis_snoop.so')).status, 200);

    // noload = res_stasis_snoop.so: res_ari_channels declares it as a dependency, so /channels is gone too.
    await get(sim, '/sim/faults', { method: 'POST', body: JSON.stringify({ noload: ['res_stasis_snoop.so'] }), headers: { 'content-type': 'application/json' } });
    const now = await names();
    assert.ok(!now.includes('res_stasis_snoop.so') && !now.includes('res_ari_channels.so'));
    assert.ok(now.includes('res_ari_bridges.so') && now.includes('chan_rtp.so'), 'unrelated modules still run');
    const getModule = await get(sim, '/ari/asterisk/modules/res_stasis_snoop.so');
    assert.equal(getModule.status, 404);
    assert.deepEqual(await getModule.json(), { message: 'Module could not be found in running modules' });
    const originate = await get(sim, '/ari/channels?endpoint=Local/human@sim-leads&app=dialer', { method: 'POST' });
    assert.equal(originate.status, 404);
    assert.deepEqual(await originate.json(), { message: 'Resource not found' });
    assert.equal((await get(sim, '/ari/bridges', { method: 'POST' })).status, 200, 'bridges are served by another module');

    // chan_rtp through the old switch and through noload alike.
    sim.faults.noload = ['chan_rtp.so'];
    assert.equal((await get(sim, '/ari/asterisk/modules/chan_rtp.so')).status, 404);
    sim.faults.noload = ['res_ari_events.so'];
    const upgrade = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${sim.port}/ari/events?app=dialer`, { headers: { authorization: `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString('base64')}` } });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('open', () => reject(new Error('the events WebSocket opened without res_ari_events')));
      ws.once('error', () => undefined);
    });
    assert.equal(upgrade, 404, 'no events WebSocket without res_ari_events');
  } finally {
    await sim.close();
  }
});

test('clock offset: Asterisk\'s Date headers and its own timestamps are off by the injected amount', async () => {
  const sim = await AriSimulator.start();
  try {
    sim.faults.clockOffsetMs = -10 * 60_000;
    const before = Date.now();
    const r = await get(sim, '/ari/asterisk/ping');
    const date = Date.parse(r.headers.get('date') ?? '');
    const ping = (await r.json()) as { timestamp: string };
    // The Date header has one-second resolution.
    assert.ok(Math.abs(date - (before - 600_000)) < 2_000, `Date ${r.headers.get('date')} is 10 minutes behind`);
    assert.ok(Math.abs(Date.parse(ping.timestamp.replace(/(\d\d)(\d\d)$/, '$1:$2')) - (before - 600_000)) < 2_000, `ping timestamp ${ping.timestamp}`);
    const refused = await fetch(`${sim.url}/ari/asterisk/info`);
    assert.equal(refused.status, 401);
    assert.ok(Math.abs(Date.parse(refused.headers.get('date') ?? '') - (before - 600_000)) < 2_000, 'every reply carries the skewed Date');
    sim.faults.clockOffsetMs = 0;
    assert.ok(Math.abs(Date.parse((await get(sim, '/ari/asterisk/ping')).headers.get('date') ?? '') - Date.now()) < 2_000);
  } finally {
    await sim.close();
  }
});

test('NAT fault: ExternalMedia reports another UNICASTRTP address and port than the one its packets come from', async () => {
  const sim = await AriSimulator.start({ timeScale: 0.05 });
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const from: string[] = [];
  s.on('message', (_m, rinfo) => from.push(`${rinfo.address}:${rinfo.port}`));
  try {
    const client = createAriClient({ url: sim.url, username: sim.username, password: sim.password });
    sim.faults.rtp = { reportedAddress: '198.51.100.7', reportedPort: 31000 };
    await client.channels.originate({ endpoint: 'Local/stayer@sim-leads', app: 'dialer', channelId: 'lead' });
    await waitFor(() => sim.channels().find((c) => c.id === 'lead')?.state === 'Up', 5000);
    const br = await client.bridges.create({ type: 'mixing' });
    const em = await client.channels.externalMedia({ app: 'dialer', external_host: `127.0.0.1:${s.address().port}`, format: 'ulaw', channelId: 'em' });
    const vars = em.channelvars as Record<string, string>;
    assert.equal(vars['UNICASTRTP_LOCAL_ADDRESS'], '198.51.100.7');
    assert.equal(vars['UNICASTRTP_LOCAL_PORT'], '31000');
    await waitFor(() => sim.channels().find((c) => c.id === 'em')?.state === 'Up', 2000);
    await client.bridges.addChannel({ bridgeId: br.id, channel: 'lead,em' });
    await waitFor(() => from.length >= 3, 5000);
    assert.ok(from.every((a) => a.startsWith('127.0.0.1:') && a !== '127.0.0.1:31000'), `packets come from the real socket: ${from[0]}`);
    await client.bridges.destroy({ bridgeId: br.id });
    await client.channels.hangup({ channelId: 'em' });
    await client.channels.hangup({ channelId: 'lead' });
  } finally {
    s.close();
    await sim.close();
  }
});

test('the /sim controls place inbound calls and hang up parties, for tools in other processes', async () => {
  const sim = await AriSimulator.start({ timeScale: 0.05 });
  try {
    const r = await get(sim, '/sim/inbound?did=1000&from=5551234&stay=true', { method: 'POST' });
    assert.equal(r.status, 200);
    const { channelId } = (await r.json()) as { channelId: string };
    // No app is connected: Stasis() fails and the dialplan hangs up, as in Asterisk.
    const state = (await (await get(sim, '/sim/state')).json()) as { channels: Array<{ id: string }> };
    assert.ok(!state.channels.some((c) => c.id === channelId));
    assert.equal((await get(sim, '/sim/hangup/nope', { method: 'POST' })).status, 404);
    assert.equal((await get(sim, '/sim/faults', { method: 'POST', body: JSON.stringify({ latencyMs: 5 }), headers: { 'content-type': 'application/json' } })).status, 204);
    assert.equal(sim.faults.latencyMs, 5);
    assert.equal((await get(sim, '/sim/parties/+15550001?kind=busy', { method: 'PUT' })).status, 204);
  } finally {
    await sim.close();
  }
});

test('simulate-pbx arguments', () => {
  const p = parseSimulatorArgs(['--port', '0', '--time-scale', '0.5', '--default-party', 'machine', '--inbound-every', '10'], {});
  assert.equal(p.options.port, 0);
  assert.equal(p.options.timeScale, 0.5);
  assert.equal(p.options.defaultParty, 'machine');
  assert.equal(p.inboundEveryS, 10);
  assert.throws(() => parseSimulatorArgs(['--default-party', 'robot'], {}), /unknown party/);
});
