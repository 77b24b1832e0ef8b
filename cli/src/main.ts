#!/usr/bin/env node
import { processIo } from './io.js';
import { run } from './program.js';

// `dialerctl ... | head` closes the pipe early; that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// The first SIGINT/SIGTERM asks long-running commands (tail, simulate-pbx) to
// finish cleanly; a second one exits at once.
const stop = new AbortController();
let signals = 0;
const onSignal = (sig: NodeJS.Signals): void => {
  signals++;
  if (signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
  stop.abort(new Error(sig));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

process.exitCode = await run(process.argv.slice(2), processIo(stop.signal));
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
