import type { Command } from 'commander';
import type { ApiClient } from '../client.js';
import { CliError, EXIT } from '../exit.js';
import type { Io } from '../io.js';
import { act } from '../program.js';
import type { ReadyReply } from './health.js';
import type { CampaignStats } from './campaign.js';
import type { AgentStats } from './agent.js';
import type { Page } from './common.js';
import { problemsOf, renderStatus, type StatusReport, type SystemReply } from './status-view.js';

export type { StatusReport, SystemReply } from './status-view.js';

/** Errors that mean "this login may not see it", after which status reports what it can. */
function denied(err: unknown): err is CliError {
  return err instanceof CliError && (err.exitCode === EXIT.auth || err.exitCode === EXIT.forbidden);
}

async function liveCounts(api: ApiClient): Promise<Pick<StatusReport, 'campaigns' | 'agents' | 'liveCalls'>> {
  const [camps, agents, calls] = await Promise.all([
    api.get<Page<CampaignStats>>('/api/v1/stats/campaigns'),
    api.get<Page<AgentStats>>('/api/v1/stats/agents'),
    api.get<Page<unknown>>('/api/v1/calls', { query: { state: 'live', limit: 500 } }),
  ]);
  const live = camps.items.map((c) => c.live).filter((l): l is NonNullable<CampaignStats['live']> => l !== null);
  const byState: Record<string, number> = {};
  for (const a of agents.items) byState[a.state ?? 'logged_out'] = (byState[a.state ?? 'logged_out'] ?? 0) + 1;
  return {
    campaigns: {
      running: live.filter((l) => l.status === 'running').length,
      paused: live.filter((l) => l.status === 'paused').length,
      dialing: live.reduce((n, l) => n + l.callsDialing, 0),
      queued: live.reduce((n, l) => n + l.callsInQueue, 0),
      abandonRateMax: live.length > 0 ? Math.max(...live.map((l) => l.abandonRateToday)) : null,
    },
    agents: byState,
    liveCalls: calls.nextCursor ? 500 : calls.items.length,
  };
}

/** `dialerctl status`: the daemons, Asterisk, the gateways, speech-to-text providers, the DB and the bus, and what is running. */
export function statusCommand(program: Command, io: Io): void {
  program
    .command('status')
    .description('overall status: API, database, event bus, controllers and their Asterisk servers, media gateways, speech-to-text providers, campaigns, agents, live calls')
    .option('--strict', 'exit 9 when a component is down or stale (not only when the API is not ready)')
    .addHelpText(
      'after',
      `
The components come from GET /api/v1/system (admins and supervisors): what the API hears
on the bus from each controller and gateway heartbeat. Without such a login, status shows
the API's readiness checks only.
Exit codes: 0 ready, 3 the API is not ready, 4 unreachable, 9 a component is down (--strict).`,
    )
    .action(
      act(io, async (ctx, o: { strict?: boolean }) => {
        const anon = ctx.anonymous();
        const health = await anon.get<{ nodeId?: string; uptimeS?: number }>('/health', { timeoutMs: ctx.opts.timeout ?? 5000 });
        const r = await fetch(anon.url('/ready'), { signal: AbortSignal.timeout(ctx.opts.timeout ?? 5000) }).catch((err: Error) => {
          throw new CliError(`cannot read ${anon.baseUrl}/ready: ${err.message}`, EXIT.unreachable);
        });
        const ready = (await r.json().catch(() => ({}))) as ReadyReply;
        const base: Omit<StatusReport, 'problems'> = {
          api: { url: anon.baseUrl, ...(health.nodeId ? { nodeId: health.nodeId } : {}), ...(health.uptimeS !== undefined ? { uptimeS: health.uptimeS } : {}), ready: r.status === 200 },
          components: ready.checks ?? {},
          system: null,
          campaigns: null,
          agents: null,
          liveCalls: null,
        };
        // The rest needs credentials; without them (or with a role that may not see it) status reports what it can.
        const notes: string[] = [];
        let api: ApiClient | undefined;
        try {
          api = await ctx.api();
        } catch (err) {
          if (!denied(err)) throw err;
          notes.push(`(components in detail, campaigns, agents and calls need a login: ${err.message})`);
        }
        if (api) {
          const [system, counts] = await Promise.allSettled([api.get<SystemReply>('/api/v1/system'), liveCounts(api)]);
          if (system.status === 'fulfilled') base.system = system.value;
          else if (denied(system.reason)) notes.push(`(components in detail need an admin or supervisor login: ${system.reason.message})`);
          else throw system.reason;
          if (counts.status === 'fulfilled') Object.assign(base, counts.value);
          else if (denied(counts.reason)) notes.push(`(campaigns, agents and calls: ${counts.reason.message})`);
          else throw counts.reason;
        }
        const report: StatusReport = { ...base, problems: problemsOf(base) };
        ctx.print(report, () => renderStatus(report, notes, io.now()));
        if (!report.api.ready) throw new CliError('', EXIT.notReady);
        if (o.strict && report.problems.length > 0) throw new CliError('', EXIT.checkFailed);
      }),
    );
}
