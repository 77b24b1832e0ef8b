import { Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { act } from '../program.js';
import { duration, percent, renderRecord, renderTable, when } from '../output/table.js';
import { bodyFrom, collect, csvList, fetchPages, moreHint, resolveByName, withPaging, type Page, type PageOptions } from './common.js';
import type { ApiClient } from '../client.js';

/** A campaign as the API returns it (the fields dialerctl shows). */
export interface Campaign {
  id: string;
  name: string;
  status: string;
  kind: string | null;
  dialMode: string | null;
  dialRatio: number | null;
  teamId: string | null;
  maxAttempts: number | null;
  updatedAt: number;
  [k: string]: unknown;
}

/** `GET /stats/campaigns[/id]`: the dialer's live snapshot and today's counters. */
export interface CampaignStats {
  campaignId: string;
  day: string;
  live: {
    status: string;
    dialMode: string;
    dialLevel: number;
    callsDialing: number;
    callsWaiting: number;
    callsInQueue: number;
    agents: { ready: number; paused: number; onCall: number; wrapUp: number };
    abandonRateToday: number;
    abandonRate30d: number;
    targetAbandonRate: number;
    answerRate: number;
    hopperSize?: number;
  } | null;
  today: { dialed: number; answered: number; human: number; machine: number; connected: number; abandoned: number; ended: number; talkMs: number; waitMs: number; dispositions: number };
}

/** Resolves a campaign id or name. */
export function campaignId(api: ApiClient, ref: string): Promise<string> {
  return resolveByName(api, '/api/v1/campaigns', ref, 'campaign');
}

const SETTINGS_HELP = `
Any campaign setting can be given with --set key=value (values are JSON when they parse),
or all at once with --file settings.json. The API lists the settings at /api/docs.
Examples:
  dialerctl campaign create --name "Spring renewals" --dial-mode predictive --set targetAbandonRate=0.03
  dialerctl campaign update "Spring renewals" --set maxAttempts=6 --set amdEnabled=true`;

function settingsOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'campaign name')
    .addOption(new Option('--kind <kind>', 'outbound, inbound or blended').choices(['outbound', 'inbound', 'blended']))
    .addOption(new Option('--dial-mode <mode>', 'dialling mode').choices(['manual', 'preview', 'progressive', 'ratio', 'predictive']))
    .option('--team <id>', 'team id')
    .option('--set <key=value>', 'any setting (repeatable)', collect)
    .option('--file <file.json>', 'settings from a JSON file')
    .addHelpText('after', SETTINGS_HELP);
}

function explicit(o: { name?: string; kind?: string; dialMode?: string; team?: string }): Record<string, unknown> {
  return { name: o.name, kind: o.kind, dialMode: o.dialMode, teamId: o.team };
}

function renderStats(s: CampaignStats): string {
  const l = s.live;
  const rec: Record<string, unknown> = {
    campaign: s.campaignId,
    status: l?.status ?? '(no live snapshot in the last 10 s)',
    'dial level': l ? l.dialLevel.toFixed(2) : null,
    'calls dialing': l?.callsDialing,
    'calls waiting': l?.callsWaiting,
    'calls in queue': l?.callsInQueue,
    'agents ready/paused/on call/wrap-up': l ? `${l.agents.ready}/${l.agents.paused}/${l.agents.onCall}/${l.agents.wrapUp}` : null,
    'abandon today': l ? `${percent(l.abandonRateToday)} (target ${percent(l.targetAbandonRate)}, 30 days ${percent(l.abandonRate30d)})` : null,
    'answer rate': l ? percent(l.answerRate) : null,
    hopper: l?.hopperSize,
    [`today (${s.day})`]: `${s.today.dialed} dialed, ${s.today.answered} answered (${s.today.human} human, ${s.today.machine} machine), ${s.today.connected} connected, ${s.today.abandoned} abandoned`,
    'talk time today': duration(s.today.talkMs / 1000),
  };
  return renderRecord(rec);
}

/** `dialerctl campaign ...`. */
export function campaignCommands(program: Command, io: Io): void {
  const c = program.command('campaign').description('list, create, change, start, pause and stop campaigns; live statistics');

  withPaging(c.command('list').description('list campaigns'))
    .option('--status <status>', 'only campaigns in this status (stopped, running, paused)')
    .action(
      act(io, async (ctx, o: PageOptions & { status?: string }) => {
        const page = await fetchPages<Campaign>(await ctx.api(), '/api/v1/campaigns', { status: o.status }, o);
        ctx.table(
          page,
          page.items,
          [
            { header: 'ID', get: (r) => r.id, max: 36 },
            { header: 'NAME', get: (r) => r.name },
            { header: 'STATUS', get: (r) => r.status },
            { header: 'KIND', get: (r) => r.kind },
            { header: 'MODE', get: (r) => r.dialMode },
            { header: 'RATIO', get: (r) => r.dialRatio, right: true },
            { header: 'UPDATED', get: (r) => when(r.updatedAt) },
          ],
          moreHint(page),
        );
      }),
    );

  c.command('show <campaign>')
    .description('show every setting of a campaign (by id or name)')
    .action(
      act(io, async (ctx, ref: string) => {
        const api = await ctx.api();
        const camp = await api.get<Campaign>(`/api/v1/campaigns/${await campaignId(api, ref)}`);
        ctx.record({ ...camp, createdAt: when(camp['createdAt']), updatedAt: when(camp.updatedAt) });
      }),
    );

  settingsOptions(c.command('create').description('create a campaign (it starts stopped)')).action(
    act(io, async (ctx, o: { name?: string; kind?: string; dialMode?: string; team?: string; set?: string[]; file?: string }) => {
      const body = bodyFrom(o, explicit(o));
      const camp = await (await ctx.api()).post<Campaign>('/api/v1/campaigns', body);
      ctx.print(camp, () => `created campaign ${camp.name} (${camp.id}), ${camp.status}\n`);
    }),
  );

  settingsOptions(c.command('update <campaign>').description('change settings of a campaign')).action(
    act(io, async (ctx, ref: string, o: { name?: string; kind?: string; dialMode?: string; team?: string; set?: string[]; file?: string }) => {
      const api = await ctx.api();
      const body = bodyFrom(o, explicit(o));
      const camp = await api.patch<Campaign>(`/api/v1/campaigns/${await campaignId(api, ref)}`, body);
      ctx.print(camp, () => `updated campaign ${camp.name} (${camp.id}): ${Object.keys(body).join(', ') || 'nothing'}\n`);
    }),
  );

  for (const [verb, done] of [
    ['start', 'running'],
    ['pause', 'paused'],
    ['stop', 'stopped'],
  ] as const) {
    c.command(`${verb} <campaign>`)
      .description(`${verb} a campaign`)
      .action(
        act(io, async (ctx, ref: string) => {
          const api = await ctx.api();
          const camp = await api.post<Campaign>(`/api/v1/campaigns/${await campaignId(api, ref)}/${verb}`);
          ctx.print(camp, () => `campaign ${camp.name} (${camp.id}) is ${camp.status ?? done}\n`);
        }),
      );
  }

  c.command('delete <campaign>')
    .description('delete a stopped campaign')
    .action(
      act(io, async (ctx, ref: string) => {
        const api = await ctx.api();
        const id = await campaignId(api, ref);
        await api.delete(`/api/v1/campaigns/${id}`);
        ctx.print({ id, deleted: true }, () => `deleted campaign ${id}\n`);
      }),
    );

  c.command('agents <campaign>')
    .description('show the agents assigned to a campaign, or set them with --set')
    .option('--set <agentIds>', 'comma-separated agent ids (replaces the assignment)', csvList)
    .action(
      act(io, async (ctx, ref: string, o: { set?: string[] }) => {
        const api = await ctx.api();
        const id = await campaignId(api, ref);
        const r = o.set
          ? await api.put<{ agentIds: string[] }>(`/api/v1/campaigns/${id}/agents`, { agentIds: o.set })
          : await api.get<{ agentIds: string[] }>(`/api/v1/campaigns/${id}/agents`);
        ctx.print(r, () => (r.agentIds.length > 0 ? `${r.agentIds.join('\n')}\n` : '(no agents assigned)\n'));
      }),
    );

  c.command('stats [campaign]')
    .description('live statistics: one campaign in detail, or every campaign active today')
    .action(
      act(io, async (ctx, ref: string | undefined) => {
        const api = await ctx.api();
        if (ref) {
          const s = await api.get<CampaignStats>(`/api/v1/stats/campaigns/${await campaignId(api, ref)}`);
          ctx.print(s, () => renderStats(s));
          return;
        }
        const page = await api.get<Page<CampaignStats>>('/api/v1/stats/campaigns');
        ctx.print(page, () =>
          renderTable(
            page.items,
            [
              { header: 'CAMPAIGN', get: (r) => r.campaignId, max: 36 },
              { header: 'STATUS', get: (r) => r.live?.status },
              { header: 'LEVEL', get: (r) => r.live?.dialLevel.toFixed(2), right: true },
              { header: 'DIALING', get: (r) => r.live?.callsDialing, right: true },
              { header: 'QUEUE', get: (r) => r.live?.callsInQueue, right: true },
              { header: 'READY', get: (r) => r.live?.agents.ready, right: true },
              { header: 'ON CALL', get: (r) => r.live?.agents.onCall, right: true },
              { header: 'ABANDON', get: (r) => percent(r.live?.abandonRateToday), right: true },
              { header: 'DIALED', get: (r) => r.today.dialed, right: true },
              { header: 'CONNECTED', get: (r) => r.today.connected, right: true },
            ],
            '(no campaign active today)',
          ),
        );
      }),
    );
}
