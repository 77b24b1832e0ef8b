import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, type AnyMessage } from '@dialer/core';
import { RealtimeClient, type SocketLike } from '../src/lib/realtime.js';
import { FakeTimers } from './helpers/fake-timers.js';

/** A WebSocket double that records what the client sends and lets the test play the server. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closed = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
  open(stream: string, seq: number): void {
    this.readyState = 1;
    this.onopen?.({});
    this.frame({ type: 'hello', stream, seq, heartbeatS: 30 });
  }
  frame(obj: unknown): void {
    this.onmessage?.({ data: JSON.stringify(obj) });
  }
  event(seq: number, msg: AnyMessage): void {
    this.frame({ seq, msg });
  }
  serverClose(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function setup(tokens: (() => Promise<string>) | undefined = undefined) {
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  let n = 0;
  const client = new RealtimeClient({
    getToken: tokens ?? (async () => `tok${++n}`),
    url: (t) => `ws://x/ws?token=${t}`,
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    timers,
    now: () => timers.now,
    pingMs: 1000,
    random: () => 1,
    backoff: { baseMs: 100, maxMs: 1000, factor: 2, stableMs: 5000 },
    isUnauthorized: (e) => (e as { status?: number }).status === 401,
  });
  const got: AnyMessage[] = [];
  const statuses: string[] = [];
  const resyncs: string[] = [];
  client.on('message', (m) => got.push(m));
  client.on('status', (s) => statuses.push(s));
  client.on('resync', (r) => resyncs.push(r));
  return { client, sockets, timers, got, statuses, resyncs };
}

const state = (agentId: string, s: 'ready' | 'paused') => createMessage('agent.state', 't1', { agentId, state: s, sinceMs: 1 });

test('subscribes after hello, delivers events, and asks for an initial load', async () => {
  const { client, sockets, got, statuses, resyncs } = setup();
  client.subscribe(['agent:a1']);
  client.start();
  await flush();
  assert.equal(sockets[0]!.url, 'ws://x/ws?token=tok1');
  sockets[0]!.open('S1', 10);
  assert.deepEqual(sockets[0]!.sent[0], { op: 'subscribe', id: 1, topics: ['agent:a1'] });
  assert.deepEqual(resyncs, ['initial']);
  sockets[0]!.event(11, state('a1', 'ready'));
  assert.equal(got.length, 1);
  assert.deepEqual(statuses, ['connecting', 'open']);
  assert.deepEqual(client.position, { stream: 'S1', seq: 11 });
});

test('after a drop it reconnects with backoff and resumes from the last sequence number', async () => {
  const { client, sockets, timers, got, statuses } = setup();
  client.subscribe(['agent:a1', 'wallboard']);
  client.start();
  await flush();
  sockets[0]!.open('S1', 0);
  sockets[0]!.event(5, state('a1', 'ready'));
  sockets[0]!.serverClose();
  assert.equal(statuses.at(-1), 'reconnecting');
  assert.equal(sockets.length, 1);
  timers.advance(100);
  await flush();
  assert.equal(sockets.length, 2);
  assert.equal(sockets[1]!.url, 'ws://x/ws?token=tok2', 'a fresh single-use token per connection');
  sockets[1]!.open('S1', 7);
  assert.deepEqual(sockets[1]!.sent[0], { op: 'subscribe', id: 2, topics: ['agent:a1', 'wallboard'], resume: { stream: 'S1', seq: 5 } });
  // The replay and live frames may overlap: each message is delivered once.
  const m6 = state('a1', 'paused');
  sockets[1]!.event(7, state('a1', 'ready'));
  sockets[1]!.event(6, m6);
  sockets[1]!.event(6, m6);
  sockets[1]!.frame({ type: 'resumed', replayed: 2 });
  assert.equal(got.length, 3);
  assert.equal(statuses.at(-1), 'open');
});

test('on another node (a new stream) it resumes by the last message id', async () => {
  const { client, sockets, timers } = setup();
  client.subscribe(['agent:a1']);
  client.start();
  await flush();
  sockets[0]!.open('S1', 0);
  const m = state('a1', 'ready');
  sockets[0]!.event(3, m);
  sockets[0]!.serverClose();
  timers.advance(100);
  await flush();
  sockets[1]!.open('S2', 900);
  assert.deepEqual(sockets[1]!.sent[0]!['resume'], { lastId: m.id });
});

test('with nothing to resume from, a reconnect asks the app to reload', async () => {
  const { client, sockets, timers, resyncs } = setup();
  client.subscribe(['agent:a1']);
  client.start();
  await flush();
  sockets[0]!.open('S1', 0);
  sockets[0]!.serverClose();
  timers.advance(100);
  await flush();
  sockets[1]!.open('S2', 50);
  assert.equal(sockets[1]!.sent[0]!['resume'], undefined);
  assert.deepEqual(resyncs, ['initial', 'no position to resume from']);
  sockets[1]!.frame({ type: 'resync', reason: 'position older than the resume window' });
  assert.equal(resyncs.length, 3);
});

test('a silent connection is detected by pings and replaced', async () => {
  const { client, sockets, timers } = setup();
  client.subscribe(['agent:a1']);
  client.start();
  await flush();
  sockets[0]!.open('S1', 0);
  timers.advance(1000);
  assert.deepEqual(sockets[0]!.sent.at(-1), { op: 'ping', id: 2 });
  sockets[0]!.frame({ type: 'pong', id: 2 });
  timers.advance(4000);
  assert.equal(sockets[0]!.closed, true, 'no frame for 3 ping intervals: the socket is dropped');
  timers.advance(200);
  await flush();
  assert.equal(sockets.length, 2);
});

test('token failures back off and retry; an unauthorized login stops the client', async () => {
  let calls = 0;
  const { client, sockets, timers, statuses } = setup(async () => {
    calls++;
    if (calls === 1) throw new Error('network');
    throw Object.assign(new Error('gone'), { status: 401 });
  });
  let unauthorized = 0;
  client.on('unauthorized', () => unauthorized++);
  client.start();
  await flush();
  assert.equal(sockets.length, 0);
  timers.advance(100);
  await flush();
  assert.equal(calls, 2);
  assert.equal(unauthorized, 1);
  assert.equal(statuses.at(-1), 'stopped');
});

test('subscribing later sends at once; stop closes and prevents reconnects', async () => {
  const { client, sockets, timers } = setup();
  client.start();
  await flush();
  sockets[0]!.open('S1', 0);
  assert.equal(sockets[0]!.sent.length, 0);
  client.subscribe(['call:c1']);
  client.subscribe(['call:c1']);
  assert.deepEqual(sockets[0]!.sent, [{ op: 'subscribe', id: 1, topics: ['call:c1'] }]);
  client.unsubscribe(['call:c1']);
  assert.deepEqual(sockets[0]!.sent[1], { op: 'unsubscribe', id: 2, topics: ['call:c1'] });
  client.stop();
  assert.equal(sockets[0]!.closed, true);
  timers.advance(60_000);
  await flush();
  assert.equal(sockets.length, 1);
});

test('retryNow skips the backoff wait when the network returns', async () => {
  const { client, sockets } = setup();
  client.start();
  await flush();
  sockets[0]!.open('S1', 0);
  client.dropped();
  assert.equal(sockets.length, 1);
  client.retryNow();
  await flush();
  assert.equal(sockets.length, 2);
});
