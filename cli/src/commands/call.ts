import { Option, type Command } from 'commander';
import { usage } from '../exit.js';
import type { Io } from '../io.js';
import { act, intOption } from '../program.js';
import { duration, when } from '../output/table.js';
import { fetchPages, moreHint, withPaging, type PageOptions } from './common.js';
import { campaignId } from './campaign.js';
import { agentId } from './agent.js';

/** A call as the API returns it. */
export interface Call {
  id: string;
  campaignId: string | null;
  leadId: number | null;
  agentId: string | null;
  direction: string;
  phone: string;
  state: string;
  outcome: string | null;
  hangupCauseText: string | null;
  createdAt: number;
  answerAt: number | null;
  endAt: number | null;
  [k: string]: unknown;
}

/** What the command routes answer: the controller's reply to the bus command. */
interface CommandReply {
  ok: boolean;
  result?: unknown;
}

function resultText(r: CommandReply): string {
  if (r.result === undefined || r.result === null) return '';
  return typeof r.result === 'object' ? ` ${JSON.stringify(r.result)}` : ` ${String(r.result)}`;
}

/** `dialerctl call list|show|originate|hangup|transfer|listen`. */
export function callCommands(program: Command, io: Io): void {
  const c = program.command('call').description('live and past calls: list, show, originate, hang up, transfer, listen');

  withPaging(c.command('list').description('list calls (live ones by default)'))
    .addOption(new Option('--state <state>', 'live, ended or all').choices(['live', 'ended', 'all']).default('live'))
    .option('--campaign <campaign>', 'campaign id or name')
    .option('--agent <agent>', 'agent id, extension or e-mail')
    .option('--lead <id>', 'lead id')
    .action(
      act(io, async (ctx, o: PageOptions & { state: string; campaign?: string; agent?: string; lead?: string }) => {
        const api = await ctx.api();
        const query = {
          state: o.state,
          campaignId: o.campaign ? await campaignId(api, o.campaign) : undefined,
          agentId: o.agent ? await agentId(api, o.agent) : undefined,
          leadId: o.lead,
        };
        const page = await fetchPages<Call>(api, '/api/v1/calls', query, o);
        const now = ctx.io.now();
        ctx.table(
          page,
          page.items,
          [
            { header: 'ID', get: (r) => r.id, max: 36 },
            { header: 'DIR', get: (r) => r.direction },
            { header: 'PHONE', get: (r) => r.phone },
            { header: 'STATE', get: (r) => r.state },
            { header: 'AGENT', get: (r) => r.agentId, max: 36 },
            { header: 'STARTED', get: (r) => when(r.createdAt) },
            { header: 'DURATION', get: (r) => duration(((r.endAt ?? now) - (r.answerAt ?? r.createdAt)) / 1000), right: true },
            { header: 'OUTCOME', get: (r) => r.outcome },
          ],
          moreHint(page),
        );
      }),
    );

  c.command('show <call>')
    .description('show a call')
    .action(
      act(io, async (ctx, id: string) => {
        const call = await (await ctx.api()).get<Call>(`/api/v1/calls/${encodeURIComponent(id)}`);
        const times = Object.fromEntries(['createdAt', 'ringAt', 'answerAt', 'connectAt', 'endAt', 'updatedAt'].map((k) => [k, when(call[k])]));
        ctx.record({ ...call, ...times });
      }),
    );

  c.command('originate <phone>')
    .description('place a call (manual dial or click-to-call)')
    .option('--campaign <campaign>', 'campaign id or name (caller id, recording and compliance rules)')
    .option('--lead <id>', 'lead id', intOption('--lead', 1))
    .option('--agent <agent>', 'agent to connect (id, extension or e-mail)')
    .option('--caller-id <number>', 'caller id to present')
    .addOption(new Option('--ring-timeout <s>', 'seconds to ring').argParser(intOption('--ring-timeout', 1, 300)))
    .action(
      act(io, async (ctx, phone: string, o: { campaign?: string; lead?: number; agent?: string; callerId?: string; ringTimeout?: number }) => {
        const api = await ctx.api();
        const body = {
          phone,
          ...(o.campaign ? { campaignId: await campaignId(api, o.campaign) } : {}),
          ...(o.lead ? { leadId: o.lead } : {}),
          ...(o.agent ? { agentId: await agentId(api, o.agent) } : {}),
          ...(o.callerId ? { callerId: o.callerId } : {}),
          ...(o.ringTimeout ? { ringTimeoutS: o.ringTimeout } : {}),
        };
        const r = await api.post<CommandReply>('/api/v1/calls', body);
        ctx.print(r, () => `originating ${phone}:${resultText(r)}\n`);
      }),
    );

  c.command('hangup <call>')
    .description('hang up a call')
    .option('--reason <reason>', 'why, for the audit log')
    .action(
      act(io, async (ctx, id: string, o: { reason?: string }) => {
        const r = await (await ctx.api()).post<CommandReply>(`/api/v1/calls/${encodeURIComponent(id)}/hangup`, o.reason ? { reason: o.reason } : {});
        ctx.print(r, () => `hung up ${id}\n`);
      }),
    );

  c.command('transfer <call>')
    .description('transfer a call to an agent, a number or a campaign queue: blind, warm (then --complete or --cancel) or three-way')
    .option('--to-agent <agent>', 'agent id, extension or e-mail')
    .option('--to-number <phone>', 'external number')
    .option('--to-queue <campaign>', 'a campaign\'s inbound queue (id or name)')
    .addOption(new Option('--mode <mode>', 'blind, warm or three_way').choices(['blind', 'warm', 'three_way']).default('blind'))
    .option('--complete', 'complete a warm transfer in progress')
    .option('--cancel', 'cancel a warm transfer in progress')
    .action(
      act(io, async (ctx, id: string, o: { toAgent?: string; toNumber?: string; toQueue?: string; mode: string; complete?: boolean; cancel?: boolean }) => {
        const api = await ctx.api();
        let body: Record<string, unknown>;
        if (o.complete || o.cancel) {
          if (o.complete && o.cancel) throw usage('--complete or --cancel, not both');
          body = { action: o.complete ? 'complete' : 'cancel' };
        } else {
          const targets = [o.toAgent, o.toNumber, o.toQueue].filter((t) => t !== undefined);
          if (targets.length !== 1) throw usage('give exactly one of --to-agent, --to-number, --to-queue');
          const target = o.toAgent
            ? { kind: 'agent', agentId: await agentId(api, o.toAgent) }
            : o.toNumber
              ? { kind: 'number', phone: o.toNumber }
              : { kind: 'queue', campaignId: await campaignId(api, o.toQueue!) };
          body = { action: o.mode, target };
        }
        const r = await api.post<CommandReply>(`/api/v1/calls/${encodeURIComponent(id)}/transfer`, body);
        ctx.print(r, () => `transfer ${String(body['action'])} of ${id}: done${resultText(r)}\n`);
      }),
    );

  c.command('listen <call>')
    .description('supervisor monitoring: listen (default), --whisper to the agent, --barge in, or --stop')
    .option('--whisper', 'speak to the agent only')
    .option('--barge', 'join the conversation')
    .option('--stop', 'stop monitoring')
    .action(
      act(io, async (ctx, id: string, o: { whisper?: boolean; barge?: boolean; stop?: boolean }) => {
        if ([o.whisper, o.barge, o.stop].filter(Boolean).length > 1) throw usage('--whisper, --barge and --stop exclude each other');
        const mode = o.stop ? 'monitor/stop' : o.whisper ? 'whisper' : o.barge ? 'barge' : 'listen';
        const r = await (await ctx.api()).post<CommandReply>(`/api/v1/calls/${encodeURIComponent(id)}/${mode}`);
        ctx.print(r, () => `${mode === 'monitor/stop' ? 'stopped monitoring' : mode} ${id}:${resultText(r) || ' ok'}\n`);
      }),
    );
}
