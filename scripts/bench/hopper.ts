// bench:hopper — latency of claiming the next 50 leads, with 1,000,000 leads over 10 campaigns,
// on SQLite and PostgreSQL. Target: p99 < 5 ms on both.
// Usage: npm run bench:hopper -- [--json] [--leads=1000000] [--claims=2000] [--only=sqlite|postgres]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { claimLeads, newId, openStore, type Store } from '@dialer/core';
import { createTestPostgres } from '@dialer/core/testing';

const args = process.argv.slice(2);
const json = args.includes('--json');
const total = Number(args.find((a) => a.startsWith('--leads='))?.slice(8) ?? 1_000_000);
const claims = Number(args.find((a) => a.startsWith('--claims='))?.slice(9) ?? 2000);
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const CAMPAIGNS = 10;
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];

async function seed(store: Store): Promise<{ tenantId: string; campaigns: string[] }> {
  const now = Date.now();
  const tenantId = newId();
  await store.db.insertInto('tenants').values({ id: tenantId, name: 'bench', slug: `bench-${tenantId}`, created_at: now, updated_at: now }).execute();
  const campaigns: string[] = [];
  for (let c = 0; c < CAMPAIGNS; c++) {
    const campaignId = newId();
    campaigns.push(campaignId);
    await store.tenant(tenantId).insertInto('campaigns', { id: campaignId, name: `c${c}`, created_at: now, updated_at: now }).execute();
    const listId = newId();
    await store.tenant(tenantId).insertInto('lists', { id: listId, campaign_id: campaignId, name: `l${c}`, created_at: now, updated_at: now }).execute();
    const per = Math.floor(total / CAMPAIGNS);
    const batch = 1000;
    for (let i = 0; i < per; i += batch) {
      const rows = [];
      for (let j = i; j < Math.min(per, i + batch); j++) {
        rows.push({
          list_id: listId,
          campaign_id: campaignId,
          phone: `+1${200 + c}${String(2_000_000 + j).padStart(7, '0')}`,
          priority: j % 10,
          timezone: ZONES[j % ZONES.length]!,
          // A fifth of the leads were called and wait for their retry time.
          status: (j % 5 === 0 ? 'callable' : 'new') as 'new' | 'callable',
          next_call_after: j % 5 === 0 ? now + 3_600_000 : 0,
          created_at: now,
          updated_at: now,
        });
      }
      await store.tenant(tenantId).insertInto('leads', rows).execute();
    }
    log(`  campaign ${c + 1}/${CAMPAIGNS} seeded`);
  }
  if (store.dialect === 'postgres') await sql`analyze leads`.execute(store.db);
  else await sql`analyze`.execute(store.db);
  return { tenantId, campaigns };
}

async function measure(store: Store): Promise<{ p50Ms: number; p99Ms: number; claims: number }> {
  const { tenantId, campaigns } = await seed(store);
  const now = Date.now();
  const zones = ZONES.slice(0, 3); // Los Angeles is outside its window
  // Warm up.
  for (let i = 0; i < 20; i++) await claimLeads(store, { tenantId, campaignId: campaigns[i % CAMPAIGNS]!, nodeId: 'bench', limit: 50, nowMs: now, zones });
  const lat: number[] = [];
  for (let i = 0; i < claims; i++) {
    const t0 = performance.now();
    const got = await claimLeads(store, { tenantId, campaignId: campaigns[i % CAMPAIGNS]!, nodeId: 'bench', limit: 50, nowMs: now, zones });
    lat.push(performance.now() - t0);
    if (got.length !== 50) throw new Error(`claimed ${got.length}, expected 50`);
  }
  lat.sort((a, b) => a - b);
  const q = (p: number): number => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! * 1000) / 1000;
  log(`  p90 ${q(0.9)} ms, p95 ${q(0.95)} ms, p99.9 ${q(0.999)} ms, max ${q(1)} ms`);
  return { p50Ms: q(0.5), p99Ms: q(0.99), claims };
}

const dir = mkdtempSync(join(tmpdir(), 'dialer-bench-hopper-'));
const result: Record<string, unknown> = {};
try {
  if (only !== 'postgres') {
    log(`sqlite: seeding ${total} leads`);
    const store = await openStore({ dataDir: dir, sqliteFile: 'bench.sqlite' });
    try {
      const r = await measure(store);
      result['sqlite'] = { p50Ms: r.p50Ms, p99Ms: r.p99Ms };
      log(`  sqlite: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms over ${r.claims} claims of 50`);
    } finally {
      await store.close();
    }
  }
  if (only !== 'sqlite') {
    log(`postgres: seeding ${total} leads`);
    const pgdb = await createTestPostgres('dialer_bench');
    const store = await openStore({ databaseUrl: pgdb.url, dataDir: dir, poolSize: 4 });
    try {
      const r = await measure(store);
      result['postgres'] = { p50Ms: r.p50Ms, p99Ms: r.p99Ms };
      log(`  postgres: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms over ${r.claims} claims of 50`);
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
