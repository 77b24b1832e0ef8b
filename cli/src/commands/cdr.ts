import { Option, type Command } from 'commander';
import { CliError, EXIT, usage } from '../exit.js';
import type { Ctx } from '../context.js';
import type { Io } from '../io.js';
import { act } from '../program.js';
import { ProgressBar } from '../output/progress.js';
import { duration, when } from '../output/table.js';
import { eachPage, fetchPages, moreHint, parseTime, withPaging, type PageOptions } from './common.js';
import { campaignId } from './campaign.js';
import { agentId } from './agent.js';
import { csvField, Sink } from './list-transfer.js';

/** A call detail record. */
export interface Cdr {
  id: string;
  callId: string;
  campaignId: string | null;
  leadId: number | null;
  agentId: string | null;
  direction: string;
  phone: string;
  callerId: string | null;
  startAt: number;
  ringAt: number | null;
  answerAt: number | null;
  bridgeAt: number | null;
  endAt: number | null;
  durationMs: number | null;
  talkMs: number | null;
  waitMs: number | null;
  hangupCause: number | null;
  hangupCauseText: string | null;
  hangupBy: string | null;
  dialStatus: string | null;
  outcome: string | null;
  amdStatus: string | null;
  abandoned: boolean;
  disposition: string | null;
  recordingId: string | null;
  hasTranscript: boolean;
}

const TIME_FIELDS = new Set(['startAt', 'ringAt', 'answerAt', 'bridgeAt', 'endAt']);
const CDR_COLUMNS: (keyof Cdr)[] = [
  'id', 'callId', 'campaignId', 'leadId', 'agentId', 'direction', 'phone', 'callerId', 'startAt', 'ringAt', 'answerAt', 'bridgeAt', 'endAt',
  'durationMs', 'talkMs', 'waitMs', 'hangupCause', 'hangupCauseText', 'hangupBy', 'dialStatus', 'outcome', 'amdStatus', 'abandoned', 'disposition', 'recordingId', 'hasTranscript',
];

interface Filter {
  from?: string;
  to?: string;
  campaign?: string;
  agent?: string;
  phone?: string;
  outcome?: string;
}

function filterOptions(cmd: Command): Command {
  return cmd
    .option('--campaign <campaign>', 'campaign id or name')
    .option('--agent <agent>', 'agent id, extension or e-mail')
    .option('--phone <phone>', 'the number called or calling')
    .option('--outcome <outcome>', 'e.g. answered, busy, no_answer, abandoned');
}

async function query(ctx: Ctx, o: Filter, required: boolean): Promise<Record<string, string | number | undefined>> {
  const api = await ctx.api();
  const now = ctx.io.now();
  if (required && (!o.from || !o.to)) throw usage('give --from and --to');
  const from = o.from ? parseTime(o.from, now, '--from') : undefined;
  const to = o.to ? parseTime(o.to, now, '--to') : undefined;
  if (from !== undefined && to !== undefined && from >= to) throw usage('--from must be before --to');
  return {
    from,
    to,
    campaignId: o.campaign ? await campaignId(api, o.campaign) : undefined,
    agentId: o.agent ? await agentId(api, o.agent) : undefined,
    phone: o.phone,
    outcome: o.outcome,
  };
}

/** `dialerctl cdr list|show|export`. */
export function cdrCommands(program: Command, io: Io): void {
  const c = program.command('cdr').description('call detail records: search and export');

  filterOptions(withPaging(c.command('list').description('search CDRs, newest first')))
    .option('--from <when>', 'start time from (ISO date or date-time, epoch ms, today, -7d)')
    .option('--to <when>', 'start time before')
    .action(
      act(io, async (ctx, o: PageOptions & Filter) => {
        const page = await fetchPages<Cdr>(await ctx.api(), '/api/v1/cdrs', await query(ctx, o, false), o);
        ctx.table(
          page,
          page.items,
          [
            { header: 'CALL', get: (r) => r.callId, max: 36 },
            { header: 'STARTED', get: (r) => when(r.startAt) },
            { header: 'DIR', get: (r) => r.direction },
            { header: 'PHONE', get: (r) => r.phone },
            { header: 'OUTCOME', get: (r) => r.outcome },
            { header: 'TALK', get: (r) => duration((r.talkMs ?? 0) / 1000), right: true },
            { header: 'DISPOSITION', get: (r) => r.disposition },
            { header: 'HANGUP', get: (r) => r.hangupCauseText },
          ],
          moreHint(page),
        );
      }),
    );

  c.command('show <id>')
    .description('one CDR, by its id or its call id')
    .action(
      act(io, async (ctx, id: string) => {
        const r = await (await ctx.api()).get<Cdr>(`/api/v1/cdrs/${encodeURIComponent(id)}`);
        ctx.record(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, TIME_FIELDS.has(k) ? when(v) : v])));
      }),
    );

  filterOptions(c.command('export').description('export every CDR that started in [--from, --to) as CSV or JSON lines'))
    .requiredOption('--from <when>', 'start (ISO date or date-time, epoch ms, today, -7d)')
    .requiredOption('--to <when>', 'end (exclusive)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addOption(new Option('--format <format>', 'csv or jsonl').choices(['csv', 'jsonl']).default('csv'))
    .action(
      act(io, async (ctx, o: Filter & { output?: string; format: 'csv' | 'jsonl' }) => {
        const q = await query(ctx, o, true);
        const api = await ctx.api();
        const sink = new Sink(io, o.output);
        const progress = new ProgressBar(io.err, { label: 'exporting CDRs', now: () => io.now() });
        let n = 0;
        try {
          if (o.format === 'csv') await sink.write(`${CDR_COLUMNS.join(',')}\r\n`);
          for await (const page of eachPage<Cdr>(api, '/api/v1/cdrs', q)) {
            let chunk = '';
            for (const r of page) {
              chunk +=
                o.format === 'jsonl'
                  ? `${JSON.stringify(r)}\n`
                  : `${CDR_COLUMNS.map((k) => csvField(TIME_FIELDS.has(k) && typeof r[k] === 'number' ? new Date(r[k] as number).toISOString() : r[k])).join(',')}\r\n`;
            }
            n += page.length;
            await sink.write(chunk);
            progress.update(n);
          }
        } catch (err) {
          progress.done();
          await sink.close().catch(() => undefined);
          throw err instanceof CliError ? new CliError(`${err.message} (after ${n} records)`, err.exitCode, err.code, err.details) : new CliError(`export failed after ${n} records: ${(err as Error).message}`, EXIT.error);
        }
        progress.done();
        await sink.close();
        ctx.note(`exported ${n} CDRs${o.output && o.output !== '-' ? ` to ${o.output}` : ''}`);
      }),
    );
}
