import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError, EXIT, usage } from '../exit.js';
import type { Io } from '../io.js';
import { act } from '../program.js';

/** Finds the installation's root: the folder whose package.json lists the workspaces (as in /opt/dialer). */
export function findRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const p = JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown };
        if (Array.isArray(p.workspaces)) return dir;
      } catch {
        // Not ours; keep looking up.
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The `bench:*` scripts of the root package.json, by name (without the prefix). */
export function benchScripts(root: string): Record<string, string> {
  const p = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return Object.fromEntries(Object.entries(p.scripts ?? {}).filter(([k]) => k.startsWith('bench:')).map(([k, v]) => [k.slice('bench:'.length), v]));
}

function npmRun(root: string, script: string, args: readonly string[], io: Io, captureStdout: boolean): Promise<{ code: number; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...io.env } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      if (captureStdout) stdout += d.toString();
      else io.out.write(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => io.err.write(d.toString()));
    const onAbort = (): void => {
      child.kill('SIGINT');
    };
    io.signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => reject(new CliError(`cannot run npm: ${err.message}`, EXIT.error)));
    child.once('exit', (code, sig) => {
      io.signal.removeEventListener('abort', onAbort);
      resolvePromise({ code: code ?? (sig ? 1 : 0), stdout });
    });
  });
}

/** `dialerctl bench [name...]`: runs the root `npm run bench:<name>` scripts. */
export function benchCommand(program: Command, io: Io): void {
  program
    .command('bench [names...]')
    .description('run the benchmarks (the root `npm run bench:<name>` scripts); no name lists them, `all` runs every one')
    .option('--root <dir>', 'the installation root (default: found from dialerctl\'s own location, then the current directory)')
    .option('--arg <arg...>', 'extra arguments for the benchmark (e.g. --arg --n=1000)')
    .addHelpText('after', '\nWith --json each benchmark prints one JSON document; several are gathered into one object by name.\nRun benchmarks on an idle machine: they measure this host.')
    .action(
      act(io, async (ctx, names: string[], o: { root?: string; arg?: string[] }) => {
        const here = dirname(fileURLToPath(import.meta.url));
        const root = o.root ? resolve(o.root) : (findRoot(here) ?? findRoot(process.cwd()));
        if (!root) throw usage('cannot find the installation root (a package.json with workspaces); pass --root');
        const scripts = benchScripts(root);
        if (names.length === 0) {
          ctx.print({ root, benchmarks: scripts }, () =>
            Object.keys(scripts).length === 0 ? `(no bench:* scripts in ${root}/package.json)\n` : `${Object.entries(scripts).map(([k, v]) => `${k.padEnd(12)} ${v}`).join('\n')}\n`,
          );
          return;
        }
        const run = names.includes('all') ? Object.keys(scripts) : names;
        const unknown = run.filter((n) => !(n in scripts));
        if (unknown.length > 0) throw usage(`no benchmark ${unknown.join(', ')}; known: ${Object.keys(scripts).join(', ') || '(none)'}`);
        const results: Record<string, unknown> = {};
        let failed = 0;
        for (const name of run) {
          if (!ctx.json) ctx.note(`== bench:${name}`);
          const args = [...(ctx.json ? ['--json'] : []), ...(o.arg ?? [])];
          const r = await npmRun(root, `bench:${name}`, args, io, ctx.json);
          if (r.code !== 0) failed++;
          if (ctx.json) {
            try {
              results[name] = JSON.parse(r.stdout);
            } catch {
              results[name] = { error: `exit ${r.code}; stdout was not one JSON document`, stdout: r.stdout.slice(0, 2000) };
            }
          }
          if (io.signal.aborted) break;
        }
        if (ctx.json) io.out.write(`${JSON.stringify(run.length === 1 ? results[run[0]!] : results, null, 2)}\n`);
        if (failed > 0) throw new CliError(`${failed} of ${run.length} benchmark${run.length === 1 ? '' : 's'} failed`, EXIT.error);
      }),
    );
}
