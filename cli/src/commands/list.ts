import { Option, type Command } from 'commander';
import type { ApiClient } from '../client.js';
import type { Io } from '../io.js';
import { act } from '../program.js';
import { when } from '../output/table.js';
import { fetchPages, moreHint, resolveByName, withPaging, type PageOptions } from './common.js';
import { campaignId } from './campaign.js';
import { exportList, importList } from './list-transfer.js';

/** A lead list. */
export interface LeadList {
  id: string;
  name: string;
  campaignId: string | null;
  status: string;
  mixWeight: number | null;
  leads: number;
  createdAt: number;
  updatedAt: number;
}

/** Resolves a list id or name. */
export function listId(api: ApiClient, ref: string): Promise<string> {
  return resolveByName(api, '/api/v1/lists', ref, 'list');
}

/** `dialerctl list ...`: lead lists, CSV import with a progress bar and its report, and export. */
export function listCommands(program: Command, io: Io): void {
  const l = program.command('list').description('lead lists: list, create, import a CSV, export');

  withPaging(l.command('list').description('list lead lists'))
    .option('--campaign <campaign>', 'only the lists of this campaign (id or name)')
    .action(
      act(io, async (ctx, o: PageOptions & { campaign?: string }) => {
        const api = await ctx.api();
        const page = await fetchPages<LeadList>(api, '/api/v1/lists', { campaignId: o.campaign ? await campaignId(api, o.campaign) : undefined }, o);
        ctx.table(
          page,
          page.items,
          [
            { header: 'ID', get: (r) => r.id, max: 36 },
            { header: 'NAME', get: (r) => r.name },
            { header: 'CAMPAIGN', get: (r) => r.campaignId, max: 36 },
            { header: 'STATUS', get: (r) => r.status },
            { header: 'LEADS', get: (r) => r.leads, right: true },
            { header: 'CREATED', get: (r) => when(r.createdAt) },
          ],
          moreHint(page),
        );
      }),
    );

  l.command('show <list>')
    .description('show a lead list (by id or name)')
    .action(
      act(io, async (ctx, ref: string) => {
        const api = await ctx.api();
        const list = await api.get<LeadList>(`/api/v1/lists/${await listId(api, ref)}`);
        ctx.record({ ...list, createdAt: when(list.createdAt), updatedAt: when(list.updatedAt) });
      }),
    );

  l.command('create')
    .description('create a lead list')
    .requiredOption('--name <name>', 'list name')
    .option('--campaign <campaign>', 'campaign the list feeds (id or name)')
    .addOption(new Option('--status <status>', 'active or inactive').choices(['active', 'inactive']))
    .action(
      act(io, async (ctx, o: { name: string; campaign?: string; status?: string }) => {
        const api = await ctx.api();
        const list = await api.post<LeadList>('/api/v1/lists', {
          name: o.name,
          ...(o.campaign ? { campaignId: await campaignId(api, o.campaign) } : {}),
          ...(o.status ? { status: o.status } : {}),
        });
        ctx.print(list, () => `created list ${list.name} (${list.id})\n`);
      }),
    );

  l.command('delete <list>')
    .description('delete a lead list and its leads')
    .action(
      act(io, async (ctx, ref: string) => {
        const api = await ctx.api();
        const id = await listId(api, ref);
        await api.delete(`/api/v1/lists/${id}`);
        ctx.print({ id, deleted: true }, () => `deleted list ${id}\n`);
      }),
    );

  importList(l, io);
  exportList(l, io);
}
