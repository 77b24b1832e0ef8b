import type { Command } from 'commander';
import { CliError, EXIT } from '../exit.js';
import type { Io } from '../io.js';
import { act } from '../program.js';

/** The body of `GET /ready`. */
export interface ReadyReply {
  status?: string;
  checks?: Record<string, { ok: boolean; reason?: string; required?: boolean; lastContactAgoMs?: number }>;
}

/** One line per readiness check: ok, FAIL (required and failing) or warn (reported only). */
export function renderChecks(checks: ReadyReply['checks']): string {
  let s = '';
  for (const [name, c] of Object.entries(checks ?? {})) {
    const state = c.ok ? 'ok' : c.required === false ? 'warn' : 'FAIL';
    s += `${name.padEnd(10)} ${state}${c.ok ? '' : `  ${c.reason ?? ''}`}\n`;
  }
  return s;
}

/** `dialerctl health`: the API's /health and /ready. Exit 0 ready, 3 not ready, 4 unreachable. */
export function healthCommand(program: Command, io: Io): void {
  program
    .command('health')
    .description('check that the API is up and ready (exit 0 ready, 3 not ready, 4 unreachable)')
    .action(
      act(io, async (ctx) => {
        const api = ctx.anonymous();
        const health = await api.get<unknown>('/health', { timeoutMs: ctx.opts.timeout ?? 5000 });
        // /ready answers 503 with the failing checks: read it raw rather than as an error.
        let ready: ReadyReply;
        let status: number;
        try {
          const r = await fetch(api.url('/ready'), { signal: AbortSignal.timeout(ctx.opts.timeout ?? 5000) });
          status = r.status;
          ready = (await r.json()) as ReadyReply;
        } catch (err) {
          throw new CliError(`cannot read ${api.baseUrl}/ready: ${(err as Error).message}`, EXIT.unreachable);
        }
        ctx.print({ health, ready }, () => `api        ${api.baseUrl}  up\n${renderChecks(ready.checks)}`);
        if (status !== 200) throw new CliError('', EXIT.notReady);
      }),
    );
}
