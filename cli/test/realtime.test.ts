import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiClient } from '../src/client.js';
import { RealtimeClient, type RealtimeMessage } from '../src/realtime.js';
import { waitFor } from '@dialer/core/testing';

/**
 * A stand-in for the API's WebSocket endpoint speaking its protocol (hello,
 * subscribe with resume, numbered frames), so the client's reconnect and
 * resume can be driven frame by frame.
 */
async function fakeApi() {
  const ops: Array<Record<string, unknown>> = [];
  const sockets: WebSocket[] = [];
  let tokens = 0;
  const http = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/v1/auth/ws-token') {
      tokens++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: `t${tokens}`, expiresAt: Date.now() + 60_000, url: `/api/v1/ws?token=t${tokens}` }));
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: http, path: '/api/v1/ws' });
  let stream = 'stream-1';
  let seq = 10;
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.send(JSON.stringify({ type: 'hello', stream, seq, heartbeatS: 30 }));
    ws.on('message', (raw) => {
      const op = JSON.parse(raw.toString()) as Record<string, unknown>;
      ops.push(op);
      if (op['op'] === 'subscribe') ws.send(JSON.stringify({ type: 'subscribed', id: op['id'], topics: op['topics'], denied: [], seq }));
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  return {
    url,
    ops,
    get tokens() {
      return tokens;
    },
    last: () => sockets[sockets.length - 1]!,
    send(msgType: string, data: Record<string, unknown>) {
      seq++;
      this.last().send(JSON.stringify({ seq, msg: { id: `m${seq}`, type: msgType, time: new Date().toISOString(), tenantId: 't', data } }));
    },
    restart(newStream?: string) {
      if (newStream) stream = newStream;
      this.last().terminate();
    },
    close() {
      for (const s of sockets) s.terminate();
      wss.close();
      http.close();
    },
  };
}

test('a dropped WebSocket is reopened with a fresh token and resumes from the last sequence number', async () => {
  const api = await fakeApi();
  const got: RealtimeMessage[] = [];
  const notes: string[] = [];
  const resyncs: string[] = [];
  const client = new RealtimeClient(new ApiClient(api.url, { bearer: () => 'dk_test' }), {
    onMessage: (m) => got.push(m),
    onNote: (l) => notes.push(l),
    onResync: (r) => resyncs.push(r),
  });
  client.subscribe(['call:c1']);
  const ac = new AbortController();
  const running = client.run(ac.signal);
  try {
    await waitFor(() => api.ops.some((o) => o['op'] === 'subscribe'));
    assert.deepEqual(api.ops[0], { op: 'subscribe', topics: ['call:c1'], id: 1 });
    api.send('transcript.final', { text: 'one' });
    await waitFor(() => got.length === 1);

    api.restart();
    await waitFor(() => api.ops.filter((o) => o['op'] === 'subscribe').length === 2, 10_000);
    const resumed = api.ops.filter((o) => o['op'] === 'subscribe')[1]!;
    assert.deepEqual(resumed['resume'], { stream: 'stream-1', seq: 11 });
    assert.deepEqual(resumed['topics'], ['call:c1']);
    assert.equal(api.tokens, 2, 'WebSocket tokens are single-use: a new one per connection');
    api.send('transcript.final', { text: 'two' });
    await waitFor(() => got.length === 2);
    assert.deepEqual(got.map((m) => m.data['text']), ['one', 'two']);
    assert.ok(notes.some((n) => /reconnect/.test(n)));

    // Another node (or a restarted API) has another stream: the client says messages may be missing.
    api.restart('stream-2');
    await waitFor(() => resyncs.length === 1, 10_000);

    // Topics added later are sent at once, and unsubscribing is sent too.
    client.subscribe(['call:c2']);
    client.unsubscribe(['call:c1']);
    await waitFor(() => api.ops.some((o) => o['op'] === 'unsubscribe'));
    assert.deepEqual(api.ops.find((o) => o['op'] === 'unsubscribe')!['topics'], ['call:c1']);
  } finally {
    ac.abort();
    await running;
    api.close();
  }
});

test('the first connection failing is an error, not a silent retry loop', async () => {
  const http = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: 't', expiresAt: 0, url: '/api/v1/ws?token=t' }));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  try {
    const client = new RealtimeClient(new ApiClient(url, { bearer: () => 'x' }), { onMessage: () => undefined });
    client.subscribe(['call:c1']);
    await assert.rejects(client.run(new AbortController().signal), /refused the WebSocket|WebSocket error|closed/);
  } finally {
    http.close();
  }
});
