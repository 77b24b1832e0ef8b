import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { CliError, EXIT } from '../exit.js';
import type { Io } from '../io.js';
import { act, intOption } from '../program.js';
import { renderRecord, when } from '../output/table.js';
import { csvList, fetchPages, moreHint, withPaging, type PageOptions } from './common.js';

/** A webhook endpoint. */
export interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A webhook delivery (one event to one endpoint, with its retries). */
export interface Delivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  giveUpAt: number | null;
  payload?: unknown;
  attemptLog?: unknown[];
}

/** Statuses after which a delivery changes no more on its own (`retrying` waits for its next attempt). */
const SETTLED = new Set(['delivered', 'dead', 'retrying']);

function deliveryLine(d: Delivery): string {
  return `delivery ${d.id} (${d.eventType}): ${d.status} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.lastStatusCode ? `, last HTTP ${d.lastStatusCode}` : ''}${d.lastError ? `, ${d.lastError}` : ''}`;
}

/** `dialerctl webhook list|add|test|deliveries|replay` and friends. */
export function webhookCommands(program: Command, io: Io): void {
  const w = program.command('webhook').description('signed webhooks: endpoints, test deliveries, the delivery log, replays');

  withPaging(w.command('list').description('list webhook endpoints')).action(
    act(io, async (ctx, o: PageOptions) => {
      const page = await fetchPages<Endpoint>(await ctx.api(), '/api/v1/webhooks/endpoints', {}, o);
      ctx.table(
        page,
        page.items,
        [
          { header: 'ID', get: (r) => r.id, max: 36 },
          { header: 'URL', get: (r) => r.url, max: 60 },
          { header: 'EVENTS', get: (r) => r.eventTypes.join(','), max: 50 },
          { header: 'ENABLED', get: (r) => r.enabled },
          { header: 'DESCRIPTION', get: (r) => r.description },
        ],
        moreHint(page),
      );
    }),
  );

  w.command('events')
    .description('the event types an endpoint can subscribe to')
    .action(
      act(io, async (ctx) => {
        const r = await (await ctx.api()).get<{ eventTypes: string[] }>('/api/v1/webhooks/event-types');
        ctx.print(r, () => `${r.eventTypes.join('\n')}\n`);
      }),
    );

  w.command('add <url>')
    .description('add an endpoint; its signing secret is printed once')
    .requiredOption('--events <types>', 'comma-separated event types, or * (see `dialerctl webhook events`)', csvList)
    .option('--description <text>')
    .option('--disabled', 'create it disabled')
    .action(
      act(io, async (ctx, url: string, o: { events: string[]; description?: string; disabled?: boolean }) => {
        const r = await (await ctx.api()).post<{ endpoint: Endpoint; secret: string }>('/api/v1/webhooks/endpoints', {
          url,
          eventTypes: o.events,
          ...(o.description ? { description: o.description } : {}),
          ...(o.disabled ? { enabled: false } : {}),
        });
        ctx.print(r, () => `added endpoint ${r.endpoint.id} → ${r.endpoint.url}\nsigning secret (shown once): ${r.secret}\n`);
      }),
    );

  w.command('remove <endpoint>')
    .description('delete an endpoint and its deliveries')
    .action(
      act(io, async (ctx, id: string) => {
        await (await ctx.api()).delete(`/api/v1/webhooks/endpoints/${encodeURIComponent(id)}`);
        ctx.print({ id, deleted: true }, () => `removed endpoint ${id}\n`);
      }),
    );

  w.command('enable <endpoint>')
    .description('enable an endpoint, or pause it with --off (paused deliveries wait, in order)')
    .option('--off', 'disable instead')
    .action(
      act(io, async (ctx, id: string, o: { off?: boolean }) => {
        const e = await (await ctx.api()).patch<Endpoint>(`/api/v1/webhooks/endpoints/${encodeURIComponent(id)}`, { enabled: !o.off });
        ctx.print(e, () => `endpoint ${e.id} ${e.enabled ? 'enabled' : 'disabled'}\n`);
      }),
    );

  w.command('rotate-secret <endpoint>')
    .description('replace the signing secret (printed once)')
    .action(
      act(io, async (ctx, id: string) => {
        const r = await (await ctx.api()).post<{ secret: string }>(`/api/v1/webhooks/endpoints/${encodeURIComponent(id)}/rotate-secret`);
        ctx.print(r, () => `new signing secret (shown once): ${r.secret}\n`);
      }),
    );

  w.command('test <endpoint>')
    .description('queue a webhook.test delivery; with --wait, follow it until delivered or given up')
    .option('--wait', 'wait for the outcome (exit 9 when it is not delivered)')
    .addOption(new Option('--wait-ms <ms>', 'how long to wait').argParser(intOption('--wait-ms', 100, 600_000)).default(30_000))
    .action(
      act(io, async (ctx, id: string, o: { wait?: boolean; waitMs: number }) => {
        const api = await ctx.api();
        let d = await api.post<Delivery>(`/api/v1/webhooks/endpoints/${encodeURIComponent(id)}/test`);
        if (o.wait) {
          const deadline = ctx.io.now() + o.waitMs;
          // The first attempt is immediate: delivered, or retrying (then dead) when the endpoint fails.
          while (!SETTLED.has(d.status) && ctx.io.now() < deadline && !ctx.io.signal.aborted) {
            await sleep(200);
            d = await api.get<Delivery>(`/api/v1/webhooks/deliveries/${d.id}`);
          }
        }
        ctx.print(d, () => `${deliveryLine(d)}\n`);
        if (o.wait && d.status !== 'delivered') throw new CliError('', EXIT.checkFailed);
      }),
    );

  withPaging(w.command('deliveries').description('the delivery log; --status dead lists the dead-letter queue'))
    .option('--endpoint <id>', 'only this endpoint')
    .option('--status <status>', 'pending, retrying, delivered, dead, ...')
    .option('--event <type>', 'only this event type')
    .action(
      act(io, async (ctx, o: PageOptions & { endpoint?: string; status?: string; event?: string }) => {
        const page = await fetchPages<Delivery>(await ctx.api(), '/api/v1/webhooks/deliveries', { endpointId: o.endpoint, status: o.status, eventType: o.event }, o);
        ctx.table(
          page,
          page.items,
          [
            { header: 'ID', get: (r) => r.id, max: 36 },
            { header: 'EVENT', get: (r) => r.eventType },
            { header: 'STATUS', get: (r) => r.status },
            { header: 'TRIES', get: (r) => r.attempts, right: true },
            { header: 'LAST', get: (r) => r.lastStatusCode ?? r.lastError, max: 40 },
            { header: 'CREATED', get: (r) => when(r.createdAt) },
            { header: 'NEXT TRY', get: (r) => when(r.nextAttemptAt) },
          ],
          moreHint(page),
        );
      }),
    );

  w.command('delivery <id>')
    .description('one delivery with its payload and every attempt')
    .action(
      act(io, async (ctx, id: string) => {
        const d = await (await ctx.api()).get<Delivery>(`/api/v1/webhooks/deliveries/${encodeURIComponent(id)}`);
        ctx.print(d, () => {
          const { payload, attemptLog, ...rest } = d;
          const times = { createdAt: when(d.createdAt), deliveredAt: when(d.deliveredAt), nextAttemptAt: when(d.nextAttemptAt), giveUpAt: when(d.giveUpAt) };
          return `${renderRecord({ ...rest, ...times })}\npayload:\n${JSON.stringify(payload, null, 2)}\n\nattempts:\n${(attemptLog ?? []).map((a) => `  ${JSON.stringify(a)}`).join('\n') || '  (none)'}\n`;
        });
      }),
    );

  w.command('replay <delivery>')
    .description('send a delivery again (same webhook-id, fresh retry window)')
    .action(
      act(io, async (ctx, id: string) => {
        const d = await (await ctx.api()).post<Delivery>(`/api/v1/webhooks/deliveries/${encodeURIComponent(id)}/replay`);
        ctx.print(d, () => `replaying: ${deliveryLine(d)}\n`);
      }),
    );
}
