// The benchmark's load: a separate process that plays N concurrent G.711
// streams of real speech at 50 packets/s each, over loopback, each from its
// own UDP socket (so the gateway tells them apart by source port, as it
// does Asterisk's legs). Packets are spread evenly across each 20 ms.
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';

interface Start {
  n: number;
  host: string;
  port: number;
  durationMs: number;
  /** u-law speech, looped; each stream starts at a different offset. */
  audio: number[];
}

let sockets: Socket[] = [];

async function bindAll(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = createSocket({ type: 'udp4', sendBufferSize: 256 * 1024 });
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    s.on('error', () => undefined);
    sockets.push(s);
    ports.push(s.address().port);
  }
  return ports;
}

function run(o: Start): Promise<{ sent: number; maxLagMs: number; elapsedMs: number }> {
  const audio = Buffer.from(o.audio);
  const frames = Math.floor(audio.length / 160);
  const n = o.n;
  const ssrcs = Array.from({ length: n }, (_, i) => (0x10000000 + i) >>> 0);
  const offset = Array.from({ length: n }, (_, i) => (i * 37) % frames);
  const perMs = n / 20;
  const total = Math.floor((o.durationMs / 20) * n);
  let sent = 0;
  let maxLagMs = 0;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const step = (): void => {
      const elapsed = performance.now() - t0;
      const due = Math.min(total, Math.floor(elapsed * perMs) + 1);
      const burstStart = sent;
      while (sent < due) {
        const i = sent % n;
        const k = Math.floor(sent / n);
        // A fresh buffer per packet: a send is asynchronous, so a reused one could be rewritten before it leaves.
        const b = Buffer.allocUnsafe(172);
        b[0] = 0x80;
        b[1] = 0;
        b.writeUInt32BE(ssrcs[i]!, 8);
        const seq = (1000 + k) & 0xffff;
        b[2] = seq >> 8;
        b[3] = seq & 0xff;
        b.writeUInt32BE(((k + 1) * 160) >>> 0, 4);
        const f = (offset[i]! + k) % frames;
        audio.copy(b, 12, f * 160, f * 160 + 160);
        sockets[i]!.send(b, o.port, o.host);
        sent++;
      }
      // How far behind schedule the sender was (after a short warm-up).
      const lag = (due - burstStart) / perMs;
      if (elapsed > 200 && lag > maxLagMs) maxLagMs = lag;
      if (sent >= total) {
        resolve({ sent, maxLagMs, elapsedMs: performance.now() - t0 });
        return;
      }
      setTimeout(step, 1);
    };
    step();
  });
}

process.on('message', (msg: { op: string } & Partial<Start>) => {
  void (async () => {
    if (msg.op === 'bind') {
      const ports = await bindAll(msg.n!);
      process.send!({ op: 'bound', ports });
    } else if (msg.op === 'run') {
      const r = await run(msg as Start);
      process.send!({ op: 'done', ...r });
    } else if (msg.op === 'exit') {
      for (const s of sockets) s.close();
      sockets = [];
      process.exit(0);
    }
  })();
});
