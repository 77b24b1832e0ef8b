// One client process of `npm run bench:ws`: opens its share of the WebSocket
// clients, subscribes them, and measures delivery latency of every message
// (the publisher puts its monotonic send time in the text), reporting to the
// parent over IPC. Loopback only.
import { WebSocket } from 'ws';

interface Start {
  kind: 'start';
  url: string;
  tokens: string[];
  /** Topics to subscribe (none for the bare baseline server). */
  topics: string[];
}

const sockets: WebSocket[] = [];
let received = 0;
let samples: number[] = [];
let lastAtUs = 0;
let sampleEvery = 1;
let counter = 0;

const MARK = Buffer.from('"text":"t=');

function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function onMessage(data: Buffer): void {
  const i = data.indexOf(MARK);
  if (i < 0) return; // control frames (hello, subscribed)
  received++;
  const t = nowUs();
  lastAtUs = t;
  if (++counter % sampleEvery !== 0) return;
  let j = i + MARK.length;
  let v = 0;
  for (let c = data[j]!; c >= 48 && c <= 57; c = data[++j]!) v = v * 10 + (c - 48);
  samples.push((t - v) / 1000);
}

async function open(msg: Start): Promise<void> {
  await Promise.all(
    msg.tokens.map(
      (tok) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(`${msg.url}?token=${encodeURIComponent(tok)}`, { perMessageDeflate: false });
          ws.binaryType = 'nodebuffer';
          ws.once('error', reject);
          ws.once('open', () => {
            if (msg.topics.length === 0) return resolve();
            ws.send(JSON.stringify({ op: 'subscribe', topics: msg.topics }));
          });
          ws.on('message', (d: Buffer) => {
            if (msg.topics.length > 0 && d.includes('"type":"subscribed"')) return resolve();
            onMessage(d);
          });
          sockets.push(ws);
        }),
    ),
  );
}

process.on('message', (raw: unknown) => {
  const msg = raw as { kind: string } & Partial<Start> & { sampleEvery?: number };
  if (msg.kind === 'start') {
    open(msg as Start).then(
      () => process.send!({ kind: 'ready', n: sockets.length }),
      (err: Error) => process.send!({ kind: 'error', message: err.message }),
    );
  } else if (msg.kind === 'reset') {
    received = 0;
    samples = [];
    counter = 0;
    lastAtUs = 0;
    sampleEvery = msg.sampleEvery ?? 1;
    process.send!({ kind: 'reset-ok' });
  } else if (msg.kind === 'report') {
    process.send!({ kind: 'report', received, samples, lastAtUs });
  } else if (msg.kind === 'close') {
    for (const s of sockets) s.terminate();
    sockets.length = 0;
    process.send!({ kind: 'closed' });
  } else if (msg.kind === 'exit') {
    process.exit(0);
  }
});
