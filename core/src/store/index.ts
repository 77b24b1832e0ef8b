export * from './schema.js';
export type { SqlDialect } from './dialect.js';
export { openStore, redactUrl, type Store, type OpenStoreOptions } from './store.js';
export { startCheckpointer, type Checkpointer, type CheckpointerOptions } from './checkpointer.js';
export { TenantScope, type TenantInsert } from './tenant-scope.js';
export { toJson, fromJson } from './json.js';
export { allMigrations } from './migrations/index.js';
export { StoreReplayGuard } from './replay-guard.js';
