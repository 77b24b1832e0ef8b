import { Option, type Command } from 'commander';
import type { ApiClient } from '../client.js';
import { usage } from '../exit.js';
import type { Io } from '../io.js';
import { act } from '../program.js';
import { readStdinLine } from '../prompt.js';
import { generatePassword } from './user.js';
import { duration, when } from '../output/table.js';
import { csvList, fetchPages, moreHint, resolveByName, withPaging, type PageOptions } from './common.js';
import { campaignId } from './campaign.js';

/** An agent as the API returns it. */
export interface Agent {
  id: string;
  userId: string;
  name: string;
  email: string;
  teamId: string | null;
  extension: string;
  phoneKind: string;
  sipEndpoint: string | null;
  status: string;
  campaignIds: string[];
  createdAt: number;
  updatedAt: number;
}

/** `GET /stats/agents[/id]`. */
export interface AgentStats {
  agentId: string;
  day: string;
  state: string | null;
  sinceMs: number | null;
  callId: string | null;
  calls: number;
  talkMs: number;
  dispositions: number;
  stateMs: Record<string, number>;
}

/** Resolves an agent by id, extension or e-mail. */
export function agentId(api: ApiClient, ref: string): Promise<string> {
  return resolveByName(api, '/api/v1/agents', ref, 'agent', (a) => (a['extension'] === ref || a['email'] === ref ? ref : undefined));
}

const ACTIONS = ['login', 'logout', 'ready', 'pause', 'wrap_up_done'] as const;

/** `dialerctl agent list|create|logout|state`. */
export function agentCommands(program: Command, io: Io): void {
  const a = program.command('agent').description('agents: list, create, log out, and see or change their state');

  withPaging(a.command('list').description('list agents with their live state'))
    .option('--team <id>', 'only this team')
    .action(
      act(io, async (ctx, o: PageOptions & { team?: string }) => {
        const api = await ctx.api();
        const page = await fetchPages<Agent>(api, '/api/v1/agents', { teamId: o.team }, o);
        const stats = await api.get<{ items: AgentStats[] }>('/api/v1/stats/agents').catch(() => ({ items: [] as AgentStats[] }));
        const live = new Map(stats.items.map((s) => [s.agentId, s]));
        const now = ctx.io.now();
        ctx.table(
          { ...page, items: page.items.map((ag) => ({ ...ag, live: live.get(ag.id) ?? null })) },
          page.items,
          [
            { header: 'ID', get: (r) => r.id, max: 36 },
            { header: 'EXT', get: (r) => r.extension },
            { header: 'NAME', get: (r) => r.name },
            { header: 'PHONE', get: (r) => (r.phoneKind === 'sip' ? `sip ${r.sipEndpoint ?? ''}` : r.phoneKind) },
            { header: 'STATE', get: (r) => live.get(r.id)?.state ?? 'logged_out' },
            { header: 'FOR', get: (r) => (live.get(r.id)?.sinceMs ? duration((now - live.get(r.id)!.sinceMs!) / 1000) : null), right: true },
            { header: 'CALLS', get: (r) => live.get(r.id)?.calls ?? 0, right: true },
            { header: 'STATUS', get: (r) => r.status },
          ],
          moreHint(page),
        );
      }),
    );

  a.command('create')
    .description('create an agent: a new user with --email and --name, or an existing user with --user')
    .requiredOption('--extension <ext>', 'agent extension (the SIP endpoint name for SIP phones)')
    .option('--email <email>', 'e-mail of the new user')
    .option('--name <name>', 'name of the new user')
    .option('--user <userId>', 'make an existing user an agent')
    .option('--team <id>', 'team id')
    .addOption(new Option('--phone <kind>', 'webrtc (the browser softphone) or sip (a desk phone)').choices(['webrtc', 'sip']))
    .option('--sip-endpoint <endpoint>', 'PJSIP endpoint of a SIP phone')
    .option('--password-stdin', 'read the new user\'s password from stdin (else a random one is generated and printed once)')
    .action(
      act(io, async (ctx, o: { extension: string; email?: string; name?: string; user?: string; team?: string; phone?: string; sipEndpoint?: string; passwordStdin?: boolean }) => {
        const api = await ctx.api();
        const agentFields = {
          extension: o.extension,
          ...(o.team ? { teamId: o.team } : {}),
          ...(o.phone ? { phoneKind: o.phone } : {}),
          ...(o.sipEndpoint ? { sipEndpoint: o.sipEndpoint } : {}),
        };
        if (o.user) {
          const ag = await api.post<Agent>('/api/v1/agents', { userId: o.user, ...agentFields });
          ctx.print(ag, () => `agent ${ag.extension} created (${ag.id})\n`);
          return;
        }
        if (!o.email || !o.name) throw usage('give --email and --name for a new user, or --user for an existing one');
        const generated = o.passwordStdin ? undefined : generatePassword();
        const password = generated ?? (await readStdinLine(io));
        const user = await api.post<{ id: string; email: string; agentId: string | null }>('/api/v1/users', { email: o.email, name: o.name, role: 'agent', password, agent: agentFields });
        ctx.print(generated ? { ...user, password: generated } : user, () => `agent ${o.extension} created for ${user.email} (user ${user.id}, agent ${user.agentId ?? '-'})${generated ? `\ninitial password (shown once): ${generated}` : ''}\n`);
      }),
    );

  a.command('logout <agent>')
    .description('log an agent out (by id, extension or e-mail)')
    .option('--reason <reason>', 'why, for the audit log')
    .action(
      act(io, async (ctx, ref: string, o: { reason?: string }) => {
        const api = await ctx.api();
        const id = await agentId(api, ref);
        const r = await api.post<{ ok: boolean; result?: unknown }>(`/api/v1/agents/${id}/state`, { action: 'logout', ...(o.reason ? { reason: o.reason } : {}) });
        ctx.print(r, () => `agent ${ref} logged out\n`);
      }),
    );

  a.command('state <agent> [action]')
    .description(`show an agent's live state, or change it: ${ACTIONS.join(', ')}`)
    .option('--reason <reason>', 'pause reason')
    .option('--campaigns <ids>', 'campaigns to log in to (comma-separated ids or names)', csvList)
    .action(
      act(io, async (ctx, ref: string, action: string | undefined, o: { reason?: string; campaigns?: string[] }) => {
        const api = await ctx.api();
        const id = await agentId(api, ref);
        if (!action) {
          const s = await api.get<AgentStats>(`/api/v1/stats/agents/${id}`);
          const since = s.sinceMs ? duration((ctx.io.now() - s.sinceMs) / 1000) : null;
          ctx.record(
            { agent: id, state: s.state ?? 'logged_out', since: s.sinceMs ? `${when(s.sinceMs)} (${since})` : null, call: s.callId, 'calls today': s.calls, 'talk today': duration(s.talkMs / 1000), ...Object.fromEntries(Object.entries(s.stateMs ?? {}).map(([k, v]) => [`time ${k}`, duration(v / 1000)])) },
          );
          return;
        }
        if (!(ACTIONS as readonly string[]).includes(action)) throw usage(`action must be one of ${ACTIONS.join(', ')}`);
        const campaignIds = o.campaigns ? await Promise.all(o.campaigns.map((c) => campaignId(api, c))) : undefined;
        const r = await api.post<{ ok: boolean; result?: unknown }>(`/api/v1/agents/${id}/state`, {
          action,
          ...(o.reason ? { reason: o.reason } : {}),
          ...(campaignIds ? { campaignIds } : {}),
        });
        ctx.print(r, () => `agent ${ref}: ${action} done\n`);
      }),
    );
}
