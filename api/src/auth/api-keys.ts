import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DialerError, fromJson, type Clock, type Role, type Store } from '@dialer/core';
import type { Principal } from './principal.js';

/** API keys look like `dk_<prefix>_<secret>`; the prefix finds the row, the hash of the whole key proves it. */
const KEY_RE = /^dk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** A new key and what to store: only the SHA-256 of a 256-bit random key (no slow hash needed at that entropy). */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const key = `dk_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: `sha256$${sha256(key).toString('hex')}` };
}

/** True when the string has the shape of an API key (so a bearer value can be routed to the right check). */
export function looksLikeApiKey(s: string): boolean {
  return s.startsWith('dk_');
}

/** Resolves API keys to principals, with a short cache so a busy integration does not hit the database per request. */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly lastUsedWrite = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** How long a verified key is trusted without a lookup; revocation takes effect within it on other nodes. */
    private readonly cacheMs = 10_000,
  ) {}

  async authenticate(key: string): Promise<Principal> {
    const m = KEY_RE.exec(key);
    if (!m) throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'malformed API key');
    const digest = sha256(key);
    const cacheKey = digest.toString('hex');
    const now = this.clock.now();
    const hit = this.cache.get(cacheKey);
    if (hit && hit.until > now) return hit.principal;
    // Authentication is the one lookup that cannot be tenant-scoped: the key tells us the tenant.
    const row = await this.store.db.selectFrom('api_keys').selectAll().where('prefix', '=', m[1]!).executeTakeFirst();
    const stored = row?.key_hash.startsWith('sha256$') ? Buffer.from(row.key_hash.slice(7), 'hex') : undefined;
    if (!row || !stored || stored.length !== digest.length || !timingSafeEqual(stored, digest)) {
      throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'unknown API key');
    }
    if (row.revoked_at !== null) throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'API key revoked');
    if (row.expires_at !== null && row.expires_at <= now) throw new DialerError('DIALER_ERR_TOKEN_EXPIRED', 'API key expired');
    const principal: Principal = {
      kind: 'api_key',
      tenantId: row.tenant_id,
      role: row.role as Role,
      userId: row.user_id,
      apiKeyId: row.id,
      agentId: null,
      scopes: new Set(fromJson<string[]>(row.scopes, [])),
    };
    this.cache.set(cacheKey, { principal, until: now + this.cacheMs });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    if ((this.lastUsedWrite.get(row.id) ?? 0) < now - 60_000) {
      this.lastUsedWrite.set(row.id, now);
      await this.store.tenant(row.tenant_id).updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
    }
    return principal;
  }

  /** Forgets cached keys (after a revocation on this node). */
  invalidate(): void {
    this.cache.clear();
  }
}
