import type { Command } from 'commander';
import type { Io } from '../io.js';
import { usage } from '../exit.js';
import { act } from '../program.js';
import { when } from '../output/table.js';
import { bodyFrom, collect, fetchPages, moreHint, withPaging, type PageOptions } from './common.js';
import { campaignId } from './campaign.js';
import { listId } from './list.js';

/** A lead as the API returns it. */
export interface Lead {
  id: number;
  listId: string;
  campaignId: string | null;
  phone: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  status: string;
  disposition: string | null;
  attempts: number;
  lastCallAt: number | null;
  nextCallAfter: number | null;
  [k: string]: unknown;
}

function leadIdOf(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw usage(`lead id must be a positive integer (got ${JSON.stringify(raw)})`);
  return n;
}

/** `dialerctl lead show|search|update`. */
export function leadCommands(program: Command, io: Io): void {
  const l = program.command('lead').description('show, search and edit leads');

  l.command('show <id>')
    .description('show a lead')
    .action(
      act(io, async (ctx, raw: string) => {
        const lead = await (await ctx.api()).get<Lead>(`/api/v1/leads/${leadIdOf(raw)}`);
        ctx.record({ ...lead, lastCallAt: when(lead.lastCallAt), nextCallAfter: when(lead.nextCallAfter), createdAt: when(lead['createdAt']), updatedAt: when(lead['updatedAt']) });
      }),
    );

  withPaging(l.command('search').description('search leads by phone (exact, or a prefix ending in *), name or e-mail, status, list or campaign'))
    .option('--phone <phone>', 'exact number, or a prefix ending in *')
    .option('--q <text>', 'part of the name or e-mail')
    .option('--status <status>', 'lead status')
    .option('--list <list>', 'list id or name')
    .option('--campaign <campaign>', 'campaign id or name')
    .action(
      act(io, async (ctx, o: PageOptions & { phone?: string; q?: string; status?: string; list?: string; campaign?: string }) => {
        const api = await ctx.api();
        const query = {
          phone: o.phone,
          q: o.q,
          status: o.status,
          listId: o.list ? await listId(api, o.list) : undefined,
          campaignId: o.campaign ? await campaignId(api, o.campaign) : undefined,
        };
        const page = await fetchPages<Lead>(api, '/api/v1/leads', query, o);
        ctx.table(
          page,
          page.items,
          [
            { header: 'ID', get: (r) => r.id, right: true },
            { header: 'PHONE', get: (r) => r.phone },
            { header: 'NAME', get: (r) => [r.firstName, r.lastName].filter(Boolean).join(' ') },
            { header: 'STATUS', get: (r) => r.status },
            { header: 'DISPOSITION', get: (r) => r.disposition },
            { header: 'ATTEMPTS', get: (r) => r.attempts, right: true },
            { header: 'LAST CALL', get: (r) => when(r.lastCallAt) },
          ],
          moreHint(page),
        );
      }),
    );

  l.command('update <id>')
    .description('edit a lead (contact fields, status, priority, custom fields)')
    .option('--first-name <name>')
    .option('--last-name <name>')
    .option('--email <email>')
    .option('--status <status>')
    .option('--priority <n>', 'dialling priority', (v) => Number(v))
    .option('--set <key=value>', 'any field, e.g. custom.plan=gold or timezone=Europe/Paris (repeatable)', collect)
    .option('--file <file.json>', 'fields from a JSON file')
    .action(
      act(io, async (ctx, raw: string, o: { firstName?: string; lastName?: string; email?: string; status?: string; priority?: number; set?: string[]; file?: string }) => {
        const body = bodyFrom(o, { firstName: o.firstName, lastName: o.lastName, email: o.email, status: o.status, priority: o.priority });
        if (Object.keys(body).length === 0) throw usage('nothing to change: give --set key=value or a field option');
        const lead = await (await ctx.api()).patch<Lead>(`/api/v1/leads/${leadIdOf(raw)}`, body);
        ctx.print(lead, () => `updated lead ${lead.id}: ${Object.keys(body).join(', ')}\n`);
      }),
    );
}
