// bench:import — streaming CSV lead import: rows/s and peak RSS, on SQLite and PostgreSQL.
// Usage: npm run bench:import -- [--json] [--rows=1000000] [--only=sqlite|postgres]
// Target: >= 50,000 rows/s on SQLite, peak RSS < 300 MB.
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { addDnc, importLeads, newId, openStore, type Store } from '@dialer/core';
import { createTestPostgres } from '@dialer/core/testing';

const args = process.argv.slice(2);
const json = args.includes('--json');
const rows = Number(args.find((a) => a.startsWith('--rows='))?.slice(7) ?? 1_000_000);
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const log = (s: string): void => void process.stderr.write(`${s}\n`);

const AREAS = [201, 202, 203, 205, 206, 212, 213, 214, 215, 303, 305, 312, 404, 415, 503, 512, 602, 615, 617, 702, 704, 713, 718, 801, 919];
const STATES = ['NJ', 'DC', 'CT', 'AL', 'WA', 'NY', 'CA', 'TX', 'PA', 'CO', 'FL', 'IL', 'GA', 'CA', 'OR', 'TX', 'AZ', 'TN', 'MA', 'NV', 'NC', 'TX', 'NY', 'UT', 'NC'];

/** A deterministic CSV: 1 % invalid numbers, 1 % repeats, 10 % with an alternate number. */
async function writeCsv(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('Phone,First Name,Last Name,Email,Address,City,State,Zip,Alt Phone,Source,Score\n');
  let buf = '';
  for (let i = 0; i < n; i++) {
    const a = i % AREAS.length;
    const k = Math.floor(i / AREAS.length);
    const exch = 200 + (k % 800);
    const line = String(Math.floor(k / 800) % 10000).padStart(4, '0');
    let phone = `(${AREAS[a]}) ${exch}-${line}`;
    if (i % 100 === 7) phone = `555-01${i % 10}`;
    if (i % 100 === 13 && i > 0) {
      const j = i - 1;
      phone = `(${AREAS[j % AREAS.length]}) ${200 + (Math.floor(j / AREAS.length) % 800)}-${String(Math.floor(Math.floor(j / AREAS.length) / 800) % 10000).padStart(4, '0')}`;
    }
    const alt = i % 10 === 3 ? `${AREAS[(a + 1) % AREAS.length]}${exch}${line}` : '';
    buf += `${phone},First${i},Last${i},person${i}@example.com,"${i} Main St, Apt ${i % 50}",City${a},${STATES[a]},${String(10000 + (i % 89999))},${alt},web,${i % 100}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function seed(store: Store): Promise<{ tenantId: string; listId: string }> {
  const now = Date.now();
  const tenantId = newId();
  await store.db.insertInto('tenants').values({ id: tenantId, name: 'bench', slug: `bench-${tenantId}`, created_at: now, updated_at: now }).execute();
  const campaignId = newId();
  await store.tenant(tenantId).insertInto('campaigns', { id: campaignId, name: 'bench', created_at: now, updated_at: now }).execute();
  const listId = newId();
  await store.tenant(tenantId).insertInto('lists', { id: listId, campaign_id: campaignId, name: 'bench', created_at: now, updated_at: now }).execute();
  for (let i = 0; i < 200; i++) await addDnc(store, { scope: 'tenant', tenantId, phone: `+1212${200 + i}0000`, nowMs: now });
  await addDnc(store, { scope: 'campaign', tenantId, campaignId, phone: '+1919*', nowMs: now });
  return { tenantId, listId };
}

async function run(store: Store, csv: string): Promise<{ rows: number; rowsPerS: number; peakRssMb: number; imported: number }> {
  const { tenantId, listId } = await seed(store);
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const report = await importLeads(store, {
    tenantId,
    listId,
    source: createReadStream(csv, { highWaterMark: 1 << 16 }),
    mapping: {
      columns: {
        Phone: 'phone',
        'First Name': 'first_name',
        'Last Name': 'last_name',
        Email: 'email',
        Address: 'address',
        City: 'city',
        State: 'state',
        Zip: 'postal_code',
        'Alt Phone': 'alt_phone',
        Source: 'custom.source',
        Score: 'custom.score',
      },
    },
  });
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  log(`  ${report.totalRows} rows in ${s.toFixed(1)} s (${cpuS.toFixed(1)} s of this process's CPU: ${Math.round(report.totalRows / cpuS)} rows per CPU-second): imported ${report.imported}, duplicates ${report.duplicates}, invalid ${report.invalid}, dnc ${report.dnc}`);
  return { rows: report.totalRows, rowsPerS: Math.round(report.totalRows / s), peakRssMb: Math.round(peak / 1048576), imported: report.imported };
}

const dir = mkdtempSync(join(tmpdir(), 'dialer-bench-import-'));
const result: Record<string, unknown> = {};
try {
  const csv = join(dir, 'leads.csv');
  log(`writing ${rows} rows`);
  await writeCsv(csv, rows);
  if (only !== 'postgres') {
    log('sqlite');
    const store = await openStore({ dataDir: dir, sqliteFile: 'bench.sqlite' });
    try {
      const r = await run(store, csv);
      result['sqlite'] = { rows: r.rows, rowsPerS: r.rowsPerS, peakRssMb: r.peakRssMb };
    } finally {
      await store.close();
    }
  }
  if (only !== 'sqlite') {
    log('postgres');
    const pgdb = await createTestPostgres('dialer_bench');
    const store = await openStore({ databaseUrl: pgdb.url, dataDir: dir, poolSize: 4 });
    try {
      const r = await run(store, csv);
      result['postgres'] = { rows: r.rows, rowsPerS: r.rowsPerS, peakRssMb: r.peakRssMb };
    } finally {
      await store.close();
      await pgdb.drop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
else log(JSON.stringify(result, null, 2));
