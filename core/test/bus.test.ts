import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import {
  createMessage,
  DialerError,
  isDialerError,
  MemoryBus,
  NOT_MINE,
  RedisBus,
  RedisReplayGuard,
  type AnyMessage,
  type EventBus,
} from '@dialer/core';
import { testRedisUrl, waitFor } from '@dialer/core/testing';

const seg = (text: string) =>
  createMessage('transcript.final', 't1', { callId: 'c1', legId: 'l1', speaker: 'customer', segmentId: 's', text, startMs: 0, endMs: 1, provider: 'fake' });

async function contract(bus: EventBus, other: EventBus): Promise<void> {
  const got: string[] = [];
  const unsub = await other.subscribe('transcript.*', (m) => {
    if (m.type === 'transcript.final') got.push(m.data.text);
  });
  const exact: string[] = [];
  await other.subscribe('agent.state', (m) => {
    exact.push(m.type);
  });
  await bus.publish(seg('one'));
  await bus.publish(seg('two'));
  await bus.publish(createMessage('agent.state', 't1', { agentId: 'a', state: 'ready', sinceMs: 0 }));
  await bus.publish(createMessage('call.ringing', 't1', { callId: 'x', atMs: 0 }));
  await waitFor(() => got.length === 2 && exact.length === 1);
  assert.deepEqual(got, ['one', 'two']);
  await unsub();
  await bus.publish(seg('three'));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(got, ['one', 'two']);

  await other.handle('cmd.call.hangup', (msg) => {
    if (msg.data.callId === 'not-mine') return NOT_MINE;
    if (msg.data.callId === 'bad') throw new DialerError('DIALER_ERR_NOT_FOUND', 'no call bad');
    return { ok: msg.data.callId };
  });
  assert.deepEqual(await bus.request(createMessage('cmd.call.hangup', 't1', { callId: 'c9' })), { ok: 'c9' });
  await assert.rejects(bus.request(createMessage('cmd.call.hangup', 't1', { callId: 'bad' })), (err: unknown) => isDialerError(err, 'DIALER_ERR_NOT_FOUND') && err.message === 'no call bad');
  await assert.rejects(bus.request(createMessage('cmd.call.hangup', 't1', { callId: 'not-mine' }), { timeoutMs: 150 }), (err: unknown) => isDialerError(err, 'DIALER_ERR_BUS_TIMEOUT'));
}

test('memory bus: patterns, unsubscribe, request/reply, NOT_MINE and errors', async () => {
  const bus = new MemoryBus();
  await contract(bus, bus);
  await bus.close();
  await bus.close();
  await assert.rejects(bus.publish(seg('late')), (err: unknown) => isDialerError(err, 'DIALER_ERR_INVALID_STATE'));
});

test('memory bus: a handler that throws does not stop delivery to others', async () => {
  const bus = new MemoryBus();
  const got: AnyMessage[] = [];
  await bus.subscribe('*', () => {
    throw new Error('bad handler');
  });
  await bus.subscribe('*', (m) => {
    got.push(m);
  });
  await bus.publish(seg('x'));
  await waitFor(() => got.length === 1);
  await bus.close();
});

test('redis bus: the same contract between two connections', async () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const a = await RedisBus.connect({ url: testRedisUrl(), prefix, nodeId: 'a' });
  const b = await RedisBus.connect({ url: testRedisUrl(), prefix, nodeId: 'b' });
  try {
    assert.ok(a.healthy());
    await contract(a, b);
  } finally {
    await a.close();
    await b.close();
  }
  assert.equal(a.healthy(), false);
});

test('redis bus: an event published in one process reaches a subscriber in another, and commands cross back', async () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const peerScript = fileURLToPath(new URL('./fixtures/redis-peer.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=dialer-source', peerScript, testRedisUrl(), prefix], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  const bus = await RedisBus.connect({ url: testRedisUrl(), prefix, nodeId: 'parent' });
  try {
    await waitFor(() => lines.includes('ready'), 20_000);
    await bus.publish(seg('across processes'));
    const received = await waitFor(() => lines.find((l) => l.startsWith('{')), 5000);
    const msg = JSON.parse(received) as AnyMessage;
    assert.equal(msg.type, 'transcript.final');
    assert.equal(msg.type === 'transcript.final' && msg.data.text, 'across processes');

    const reply = (await bus.request(createMessage('cmd.call.hangup', 't1', { callId: 'peer-42' }))) as { hungUp: string; by: number };
    assert.equal(reply.hungUp, 'peer-42');
    assert.equal(reply.by, child.pid);
    await assert.rejects(bus.request(createMessage('cmd.call.hangup', 't1', { callId: 'peer-fail' })), (err: unknown) => isDialerError(err, 'DIALER_ERR_INTERNAL') && /no such call/.test(err.message));

    const fromPeer: AnyMessage[] = [];
    await bus.subscribe('agent.*', (m) => {
      fromPeer.push(m);
    });
    child.stdin!.write('emit\n');
    await waitFor(() => fromPeer.length === 1);
    assert.equal(fromPeer[0]!.source, 'peer');
  } finally {
    child.stdin!.end();
    await new Promise((r) => child.once('exit', r));
    await bus.close();
  }
});

test('redis bus: connecting to a dead Redis fails with a clear coded error', async () => {
  await assert.rejects(
    RedisBus.connect({ url: 'redis://127.0.0.1:1', prefix: 'x', nodeId: 'n' }),
    (err: unknown) => isDialerError(err, 'DIALER_ERR_BUS_UNAVAILABLE') && /cannot connect to Redis/.test(err.message),
  );
});

test('redis replay guard is shared by every client', async () => {
  const c1 = createClient({ url: testRedisUrl() });
  const c2 = createClient({ url: testRedisUrl() });
  await c1.connect();
  await c2.connect();
  const prefix = `t${randomBytes(4).toString('hex')}`;
  try {
    const g1 = new RedisReplayGuard(c1 as never, prefix);
    const g2 = new RedisReplayGuard(c2 as never, prefix);
    assert.equal(await g1.remember('id1', Date.now() + 60_000), true);
    assert.equal(await g2.remember('id1', Date.now() + 60_000), false);
    await g2.forget('id1');
    assert.equal(await g1.remember('id1', Date.now() + 60_000), true);
    await g1.forget('id1');
  } finally {
    await c1.close();
    await c2.close();
  }
});
