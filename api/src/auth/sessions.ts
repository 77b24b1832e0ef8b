import { createHash, randomBytes } from 'node:crypto';
import { DialerError, newId, type Clock, type ReplayGuard, type Role, type Store, type UsersTable } from '@dialer/core';
import type { Selectable } from 'kysely';
import { burnPasswordCheck, verifyPassword, type ScryptCost } from './passwords.js';
import type { Principal } from './principal.js';
import type { RateLimiter } from './rate-limiter.js';
import type { TokenService } from './tokens.js';

/** What a login or a refresh returns. */
export interface Session {
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
  user: { id: string; tenantId: string; email: string; name: string; role: Role; agentId: string | null };
}

/** Settings of {@link SessionService}. */
export interface SessionOptions {
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  loginMaxFailures: number;
  loginLockoutS: number;
  loginRatePerMin: number;
  /** WebSocket tokens live this long (they are also single-use). */
  wsTokenTtlS: number;
  passwordCost?: ScryptCost;
}

function hashToken(t: string): string {
  return createHash('sha256').update(t).digest('hex');
}

type UserRow = Selectable<UsersTable>;

const BAD_LOGIN = 'wrong e-mail or password';

/**
 * Logins, rotating refresh tokens and short-lived WebSocket tokens.
 * Refresh tokens are stored as SHA-256 hashes; each use replaces the token,
 * and presenting a replaced one revokes every token of that login (theft
 * detection, as in OAuth 2.1 refresh-token rotation).
 */
export class SessionService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly tokens: TokenService,
    private readonly limiter: RateLimiter,
    private readonly wsGuard: ReplayGuard,
    private readonly o: SessionOptions,
  ) {}

  private async agentIdOf(u: UserRow): Promise<string | null> {
    if (u.role !== 'agent') return null;
    const a = await this.store.tenant(u.tenant_id).selectFrom('agents').select('id').where('user_id', '=', u.id).executeTakeFirst();
    return a?.id ?? null;
  }

  private async issue(u: UserRow, familyId: string): Promise<{ session: Session; rowId: string }> {
    const now = this.clock.now();
    const agentId = await this.agentIdOf(u);
    const claims = agentId ? { typ: 'access' as const, sub: u.id, tid: u.tenant_id, role: u.role, aid: agentId } : { typ: 'access' as const, sub: u.id, tid: u.tenant_id, role: u.role };
    const access = this.tokens.sign(claims, this.o.accessTokenTtlS);
    const refreshToken = `rt_${randomBytes(32).toString('base64url')}`;
    const rowId = newId(now);
    const refreshExp = now + this.o.refreshTokenTtlS * 1000;
    await this.store.tenant(u.tenant_id).insertInto('refresh_tokens', {
      id: rowId,
      user_id: u.id,
      token_hash: hashToken(refreshToken),
      family_id: familyId,
      expires_at: refreshExp,
      revoked_at: null,
      replaced_by: null,
      created_at: now,
    }).execute();
    return {
      rowId,
      session: {
        accessToken: access.token,
        accessTokenExpiresAt: access.expiresAt,
        refreshToken,
        refreshTokenExpiresAt: refreshExp,
        user: { id: u.id, tenantId: u.tenant_id, email: u.email, name: u.name, role: u.role, agentId },
      },
    };
  }

  /** Password login, rate-limited per client address and per e-mail, with lockout after repeated failures. */
  async login(input: { email: string; password: string; tenant?: string | undefined; ip: string }): Promise<Session> {
    const email = input.email.trim().toLowerCase();
    for (const key of [`login:ip:${input.ip}`, `login:email:${email}`]) {
      const r = await this.limiter.hit(key, this.o.loginRatePerMin, 60_000);
      if (!r.allowed) throw new DialerError('DIALER_ERR_RATE_LIMITED', 'too many login attempts; wait and retry', { details: { retryAfterMs: r.retryAfterMs } });
    }
    // Login is where the tenant is not known yet: the lookup by e-mail spans tenants.
    let q = this.store.db.selectFrom('users').innerJoin('tenants', 'tenants.id', 'users.tenant_id').selectAll('users').where('users.email', '=', email).where('tenants.status', '=', 'active');
    if (input.tenant) q = q.where((eb) => eb.or([eb('tenants.slug', '=', input.tenant!), eb('tenants.id', '=', input.tenant!)]));
    const users = await q.limit(5).execute();
    const now = this.clock.now();
    const candidates = users.filter((u) => u.password_hash !== null && u.status === 'active');
    if (candidates.length === 0) {
      await burnPasswordCheck(input.password, this.o.passwordCost);
      throw new DialerError('DIALER_ERR_UNAUTHORIZED', BAD_LOGIN);
    }
    for (const u of candidates) {
      if (u.locked_until !== null && u.locked_until > now) {
        if (candidates.length === 1) {
          throw new DialerError('DIALER_ERR_ACCOUNT_LOCKED', 'account locked after repeated failures; retry later or ask an administrator', {
            details: { retryAfterMs: u.locked_until - now },
          });
        }
        continue;
      }
      if (await verifyPassword(input.password, u.password_hash!)) {
        await this.store.tenant(u.tenant_id).updateTable('users').set({ failed_logins: 0, locked_until: null, last_login_at: now, updated_at: now }).where('id', '=', u.id).execute();
        return (await this.issue(u, newId(now))).session;
      }
      const failures = u.failed_logins + 1;
      const lock = failures >= this.o.loginMaxFailures;
      await this.store
        .tenant(u.tenant_id)
        .updateTable('users')
        .set({ failed_logins: lock ? 0 : failures, locked_until: lock ? now + this.o.loginLockoutS * 1000 : u.locked_until, updated_at: now })
        .where('id', '=', u.id)
        .execute();
      if (lock && candidates.length === 1) {
        throw new DialerError('DIALER_ERR_ACCOUNT_LOCKED', 'account locked after repeated failures; retry later or ask an administrator', {
          details: { retryAfterMs: this.o.loginLockoutS * 1000 },
        });
      }
    }
    throw new DialerError('DIALER_ERR_UNAUTHORIZED', BAD_LOGIN);
  }

  /** Swaps a refresh token for a new pair. A token used twice revokes its whole login. */
  async refresh(refreshToken: string): Promise<Session> {
    const now = this.clock.now();
    const row = await this.store.db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hashToken(refreshToken)).executeTakeFirst();
    if (!row) throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'unknown refresh token');
    const scope = this.store.tenant(row.tenant_id);
    if (row.revoked_at !== null) {
      if (row.replaced_by !== null) await this.revokeFamily(row.tenant_id, row.family_id);
      throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'refresh token already used or revoked');
    }
    if (row.expires_at <= now) throw new DialerError('DIALER_ERR_TOKEN_EXPIRED', 'refresh token expired');
    const user = await scope.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
    const tenant = await this.store.db.selectFrom('tenants').select('status').where('id', '=', row.tenant_id).executeTakeFirst();
    if (!user || user.status !== 'active' || tenant?.status !== 'active') {
      await this.revokeFamily(row.tenant_id, row.family_id);
      throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'account disabled');
    }
    // Claim the old token first; a concurrent second use finds it revoked and counts as reuse.
    const claimed = await scope.updateTable('refresh_tokens').set({ revoked_at: now }).where('id', '=', row.id).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) {
      await this.revokeFamily(row.tenant_id, row.family_id);
      throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'refresh token already used or revoked');
    }
    const { session, rowId } = await this.issue(user, row.family_id);
    await scope.updateTable('refresh_tokens').set({ replaced_by: rowId }).where('id', '=', row.id).execute();
    return session;
  }

  /** Ends the login a refresh token belongs to (every token of its family). Unknown tokens are ignored. */
  async logout(refreshToken: string): Promise<void> {
    const row = await this.store.db.selectFrom('refresh_tokens').select(['tenant_id', 'family_id']).where('token_hash', '=', hashToken(refreshToken)).executeTakeFirst();
    if (row) await this.revokeFamily(row.tenant_id, row.family_id);
  }

  private async revokeFamily(tenantId: string, familyId: string): Promise<void> {
    await this.store.tenant(tenantId).updateTable('refresh_tokens').set({ revoked_at: this.clock.now() }).where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
  }

  /** Revokes every refresh token of a user (password change, disable, delete). */
  async revokeUser(tenantId: string, userId: string): Promise<void> {
    await this.store.tenant(tenantId).updateTable('refresh_tokens').set({ revoked_at: this.clock.now() }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  }

  /** A single-use token, valid for a few seconds, for opening a WebSocket (browsers cannot send headers there). */
  issueWsToken(p: Principal): { token: string; expiresAt: number } {
    const sub = p.userId ?? p.apiKeyId ?? 'unknown';
    const claims = p.agentId
      ? { typ: 'ws' as const, sub, tid: p.tenantId, role: p.role, aid: p.agentId }
      : { typ: 'ws' as const, sub, tid: p.tenantId, role: p.role };
    const t = this.tokens.sign(p.kind === 'api_key' ? { ...claims, scp: [...p.scopes] } : claims, this.o.wsTokenTtlS);
    return { token: t.token, expiresAt: t.expiresAt };
  }

  /** Verifies and burns a WebSocket token. */
  async consumeWsToken(token: string): Promise<Principal> {
    const c = this.tokens.verify(token, 'ws');
    if (!(await this.wsGuard.remember(`ws:${c.jti}`, c.exp * 1000 + 1000))) throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'WebSocket token already used');
    if (c.scp) return { kind: 'api_key', tenantId: c.tid, role: c.role, userId: null, apiKeyId: c.sub, agentId: null, scopes: new Set(c.scp) };
    return { kind: 'user', tenantId: c.tid, role: c.role, userId: c.sub, apiKeyId: null, agentId: c.aid ?? null, scopes: new Set(['*']) };
  }

  /** The principal of an access token. */
  principalOfAccessToken(token: string): Principal {
    const c = this.tokens.verify(token, 'access');
    return { kind: 'user', tenantId: c.tid, role: c.role, userId: c.sub, apiKeyId: null, agentId: c.aid ?? null, scopes: new Set(['*']) };
  }
}
