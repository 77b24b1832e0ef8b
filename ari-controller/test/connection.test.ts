import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { isDialerError, systemClock } from '@dialer/core';
import { captureLogger, waitFor } from '@dialer/core/testing';
import { AriConnection, createAriClient } from '@dialer/ari-controller';
import { AriSimulator } from '@dialer/ari-controller/simulator';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('waiting for Asterisk logs one line however many retries; it connects when Asterisk comes, and logs the loss once', async () => {
  const port = await freePort();
  const { log, lines } = captureLogger();
  const c = new AriConnection({ id: 'pbx1', url: `http://127.0.0.1:${port}`, username: 'dialer', password: 'secret', app: 'dialer', subscribeAll: false, log, clock: systemClock, initialDelayMs: 20, maxDelayMs: 60 });
  const events: string[] = [];
  c.on('connected', () => void events.push('connected'));
  c.on('disconnected', () => void events.push('disconnected'));
  c.start();
  await waitFor(() => lines.filter((l) => l['msg'] === 'ARI still unreachable').length >= 4, 5000);
  assert.deepEqual(
    lines.filter((l) => l['level'] === 'warn').map((l) => l['msg']),
    [`waiting for Asterisk ARI at http://127.0.0.1:${port}`],
  );
  const sim = await AriSimulator.start({ port, password: 'secret' });
  try {
    await waitFor(() => c.connected, 5000);
    assert.deepEqual(sim.connectedApps(), ['dialer']);
    sim.dropWebSockets();
    await waitFor(() => events.length >= 3 && c.connected, 5000);
    assert.deepEqual(events, ['connected', 'disconnected', 'connected']);
    assert.equal(lines.filter((l) => l['msg'] === 'lost Asterisk ARI; reconnecting').length, 1);
    assert.ok(!JSON.stringify(lines).includes('secret'), 'the password is never logged');
  } finally {
    c.close();
    await sim.close();
  }
});

test('a wrong password is a coded auth error, and the connection keeps waiting without crashing', async () => {
  const sim = await AriSimulator.start();
  try {
    const client = createAriClient({ url: sim.url, username: 'dialer', password: 'wrong' });
    await assert.rejects(client.asterisk.getInfo(), (e: unknown) => isDialerError(e, 'DIALER_ERR_ARI_AUTH'));
    const { log, lines } = captureLogger();
    const c = new AriConnection({ id: 'pbx1', url: sim.url, username: 'dialer', password: 'wrong', app: 'dialer', subscribeAll: false, log, clock: systemClock, initialDelayMs: 20, maxDelayMs: 40 });
    c.start();
    await waitFor(() => lines.some((l) => String(l['reason']).includes('401')), 5000);
    assert.equal(c.connected, false);
    c.close();
  } finally {
    await sim.close();
  }
});

test('ARI errors map to coded errors with Asterisk\'s reason', async () => {
  const sim = await AriSimulator.start();
  try {
    const client = createAriClient({ url: sim.url, username: sim.username, password: sim.password });
    await assert.rejects(client.channels.get({ channelId: 'nope' }), (e: unknown) => isDialerError(e, 'DIALER_ERR_ARI_NOT_FOUND') && (e as { details: { reason: string } }).details.reason === 'Channel not found');
    await assert.rejects(client.channels.originate({ endpoint: 'Bogus/xyz', app: 'dialer' }), (e: unknown) => isDialerError(e, 'DIALER_ERR_ARI_SERVER_ERROR') && (e as { details: { reason: string } }).details.reason === 'Allocation failed');
    const down = createAriClient({ url: `http://127.0.0.1:${await freePort()}`, username: 'x', password: 'y' });
    await assert.rejects(down.asterisk.ping(), (e: unknown) => isDialerError(e, 'DIALER_ERR_ARI_UNREACHABLE') && (e as { retryable: boolean }).retryable);
  } finally {
    await sim.close();
  }
});
