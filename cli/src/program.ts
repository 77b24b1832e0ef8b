import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { Ctx } from './context.js';
import { CliError, EXIT } from './exit.js';
import type { Io } from './io.js';
import { registerCommands } from './commands/index.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Parses a positive integer option (ms, counts). */
export function intOption(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** A command's action with its context built from the global options. */
export type Action = (ctx: Ctx, ...args: never[]) => Promise<void> | void;

/**
 * Wraps an action so that it receives a {@link Ctx} first, then commander's
 * positional arguments and the command's own options.
 */
export function act(io: Io, fn: (ctx: Ctx, ...args: any[]) => Promise<void> | void): (...args: any[]) => Promise<void> {
  return async (...args: any[]) => {
    const cmd = args[args.length - 1] as Command;
    await fn(Ctx.of(io, cmd), ...args.slice(0, -1));
  };
}

/** Builds the dialerctl program; output goes to `io`, errors are thrown, never `process.exit`. */
export function buildProgram(io: Io): Command {
  const program = new Command('dialerctl')
    .description('Operate a dialer installation: campaigns, lists, agents, calls, transcripts, webhooks, and diagnostics')
    .version(version(), '-V, --version')
    .addOption(new Option('--url <url>', 'API base URL (default: DIALER_URL, the login profile, or http://127.0.0.1:8080)'))
    .addOption(new Option('--token <token>', 'API key or access token (default: DIALER_TOKEN, or the login profile)'))
    .addOption(new Option('--profile <name>', 'login profile to use (default: DIALER_PROFILE, or the current one)'))
    .option('--json', 'print JSON instead of tables (for scripts)')
    .addOption(new Option('--timeout <ms>', 'per-request timeout in milliseconds').argParser(intOption('--timeout', 100, 3_600_000)))
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      outputError: (s, write) => write(s),
    });
  program.addHelpText(
    'after',
    `
Environment: DIALER_URL, DIALER_TOKEN, DIALER_PROFILE, DIALERCTL_CONFIG (config file path).
Exit codes: 0 ok, 1 error, 2 usage or invalid input, 3 not ready or busy, 4 unreachable,
            5 authentication, 6 forbidden, 7 not found, 8 conflict or wrong state, 9 a check failed.`,
  );
  registerCommands(program, io);
  return program;
}

function printDetails(io: Io, details: unknown): void {
  if (details === undefined || details === null) return;
  const list = Array.isArray(details) ? details : [details];
  for (const d of list.slice(0, 20)) {
    if (d && typeof d === 'object') {
      const o = d as Record<string, unknown>;
      const where = [o['in'], o['path'] ?? o['field'] ?? o['row'] ?? o['line']].filter((x) => x !== undefined && x !== '/').join(' ');
      const msg = o['message'] ?? o['reason'];
      if (msg !== undefined) {
        io.err.write(`  - ${where ? `${where}: ` : ''}${String(msg)}\n`);
        continue;
      }
    }
    io.err.write(`  - ${typeof d === 'string' ? d : JSON.stringify(d)}\n`);
  }
  if (list.length > 20) io.err.write(`  ... and ${list.length - 20} more\n`);
}

/** Runs dialerctl with `argv` (without node and the script) and resolves with the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      // Commander has already printed the message.
      return err.code === 'commander.executeSubCommandAsync' ? EXIT.error : EXIT.usage;
    }
    if (err instanceof CliError) {
      if (err.message) io.err.write(`dialerctl: ${err.message}\n`);
      printDetails(io, err.details);
      return err.exitCode;
    }
    io.err.write(`dialerctl: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.error;
  }
}
