import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { isDialerError, newId, openStore, startCheckpointer, StoreReplayGuard, TENANT_TABLES, type SqlDialect, type Store } from '@dialer/core';
import { openTestStore } from '@dialer/core/testing';

const NOW = Date.UTC(2026, 10, 22, 12);

async function tables(store: Store): Promise<string[]> {
  if (store.dialect === 'postgres') {
    const r = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(store.db);
    return r.rows.map((x) => x.name).sort();
  }
  const r = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(store.db);
  return r.rows.map((x) => x.name).sort();
}

async function indexes(store: Store): Promise<string[]> {
  if (store.dialect === 'postgres') {
    const r = await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = 'public'`.execute(store.db);
    return r.rows.map((x) => x.name);
  }
  const r = await sql<{ name: string }>`select name from sqlite_master where type = 'index'`.execute(store.db);
  return r.rows.map((x) => x.name);
}

async function seedTenant(store: Store, slug: string): Promise<string> {
  const id = newId();
  await store.db.insertInto('tenants').values({ id, name: slug, slug, created_at: NOW, updated_at: NOW }).execute();
  return id;
}

for (const dialect of ['sqlite', 'postgres'] as SqlDialect[]) {
  describe(`store on ${dialect}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ store, cleanup } = await openTestStore(dialect));
    });
    after(async () => {
      await cleanup();
    });

    test('migrations create the whole domain schema and the hot indexes', async () => {
      const t = await tables(store);
      for (const name of [...TENANT_TABLES, 'tenants', 'dnc', 'replay_guard', 'nodes']) assert.ok(t.includes(name), `missing table ${name}`);
      const ix = await indexes(store);
      assert.ok(ix.includes('leads_hopper_idx'));
      assert.ok(ix.includes('dnc_phone_idx'));
    });

    test('migrating again applies nothing', async () => {
      assert.deepEqual(await store.migrate(), []);
    });

    test('every tenant-owned table has a tenant_id column', async () => {
      for (const table of TENANT_TABLES) {
        const q =
          store.dialect === 'postgres'
            ? sql<{ c: string }>`select column_name as c from information_schema.columns where table_name = ${table}`
            : sql<{ c: string }>`select name as c from pragma_table_info(${table})`;
        const cols = (await q.execute(store.db)).rows.map((r) => r.c);
        assert.ok(cols.includes('tenant_id'), `${table} lacks tenant_id`);
      }
    });

    test('tenant scopes see, change and delete only their own rows', async () => {
      const a = await seedTenant(store, `a-${dialect}`);
      const b = await seedTenant(store, `b-${dialect}`);
      const ta = store.tenant(a);
      const tb = store.tenant(b);
      const listA = newId();
      const listB = newId();
      await ta.insertInto('lists', { id: listA, name: 'A list', created_at: NOW, updated_at: NOW }).execute();
      await tb.insertInto('lists', { id: listB, name: 'B list', created_at: NOW, updated_at: NOW }).execute();
      await ta.insertInto('leads', [
        { list_id: listA, phone: '+14155550100', created_at: NOW, updated_at: NOW, custom: '{}' },
        { list_id: listA, phone: '+14155550101', created_at: NOW, updated_at: NOW, custom: JSON.stringify({ plan: 'gold' }) },
      ]).execute();
      await tb.insertInto('leads', { list_id: listB, phone: '+14155550100', created_at: NOW, updated_at: NOW }).execute();

      const leadsA = await ta.selectFrom('leads').select(['id', 'phone', 'tenant_id', 'next_call_after', 'custom']).orderBy('phone').execute();
      assert.equal(leadsA.length, 2);
      assert.ok(leadsA.every((l) => l.tenant_id === a));
      assert.equal(typeof leadsA[0]!.id, 'number');
      assert.equal(leadsA[0]!.next_call_after, 0);
      assert.deepEqual(JSON.parse(leadsA[1]!.custom), { plan: 'gold' });

      // B cannot read A's row by id, nor change or delete it.
      const idA = leadsA[0]!.id;
      assert.equal(await tb.selectFrom('leads').select('id').where('id', '=', idA).executeTakeFirst(), undefined);
      const upd = await tb.updateTable('leads').set({ priority: 99 }).where('id', '=', idA).executeTakeFirst();
      assert.equal(Number(upd.numUpdatedRows), 0);
      const del = await tb.deleteFrom('leads').where('id', '=', idA).executeTakeFirst();
      assert.equal(Number(del.numDeletedRows), 0);
      const still = await ta.selectFrom('leads').select('priority').where('id', '=', idA).executeTakeFirstOrThrow();
      assert.equal(still.priority, 0);

      // An insert that names another tenant is refused.
      assert.throws(
        () => ta.insertInto('lists', { id: newId(), name: 'x', created_at: NOW, updated_at: NOW, tenant_id: b } as never),
        (err: unknown) => isDialerError(err, 'DIALER_ERR_TENANT_SCOPE'),
      );
      assert.throws(() => store.tenant(''), (err: unknown) => isDialerError(err, 'DIALER_ERR_TENANT_SCOPE'));
    });

    test('a duplicate phone in one list is rejected by the unique key', async () => {
      const t = await seedTenant(store, `dup-${dialect}`);
      const scope = store.tenant(t);
      const list = newId();
      await scope.insertInto('lists', { id: list, name: 'L', created_at: NOW, updated_at: NOW }).execute();
      await scope.insertInto('leads', { list_id: list, phone: '+442071838750', created_at: NOW, updated_at: NOW }).execute();
      await assert.rejects(scope.insertInto('leads', { list_id: list, phone: '+442071838750', created_at: NOW, updated_at: NOW }).execute());
    });

    test('epoch-ms timestamps come back as numbers', async () => {
      const t = await seedTenant(store, `ts-${dialect}`);
      const far = Date.UTC(2099, 0, 1);
      const scope = store.tenant(t);
      await scope.insertInto('event_outbox', { id: newId(), destination: 'x', type: 'call.ended', payload: '{}', next_attempt_at: far, created_at: NOW }).execute();
      const row = await scope.selectFrom('event_outbox').select(['next_attempt_at', 'attempts']).executeTakeFirstOrThrow();
      assert.equal(row.next_attempt_at, far);
      assert.equal(row.attempts, 0);
    });

    test('deleting a tenant cascades to its rows', async () => {
      const t = await seedTenant(store, `gone-${dialect}`);
      await store.tenant(t).insertInto('teams', { id: newId(), name: 'T', created_at: NOW, updated_at: NOW }).execute();
      await store.db.deleteFrom('tenants').where('id', '=', t).execute();
      assert.equal((await store.tenant(t).selectFrom('teams').selectAll().execute()).length, 0);
    });

    test('the store replay guard rejects a second use until expiry', async () => {
      let now = NOW;
      const g = new StoreReplayGuard(store.db, () => now);
      assert.equal(await g.remember(`id-${dialect}`, now + 1000), true);
      assert.equal(await g.remember(`id-${dialect}`, now + 1000), false);
      now += 2000;
      assert.equal(await g.remember(`id-${dialect}`, now + 1000), true);
    });
  });
}

test('sqlite: the embedded default is a WAL file under the data directory', async () => {
  const { mkdtempSync, existsSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'dialer-store-'));
  try {
    const store = await openStore({ dataDir: join(dir, 'data') });
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    assert.equal(mode.rows[0]!.journal_mode, 'wal');
    assert.ok(existsSync(join(dir, 'data', 'dialer.sqlite')));
    await store.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite: WAL checkpoints run on a worker thread, never inside a commit; the log is folded back at close', async () => {
  const { mkdtempSync, existsSync, statSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'dialer-store-'));
  const file = join(dir, 'dialer.sqlite');
  try {
    const store = await openStore({ dataDir: dir });
    const auto = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
    assert.equal(auto.rows[0]!.wal_autocheckpoint, 0, 'commits must not checkpoint');
    await sql`create table ckpt_probe (x integer, pad text)`.execute(store.db);
    const before = statSync(file).size;
    for (let i = 0; i < 40; i++) {
      await store.db.transaction().execute(async (trx) => {
        for (let j = 0; j < 50; j++) await sql`insert into ckpt_probe values (${i * 50 + j}, ${'x'.repeat(200)})`.execute(trx);
      });
    }
    // The worker copies the log into the database file by itself.
    const deadline = Date.now() + 5000;
    while (statSync(file).size === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(statSync(file).size > before, 'the database file grew: the worker checkpointed');
    await store.close();
    await store.close();
    assert.ok(!existsSync(`${file}-wal`) || statSync(`${file}-wal`).size === 0, 'no log left after close');
    const again = await openStore({ dataDir: dir, migrate: false });
    const n = await sql<{ n: number }>`select count(*) as n from ckpt_probe`.execute(again.db);
    assert.equal(Number(n.rows[0]!.n), 2000);
    await again.close();
    const inline = await openStore({ dataDir: dir, migrate: false, sqliteCheckpoint: 'inline' });
    const a2 = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(inline.db);
    assert.equal(a2.rows[0]!.wal_autocheckpoint, 1000);
    await inline.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite: the checkpointer reports its work, survives a missing file, and closes idempotently', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const Sqlite = (await import('better-sqlite3')).default;
  const dir = mkdtempSync(join(tmpdir(), 'dialer-ckpt-'));
  try {
    const file = join(dir, 'x.sqlite');
    const db = new Sqlite(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('create table t (x integer)');
    const errors: Error[] = [];
    const ck = startCheckpointer({ file, intervalMs: 20, onError: (e) => errors.push(e) });
    const insert = db.prepare('insert into t values (?)');
    db.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(i);
    })();
    let s = await ck.stats();
    const deadline = Date.now() + 5000;
    while (s.framesCopied === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      s = await ck.stats();
    }
    assert.ok(s.checkpoints > 0 && s.framesCopied > 0, JSON.stringify(s));
    await ck.close();
    await ck.close();
    db.close();
    assert.equal(errors.length, 0, errors.map((e) => e.message).join('; '));
    // A database directory that vanished is reported, not thrown.
    const broken = startCheckpointer({ file: join(dir, 'missing', 'y.sqlite'), intervalMs: 20, onError: (e) => errors.push(e) });
    const until = Date.now() + 5000;
    while (errors.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.ok(errors.length > 0, 'the failure reached onError');
    await broken.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('postgres: an unreachable server is a clear coded error', async () => {
  await assert.rejects(
    openStore({ databaseUrl: 'postgres://nobody:secret@127.0.0.1:1/none', dataDir: '.' }),
    (err: unknown) => isDialerError(err, 'DIALER_ERR_DB_UNAVAILABLE') && !/secret/.test(err.message),
  );
});
