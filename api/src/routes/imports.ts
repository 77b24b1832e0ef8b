import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DialerError, exportLeadsCsv, fromJson, getImport, importLeads, listImportErrors, validateMapping, type LeadImportMapping, type TenantScope } from '@dialer/core';
import type { Access } from '../http/access.js';
import { audit } from '../http/audit.js';
import { paginate, Page, PageQuery } from '../http/pagination.js';
import { rule, scopeOf, STAFF } from '../http/route-kit.js';
import { ErrorBody, IdParams, MsOrNull, replies, StrOrNull } from '../http/schemas.js';
import { uploadStream } from '../http/upload.js';
import type { ApiServices } from '../services.js';
import { visibleList } from './lists.js';

const RowError = Type.Object({ row: Type.Integer({ description: 'Data row number: 1 is the first row after the header.' }), kind: Type.String(), reason: Type.String() });
const Import = Type.Object({
  id: Type.String(),
  listId: Type.String(),
  status: Type.String({ description: 'running, completed, cancelled or failed.' }),
  fileName: StrOrNull,
  totalRows: Type.Integer(),
  processedRows: Type.Integer(),
  imported: Type.Integer(),
  duplicates: Type.Integer(),
  invalid: Type.Integer(),
  dnc: Type.Integer(),
  error: StrOrNull,
  createdAt: Type.Integer(),
  startedAt: MsOrNull,
  finishedAt: MsOrNull,
});
const Report = Type.Object({ ...Import.properties, errors: Type.Array(RowError), errorsTruncated: Type.Boolean() });

type ImportRow = Awaited<ReturnType<typeof getImport>>;
function toImport(r: ImportRow | Omit<ImportRow, 'mapping'>) {
  return {
    id: r.id, listId: r.list_id, status: r.status, fileName: r.file_name, totalRows: r.total_rows, processedRows: r.processed_rows, imported: r.imported, duplicates: r.duplicates,
    invalid: r.invalid, dnc: r.dnc, error: r.error, createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
  };
}

async function visibleImport(s: ApiServices, db: TenantScope, access: Access, id: string) {
  const imp = await getImport(s.ctx.store, access.p.tenantId, id);
  await visibleList(db, access, imp.list_id);
  return imp;
}

const tags = ['leads'];

/** Lead imports (streamed CSV, with progress and a report of every row not taken) and exports. */
export function importRoutes(s: ApiServices): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/lists/:id/imports',
      {
        config: rule(STAFF, 'leads:write'),
        schema: {
          tags,
          summary: 'Import a CSV file of leads into a list (streamed; any size up to API_UPLOAD_LIMIT_BYTES)',
          description:
            'Send the file as the body with `Content-Type: text/csv`. `mapping` maps CSV headers to lead fields, e.g. `{"columns":{"Phone":"phone","First":"first_name","Plan":"custom.plan"},"defaultCountry":"US"}`. Bad rows never abort the file: each is reported with its row number and reason. Progress is readable at GET /imports/{id} while it runs; the response is the final report. To resume an interrupted import, send the same file again with `importId`.',
          consumes: ['text/csv'],
          params: IdParams,
          querystring: Type.Object({
            mapping: Type.String({ minLength: 2, maxLength: 20_000, description: 'The mapping, as JSON.' }),
            fileName: Type.Optional(Type.String({ maxLength: 300 })),
            importId: Type.Optional(Type.String({ description: 'Resume this import.' })),
          }),
          response: replies(Report, 201),
        },
      },
      async (req, reply) => {
        const { p, db, access, now } = scopeOf(req, s);
        const list = await visibleList(db, access, req.params.id);
        let mapping: LeadImportMapping;
        try {
          mapping = JSON.parse(req.query.mapping) as LeadImportMapping;
        } catch {
          throw new DialerError('DIALER_ERR_VALIDATION', 'mapping is not JSON', { details: [{ in: 'querystring', path: '/mapping', message: 'is not JSON' }] });
        }
        validateMapping(mapping);
        const source = uploadStream(req, s.config.uploadLimitBytes);
        const report = await importLeads(s.ctx.store, {
          tenantId: p.tenantId,
          listId: list.id,
          source,
          mapping,
          ...(req.query.fileName ? { fileName: req.query.fileName } : {}),
          ...(req.query.importId ? { importId: req.query.importId } : {}),
          ...(p.userId ? { createdBy: p.userId } : {}),
          now: () => s.ctx.clock.now(),
        });
        const row = await getImport(s.ctx.store, p.tenantId, report.importId);
        await audit(db, req, p, { action: 'list.imported', entity: 'list', entityId: list.id, after: { importId: report.importId, imported: report.imported, invalid: report.invalid, dnc: report.dnc, duplicates: report.duplicates }, now });
        return reply.code(201).send({ ...toImport(row), errors: report.errors, errorsTruncated: report.errorsTruncated });
      },
    );

    app.get(
      '/imports',
      { config: rule(STAFF, 'leads:read'), schema: { tags, summary: 'List imports (e.g. the running one of a list)', querystring: Type.Object({ ...PageQuery, listId: Type.Optional(Type.String()) }), response: replies(Page(Import)) } },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        let q = db.selectFrom('lead_imports').selectAll();
        if (req.query.listId) q = q.where('list_id', '=', req.query.listId);
        if (!access.unrestricted) {
          const camps = await access.campaignIds();
          const lists = camps.length ? (await db.selectFrom('lists').select('id').where('campaign_id', 'in', camps).execute()).map((l) => l.id) : [];
          q = lists.length ? q.where('list_id', 'in', lists) : q.where('id', '=', '');
        }
        return paginate(q, 'id', req.query, (r) => toImport({ ...r, mapping: fromJson(r.mapping, null) }));
      },
    );

    app.get('/imports/:id', { config: rule(STAFF, 'leads:read'), schema: { tags, summary: 'An import\'s progress and counters', params: IdParams, response: replies(Import) } }, async (req) => {
      const { db, access } = scopeOf(req, s);
      return toImport(await visibleImport(s, db, access, req.params.id));
    });

    app.get(
      '/imports/:id/errors',
      {
        config: rule(STAFF, 'leads:read'),
        schema: {
          tags,
          summary: 'The rows an import did not take, in row order',
          params: IdParams,
          querystring: Type.Object({
            afterRow: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
            kind: Type.Optional(Type.Union([Type.Literal('invalid'), Type.Literal('duplicate'), Type.Literal('dnc')])),
          }),
          response: replies(Type.Object({ items: Type.Array(RowError), nextAfterRow: Type.Union([Type.Integer(), Type.Null()]) })),
        },
      },
      async (req) => {
        const { db, access } = scopeOf(req, s);
        const imp = await visibleImport(s, db, access, req.params.id);
        const limit = req.query.limit ?? 1000;
        const items = await listImportErrors(s.ctx.store, access.p.tenantId, imp.id, {
          limit,
          ...(req.query.afterRow !== undefined ? { afterRow: req.query.afterRow } : {}),
          ...(req.query.kind ? { kind: req.query.kind } : {}),
        });
        return { items, nextAfterRow: items.length === limit ? items[items.length - 1]!.row : null };
      },
    );

    app.get(
      '/lists/:id/export',
      {
        config: rule(STAFF, 'leads:read'),
        schema: {
          tags,
          summary: 'Export a list\'s leads as CSV (streamed)',
          params: IdParams,
          querystring: Type.Object({ status: Type.Optional(Type.String()), customKeys: Type.Optional(Type.String({ maxLength: 2000, description: 'Comma-separated custom fields to add as columns.' })) }),
          produces: ['text/csv'],
          response: { 200: Type.Unsafe({ type: 'string', description: 'CSV' }), '4xx': ErrorBody },
        },
      },
      async (req, reply) => {
        const { p, db, access, now } = scopeOf(req, s);
        const list = await visibleList(db, access, req.params.id);
        const custom = (req.query.customKeys ?? '').split(',').map((k) => k.trim()).filter(Boolean).slice(0, 100);
        await audit(db, req, p, { action: 'list.exported', entity: 'list', entityId: list.id, now });
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="list-${list.id}.csv"`)
          .send(Readable.from(exportLeadsCsv(s.ctx.store, p.tenantId, { listId: list.id, ...(req.query.status ? { status: req.query.status } : {}) }, custom)));
      },
    );
  };
}
