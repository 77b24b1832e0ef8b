import { homedir } from 'node:os';

/** Where output goes: stdout or stderr. */
export interface OutStream {
  write(s: string): unknown;
  /** True on a terminal: tables get colour-free alignment and progress bars redraw in place. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Everything dialerctl touches outside itself. `main.ts` passes the process;
 * tests pass buffers, a private environment and their own home directory, so
 * commands run in-process.
 */
export interface Io {
  readonly out: OutStream;
  readonly err: OutStream;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The user's home; the config file lives under it unless XDG_CONFIG_HOME or DIALERCTL_CONFIG says otherwise. */
  readonly homeDir: string;
  /** Wall-clock milliseconds (injected so clock-skew checks can be tested). */
  now(): number;
  /** Aborts long-running commands (`transcript tail`, `simulate-pbx`); main.ts wires SIGINT and SIGTERM. */
  readonly signal: AbortSignal;
}

/** The real process. */
export function processIo(signal: AbortSignal): Io {
  return {
    out: process.stdout,
    err: process.stderr,
    stdin: process.stdin,
    env: process.env,
    homeDir: homedir(),
    now: () => Date.now(),
    signal,
  };
}

/** A writable that keeps what it is given, for tests and for capturing a sub-command. */
export class BufferStream implements OutStream {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns = 120,
  ) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}
