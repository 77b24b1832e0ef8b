import type {
  DeleteQueryBuilder,
  DeleteResult,
  Insertable,
  InsertQueryBuilder,
  InsertResult,
  Kysely,
  SelectQueryBuilder,
  UpdateQueryBuilder,
  UpdateResult,
} from 'kysely';
import { DialerError } from '../errors/index.js';
import type { Database, TenantTable } from './schema.js';

/** A row to insert into a tenant table, without `tenant_id` (the scope adds it). */
export type TenantInsert<T extends TenantTable> = Omit<Insertable<Database[T]>, 'tenant_id'>;

/**
 * Query builders bound to one tenant: every select, update and delete gets
 * `WHERE <table>.tenant_id = ?`, and every insert gets the tenant's id. This is
 * how the rest of the system reaches tenant-owned tables.
 */
export class TenantScope {
  constructor(
    readonly db: Kysely<Database>,
    readonly tenantId: string,
  ) {
    if (!tenantId) throw new DialerError('DIALER_ERR_TENANT_SCOPE', 'a tenant scope needs a tenant id');
  }

  selectFrom<T extends TenantTable>(table: T): SelectQueryBuilder<Database, T, object> {
    // Kysely cannot type a dynamic column reference; the table name is constrained above.
    return (this.db.selectFrom(table) as unknown as SelectQueryBuilder<Database, TenantTable, object>).where(
      `${table}.tenant_id` as never,
      '=',
      this.tenantId as never,
    ) as unknown as SelectQueryBuilder<Database, T, object>;
  }

  updateTable<T extends TenantTable>(table: T): UpdateQueryBuilder<Database, T, T, UpdateResult> {
    return (this.db.updateTable(table) as unknown as UpdateQueryBuilder<Database, TenantTable, TenantTable, UpdateResult>).where(
      `${table}.tenant_id` as never,
      '=',
      this.tenantId as never,
    ) as unknown as UpdateQueryBuilder<Database, T, T, UpdateResult>;
  }

  deleteFrom<T extends TenantTable>(table: T): DeleteQueryBuilder<Database, T, DeleteResult> {
    return (this.db.deleteFrom(table) as unknown as DeleteQueryBuilder<Database, TenantTable, DeleteResult>).where(
      `${table}.tenant_id` as never,
      '=',
      this.tenantId as never,
    ) as unknown as DeleteQueryBuilder<Database, T, DeleteResult>;
  }

  insertInto<T extends TenantTable>(table: T, rows: TenantInsert<T> | readonly TenantInsert<T>[]): InsertQueryBuilder<Database, T, InsertResult> {
    const list = (Array.isArray(rows) ? rows : [rows]) as readonly TenantInsert<T>[];
    const values = list.map((r) => {
      const given = (r as { tenant_id?: unknown }).tenant_id;
      if (given !== undefined && given !== this.tenantId) {
        throw new DialerError('DIALER_ERR_TENANT_SCOPE', `insert into ${table} names another tenant`);
      }
      return { ...r, tenant_id: this.tenantId };
    });
    return this.db.insertInto(table).values(values as never) as InsertQueryBuilder<Database, T, InsertResult>;
  }

  /** The same scope over a transaction's connection. */
  withDb(db: Kysely<Database>): TenantScope {
    return new TenantScope(db, this.tenantId);
  }
}
