import { Option, type Command } from 'commander';
import type { ApiClient } from '../client.js';
import { CliError, EXIT, usage } from '../exit.js';
import type { Io } from '../io.js';
import { act, intOption } from '../program.js';
import { renderTable, when } from '../output/table.js';
import { uploadFile } from '../upload.js';
import { parseTime } from './common.js';
import { campaignId } from './campaign.js';

/** A DNC entry. */
export interface DncEntry {
  id: string;
  scope: string;
  campaignId: string | null;
  phone: string;
  isPrefix: boolean;
  source: string;
  reason: string | null;
  createdBy: string | null;
  expiresAt: number | null;
  createdAt: number;
}

interface ScopeOptions {
  campaign?: string;
  scope?: string;
}

/** Which list: `--campaign` (the campaign's), `--scope global`, or the tenant's (the default). */
async function scopeOf(api: ApiClient, o: ScopeOptions): Promise<{ scope?: string; campaignId?: string }> {
  if (o.scope === 'campaign' && !o.campaign) throw usage('--scope campaign needs --campaign');
  if (o.campaign) return { scope: 'campaign', campaignId: await campaignId(api, o.campaign) };
  return o.scope ? { scope: o.scope } : {};
}

function scopeOptions(cmd: Command): Command {
  return cmd
    .option('--campaign <campaign>', 'the campaign\'s own list (id or name)')
    .addOption(new Option('--scope <scope>', 'tenant (default), campaign, or global (platform admins write it)').choices(['tenant', 'campaign', 'global']));
}

/** `dialerctl dnc add|remove|check|import|list`. */
export function dncCommands(program: Command, io: Io): void {
  const d = program.command('dnc').description('do-not-call lists: add, remove, check, import, list');

  scopeOptions(d.command('add <phone>').description('add a number, or an area-code wildcard like +1212*'))
    .option('--reason <reason>')
    .option('--expires <when>', 'when the entry lapses (ISO date or date-time, epoch ms)')
    .option('--default-country <CC>', 'region of a number without a country code (default US)')
    .action(
      act(io, async (ctx, phone: string, o: ScopeOptions & { reason?: string; expires?: string; defaultCountry?: string }) => {
        const api = await ctx.api();
        const e = await api.post<DncEntry>('/api/v1/dnc', {
          phone,
          ...(await scopeOf(api, o)),
          ...(o.reason ? { reason: o.reason } : {}),
          ...(o.expires ? { expiresAt: parseTime(o.expires, ctx.io.now(), '--expires') } : {}),
          ...(o.defaultCountry ? { defaultCountry: o.defaultCountry.toUpperCase() } : {}),
        });
        ctx.print(e, () => `added ${e.phone}${e.isPrefix ? ' (wildcard)' : ''} to the ${e.scope} DNC list${e.campaignId ? ` of campaign ${e.campaignId}` : ''}\n`);
      }),
    );

  scopeOptions(d.command('remove <phone>').description('remove a number or wildcard from a DNC list')).action(
    act(io, async (ctx, phone: string, o: ScopeOptions) => {
      const api = await ctx.api();
      await api.delete('/api/v1/dnc', { query: { phone, ...(await scopeOf(api, o)) } });
      ctx.print({ phone, removed: true }, () => `removed ${phone}\n`);
    }),
  );

  d.command('check <phone>')
    .description('is the number on the global, tenant or (with --campaign) campaign list? Exit 0 callable, 9 listed')
    .option('--campaign <campaign>', 'also check this campaign\'s list')
    .option('--default-country <CC>', 'region of a number without a country code (default US)')
    .action(
      act(io, async (ctx, phone: string, o: { campaign?: string; defaultCountry?: string }) => {
        const api = await ctx.api();
        const r = await api.post<{ phone: string; dnc: boolean; scope?: string; entry?: string; isPrefix?: boolean; reason?: string | null }>('/api/v1/dnc/check', {
          phone,
          ...(o.campaign ? { campaignId: await campaignId(api, o.campaign) } : {}),
          ...(o.defaultCountry ? { defaultCountry: o.defaultCountry.toUpperCase() } : {}),
        });
        ctx.print(r, () =>
          r.dnc
            ? `${r.phone}: DO NOT CALL (${r.scope} list, entry ${r.entry}${r.isPrefix ? ', wildcard' : ''}${r.reason ? `, ${r.reason}` : ''})\n`
            : `${r.phone}: not on any DNC list\n`,
        );
        if (r.dnc) throw new CliError('', EXIT.checkFailed);
      }),
    );

  scopeOptions(d.command('import <file>').description('import numbers and wildcards from a CSV (a phone column, or one number per line), with a progress bar'))
    .option('--column <name>', 'the column holding the numbers (default phone)')
    .option('--reason <reason>', 'reason recorded on every entry')
    .option('--default-country <CC>', 'region of numbers without a country code (default US)')
    .action(
      act(io, async (ctx, file: string, o: ScopeOptions & { column?: string; reason?: string; defaultCountry?: string }) => {
        const api = await ctx.api();
        const r = await uploadFile<{ added: number; invalid: number; errors: Array<{ row: number; reason: string }> }>(api, io, {
          path: file,
          url: '/api/v1/dnc/imports',
          query: { ...(await scopeOf(api, o)), column: o.column, reason: o.reason, defaultCountry: o.defaultCountry?.toUpperCase() },
          contentType: 'text/csv',
          label: 'importing',
          signal: io.signal,
        });
        ctx.print(r, () => {
          let s = `added ${r.added}, invalid ${r.invalid}\n`;
          if (r.errors.length > 0) s += renderTable(r.errors.slice(0, 20), [{ header: 'ROW', get: (e) => e.row, right: true }, { header: 'REASON', get: (e) => e.reason, max: 100 }]);
          if (r.errors.length > 20) s += `(${r.errors.length - 20} more with --json)\n`;
          return s;
        });
      }),
    );

  scopeOptions(d.command('list').description('list one DNC list, by phone'))
    .option('--prefix <digits>', 'only numbers starting with this')
    .option('--after <phone>', 'continue after this phone (the last of the previous page)')
    .addOption(new Option('--limit <n>', 'entries (1-1000)').argParser(intOption('--limit', 1, 1000)))
    .action(
      act(io, async (ctx, o: ScopeOptions & { prefix?: string; after?: string; limit?: number }) => {
        const api = await ctx.api();
        const r = await api.get<{ items: DncEntry[]; nextAfter: string | null }>('/api/v1/dnc', { query: { ...(await scopeOf(api, o)), phonePrefix: o.prefix, after: o.after, limit: o.limit } });
        ctx.table(
          r,
          r.items,
          [
            { header: 'PHONE', get: (e) => `${e.phone}${e.isPrefix ? '*' : ''}` },
            { header: 'SCOPE', get: (e) => e.scope },
            { header: 'SOURCE', get: (e) => e.source },
            { header: 'REASON', get: (e) => e.reason },
            { header: 'EXPIRES', get: (e) => when(e.expiresAt) },
            { header: 'ADDED', get: (e) => when(e.createdAt) },
          ],
          r.nextAfter ? `(more: add --after ${r.nextAfter})` : undefined,
        );
      }),
    );
}
