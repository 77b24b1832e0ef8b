import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { newId, toJson, type Clock, type Store } from '@dialer/core';
import { generatePassword, hashPassword, type ScryptCost } from './passwords.js';

/** What {@link bootstrap} did. */
export interface BootstrapResult {
  created: boolean;
  tenantId?: string;
  email?: string;
  /** Set only when the password was generated (it is shown once). */
  generatedPassword?: string;
}

/**
 * First start: when the database has no tenant, creates the `default` tenant
 * (marked as the platform tenant, whose admins manage other tenants) and its
 * first administrator. Nodes starting together race safely: the tenant's slug
 * is unique, and only the node that created it creates the admin.
 */
export async function bootstrap(options: {
  store: Store;
  clock: Clock;
  log: Logger;
  adminEmail: string;
  adminPassword?: string | undefined;
  dataDir?: string | undefined;
  passwordCost?: ScryptCost;
  /** Where a generated password is shown (default: stderr). */
  announce?: (text: string) => void;
}): Promise<BootstrapResult> {
  const { store, clock } = options;
  const any = await store.db.selectFrom('tenants').select('id').limit(1).executeTakeFirst();
  if (any) return { created: false };
  const now = clock.now();
  const tenantId = newId(now);
  const inserted = await store.db
    .insertInto('tenants')
    .values({ id: tenantId, name: 'Default', slug: 'default', status: 'active', settings: toJson({ platform: true }), created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('slug').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return { created: false };
  const password = options.adminPassword ?? generatePassword();
  const email = options.adminEmail.trim().toLowerCase();
  await store
    .tenant(tenantId)
    .insertInto('users', {
      id: newId(now),
      email,
      name: 'Administrator',
      role: 'admin',
      password_hash: await hashPassword(password, options.passwordCost),
      status: 'active',
      failed_logins: 0,
      locked_until: null,
      last_login_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  options.log.info({ tenant: 'default', email, passwordGenerated: options.adminPassword === undefined }, 'created the default tenant and its administrator');
  if (options.adminPassword !== undefined) return { created: true, tenantId, email };
  let fileNote = '';
  if (options.dataDir) {
    try {
      mkdirSync(options.dataDir, { recursive: true });
      const file = join(options.dataDir, 'initial-admin-password');
      writeFileSync(file, `${password}\n`, { mode: 0o600 });
      fileNote = `\n  (also written to ${file}; delete it after the first login)`;
    } catch {
      // The stderr notice below is enough.
    }
  }
  // The one place a secret is printed: once, on stderr, never through the logger.
  (options.announce ?? ((t) => process.stderr.write(t)))(
    `\n  dialer: first start. Log in as ${email} with the password: ${password}${fileNote}\n  Change it after logging in (POST /api/v1/auth/password).\n\n`,
  );
  return { created: true, tenantId, email, generatedPassword: password };
}
