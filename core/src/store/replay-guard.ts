import type { Kysely } from 'kysely';
import type { ReplayGuard } from '../signing.js';
import type { Database } from './schema.js';

/** A {@link ReplayGuard} in the database, for deployments without Redis that run several API processes. */
export class StoreReplayGuard implements ReplayGuard {
  private lastSweep = 0;
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async remember(id: string, expiresAtMs: number): Promise<boolean> {
    const now = this.now();
    if (now - this.lastSweep > 60_000) {
      this.lastSweep = now;
      await this.db.deleteFrom('replay_guard').where('expires_at', '<=', now).execute();
    }
    const r = await this.db
      .insertInto('replay_guard')
      .values({ id, expires_at: expiresAtMs })
      .onConflict((oc) => oc.column('id').doUpdateSet({ expires_at: expiresAtMs }).where('replay_guard.expires_at', '<=', now))
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async forget(id: string): Promise<void> {
    await this.db.deleteFrom('replay_guard').where('id', '=', id).execute();
  }
}
