import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { usage } from './exit.js';
import type { Io } from './io.js';

/** Reads all of stdin as text (for `--password-stdin`, piped keys). */
export async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The first line of stdin, without its line ending. */
export async function readStdinLine(io: Io): Promise<string> {
  return (await readStdin(io)).split(/\r?\n/)[0] ?? '';
}

/**
 * Asks a question on the terminal. With `hidden`, what is typed is not echoed
 * (passwords). Refuses when stdin is not a terminal: scripts must use the
 * `--...-stdin` options instead of hanging on a prompt.
 */
export async function ask(io: Io, question: string, o: { hidden?: boolean; flag: string }): Promise<string> {
  if (!io.stdin.isTTY) throw usage(`stdin is not a terminal; pass ${o.flag}`);
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) io.err.write(chunk.toString());
      cb();
    },
  });
  const rl = createInterface({ input: io.stdin, output, terminal: true });
  try {
    const answer = new Promise<string>((resolve) => rl.question(question, resolve));
    muted = o.hidden === true;
    const a = await answer;
    if (o.hidden) io.err.write('\n');
    return a;
  } finally {
    rl.close();
  }
}
