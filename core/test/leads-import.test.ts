import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { addDnc, getImport, importLeads, isDialerError, listImportErrors, type SqlDialect, type Store } from '@dialer/core';
import { openTestStore } from '@dialer/core/testing';
import { T0, csv, seedCampaign } from './fixtures/dialer.js';

const MAPPING = {
  columns: {
    Phone: 'phone',
    First: 'first_name',
    State: 'state',
    Alt: 'alt_phone',
    Zone: 'timezone',
    Score: 'custom.score',
    Priority: 'priority',
  },
} as const;

for (const dialect of ['sqlite', 'postgres'] as SqlDialect[]) {
  describe(`lead import on ${dialect}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ store, cleanup } = await openTestStore(dialect));
    });
    after(async () => {
      await cleanup();
    });

    test('imports good rows, reports bad, duplicate and DNC rows with row numbers, never aborts', async () => {
      const ids = await seedCampaign(store);
      await addDnc(store, { scope: 'tenant', tenantId: ids.tenantId, phone: '(212) 736-5003', nowMs: T0 });
      await addDnc(store, { scope: 'campaign', tenantId: ids.tenantId, campaignId: ids.campaignId, phone: '+1305*', nowMs: T0 });
      await addDnc(store, { scope: 'global', phone: '+14155550199', nowMs: T0 });
      const file = [
        'Phone,First,State,Alt,Zone,Score,Priority',
        '(212) 736-5000,Ann,NY,,,10,5', // 1 ok
        'not a phone,Bob,NY,,,,', // 2 invalid
        '212-736-5000,Ann again,NY,,,,', // 3 duplicate in file
        '2127365003,Carl,NY,,,,', // 4 DNC (tenant)
        '305 555 0123,Dee,FL,,,,', // 5 DNC (campaign wildcard)
        '+1 415 555 0199,Eve,CA,,,,', // 6 DNC (global)
        '4155550123,Fay,CA,(415) 555-0124,,7,', // 7 ok, alternate number, LA zone
        '6025550123,Gus,AZ,,Mars/Olympus,,', // 8 invalid zone
        '7025550123,Hal,NV,,Europe/Paris,,1.5', // 9 bad priority
        '"unterminated,Ida,NY,,,,', // 10 malformed
      ].join('\n');
      const progress: number[] = [];
      const report = await importLeads(store, { tenantId: ids.tenantId, listId: ids.listId, source: csv(file), mapping: MAPPING, batchSize: 3, onProgress: (p) => progress.push(p.processedRows), now: () => T0 });
      assert.equal(report.status, 'completed');
      assert.equal(report.imported, 2);
      assert.equal(report.duplicates, 1);
      assert.equal(report.dnc, 3);
      assert.ok(report.invalid >= 3, `invalid ${report.invalid}`);
      assert.ok(progress.length >= 3 && progress.at(-1) === report.totalRows);
      const errs = await listImportErrors(store, ids.tenantId, report.importId);
      const byRow = new Map(errs.map((e) => [e.row, e]));
      assert.equal(byRow.get(2)?.kind, 'invalid');
      assert.equal(byRow.get(3)?.kind, 'duplicate');
      assert.equal(byRow.get(4)?.kind, 'dnc');
      assert.match(byRow.get(5)!.reason, /campaign DNC list \(prefix \+1305\)/);
      assert.equal(byRow.get(6)?.kind, 'dnc');
      assert.match(byRow.get(8)!.reason, /time zone/);
      assert.match(byRow.get(9)!.reason, /priority/);
      const leads = await store.tenant(ids.tenantId).selectFrom('leads').selectAll().where('list_id', '=', ids.listId).orderBy('phone').execute();
      assert.deepEqual(
        leads.map((l) => [l.phone, l.first_name, l.timezone, l.campaign_id, l.priority]),
        [
          ['+12127365000', 'Ann', 'America/New_York', ids.campaignId, 5],
          ['+14155550123', 'Fay', 'America/Los_Angeles', ids.campaignId, 0],
        ],
      );
      assert.deepEqual(JSON.parse(leads[1]!.alt_phones), ['+14155550124']);
      assert.deepEqual(JSON.parse(leads[1]!.custom), { score: '7' });
      const stored = await getImport(store, ids.tenantId, report.importId);
      assert.equal(stored.status, 'completed');
      assert.equal(stored.imported, 2);
    });

    test('re-importing the same file into the list adds nothing (duplicates within the list)', async () => {
      const ids = await seedCampaign(store);
      const file = 'Phone,First,State,Alt,Zone,Score,Priority\n2127365000,A,NY,,,,\n2127365001,B,NY,,,,\n';
      await importLeads(store, { tenantId: ids.tenantId, listId: ids.listId, source: csv(file), mapping: MAPPING });
      const again = await importLeads(store, { tenantId: ids.tenantId, listId: ids.listId, source: csv(file), mapping: MAPPING });
      assert.equal(again.imported, 0);
      assert.equal(again.duplicates, 2);
    });

    test('a failure in the middle keeps committed batches and resumes where it stopped', async () => {
      const ids = await seedCampaign(store);
      const lines = ['Phone,First,State,Alt,Zone,Score,Priority'];
      for (let i = 0; i < 50; i++) lines.push(`212736${String(5100 + i)},P${i},NY,,,,`);
      const text = `${lines.join('\n')}\n`;
      // A source that breaks after 25 rows, like a dropped upload.
      async function* broken() {
        yield Buffer.from(lines.slice(0, 26).join('\n') + '\n');
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('connection reset');
      }
      let importId = '';
      await assert.rejects(
        importLeads(store, { tenantId: ids.tenantId, listId: ids.listId, source: broken(), mapping: MAPPING, batchSize: 10 }),
        (e: unknown) => {
          assert.ok(isDialerError(e) && e.code === 'DIALER_ERR_IMPORT');
          importId = (e.details as { importId: string }).importId;
          return true;
        },
      );
      const failed = await getImport(store, ids.tenantId, importId);
      assert.equal(failed.status, 'failed');
      // Whole batches only: what is committed is exactly the rows up to resume_row.
      assert.ok([10, 20].includes(failed.resume_row), `resume_row ${failed.resume_row}`);
      const partial = await store.tenant(ids.tenantId).selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).where('list_id', '=', ids.listId).executeTakeFirstOrThrow();
      assert.equal(Number(partial.n), failed.resume_row);
      const resumed = await importLeads(store, { tenantId: ids.tenantId, listId: ids.listId, source: csv(text), mapping: MAPPING, importId, batchSize: 10 });
      assert.equal(resumed.status, 'completed');
      assert.equal(resumed.imported, 50);
      assert.equal(resumed.duplicates, 0);
      const count = await store.tenant(ids.tenantId).selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).where('list_id', '=', ids.listId).executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 50);
    });

    test('an abort cancels between batches; the report says so', async () => {
      const ids = await seedCampaign(store);
      const ac = new AbortController();
      const lines = ['Phone,First,State,Alt,Zone,Score,Priority'];
      for (let i = 0; i < 30; i++) lines.push(`212736${String(5200 + i)},P${i},NY,,,,`);
      const report = await importLeads(store, {
        tenantId: ids.tenantId,
        listId: ids.listId,
        source: Readable.from([lines.join('\n')]),
        mapping: MAPPING,
        batchSize: 10,
        signal: ac.signal,
        onProgress: () => ac.abort(),
      });
      assert.equal(report.status, 'cancelled');
      assert.equal(report.imported, 10);
      assert.equal((await getImport(store, ids.tenantId, report.importId)).status, 'cancelled');
    });

    test('a bad mapping or a missing column is a clear coded error', async () => {
      const ids = await seedCampaign(store);
      await assert.rejects(
        importLeads(store, { tenantId: ids.tenantId, listId: ids.listId, source: csv('a\n1\n'), mapping: { columns: { a: 'nope' as never } } }),
        (e: unknown) => isDialerError(e) && e.code === 'DIALER_ERR_VALIDATION',
      );
      await assert.rejects(
        importLeads(store, { tenantId: ids.tenantId, listId: ids.listId, source: csv('Tel\n2127365000\n'), mapping: { columns: { Phone: 'phone' } } }),
        (e: unknown) => isDialerError(e) && e.code === 'DIALER_ERR_IMPORT' && /no column Phone/.test(e.message),
      );
      await assert.rejects(
        importLeads(store, { tenantId: ids.tenantId, listId: 'nope', source: csv('Phone\n'), mapping: { columns: { Phone: 'phone' } } }),
        (e: unknown) => isDialerError(e) && e.code === 'DIALER_ERR_NOT_FOUND',
      );
    });
  });
}
