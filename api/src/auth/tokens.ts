import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DialerError, newId, type Clock, type Role, type Store } from '@dialer/core';

/** What a token is for; a token of one kind is refused where another is expected. */
export type TokenKind = 'access' | 'ws' | 'download';

/** Claims the API puts in its tokens (a compact HS256 JWT). */
export interface TokenClaims {
  typ: TokenKind;
  /** User id. */
  sub: string;
  /** Tenant id. */
  tid: string;
  role: Role;
  /** The user's agent id, when the user is an agent. */
  aid?: string;
  /** API-key scopes, when the token was issued to an API key (absent: every scope). */
  scp?: string[];
  /** For download tokens: the one resource they open. */
  res?: string;
  /** Token id (WebSocket tokens are single-use by it). */
  jti: string;
  iat: number;
  exp: number;
}

const HEADER_CACHE = new Map<string, string>();
function header(kid: string): string {
  let h = HEADER_CACHE.get(kid);
  if (!h) {
    h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid })).toString('base64url');
    HEADER_CACHE.set(kid, h);
  }
  return h;
}

interface Key {
  id: string;
  bytes: Buffer;
}

/**
 * Signs and verifies the API's bearer tokens. The key comes from
 * API_TOKEN_SECRET, or from the `api_signing_keys` table (created on first
 * use) so that every node of a scaled-out API verifies every other's tokens.
 */
export class TokenService {
  private constructor(
    private readonly signing: Key,
    private readonly verifying: Map<string, Buffer>,
    private readonly clock: Clock,
  ) {}

  /** Uses the configured secret, or the newest key in the store (creating one the first time). */
  static async open(options: { store: Store; clock: Clock; secret?: string | undefined }): Promise<TokenService> {
    if (options.secret) {
      const bytes = Buffer.from(options.secret, 'utf8');
      return new TokenService({ id: 'env', bytes }, new Map([['env', bytes]]), options.clock);
    }
    const db = options.store.db;
    let rows = await db.selectFrom('api_signing_keys').selectAll().where('retired_at', 'is', null).orderBy('created_at', 'desc').execute();
    if (rows.length === 0) {
      // Two nodes starting together may both insert; both keys then verify, and the newest signs.
      await db
        .insertInto('api_signing_keys')
        .values({ id: newId(options.clock.now()), secret: randomBytes(32).toString('base64'), created_at: options.clock.now() })
        .execute();
      rows = await db.selectFrom('api_signing_keys').selectAll().where('retired_at', 'is', null).orderBy('created_at', 'desc').execute();
    }
    const verifying = new Map(rows.map((r) => [r.id, Buffer.from(r.secret, 'base64')]));
    const newest = rows[0]!;
    return new TokenService({ id: newest.id, bytes: verifying.get(newest.id)! }, verifying, options.clock);
  }

  /** Signs claims; `ttlS` from now. */
  sign(claims: Omit<TokenClaims, 'iat' | 'exp' | 'jti'> & { jti?: string }, ttlS: number): { token: string; expiresAt: number; jti: string } {
    const nowS = Math.floor(this.clock.now() / 1000);
    const jti = claims.jti ?? randomBytes(12).toString('base64url');
    const full: TokenClaims = { ...claims, jti, iat: nowS, exp: nowS + ttlS };
    const head = header(this.signing.id);
    const body = Buffer.from(JSON.stringify(full)).toString('base64url');
    const sig = createHmac('sha256', this.signing.bytes).update(`${head}.${body}`).digest('base64url');
    return { token: `${head}.${body}.${sig}`, expiresAt: full.exp * 1000, jti };
  }

  /** A short MAC of `data` under the signing key, for ids the API hands out and must recognise later (e.g. softphone sessions). */
  mac(data: string): string {
    return createHmac('sha256', this.signing.bytes).update(`mac:${data}`).digest('base64url').slice(0, 22);
  }

  /** Checks a {@link mac} against every verifying key. */
  checkMac(data: string, mac: string): boolean {
    for (const key of this.verifying.values()) {
      const e = Buffer.from(createHmac('sha256', key).update(`mac:${data}`).digest('base64url').slice(0, 22));
      const g = Buffer.from(mac);
      if (e.length === g.length && timingSafeEqual(e, g)) return true;
    }
    return false;
  }

  /** Verifies signature, expiry and kind; throws DIALER_ERR_UNAUTHORIZED or DIALER_ERR_TOKEN_EXPIRED. */
  verify(token: string, kind: TokenKind): TokenClaims {
    const parts = token.split('.');
    if (parts.length !== 3) throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'malformed token');
    const [h, b, s] = parts as [string, string, string];
    let head: { alg?: string; kid?: string };
    try {
      head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
    } catch {
      throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'malformed token');
    }
    const key = head.alg === 'HS256' && head.kid ? this.verifying.get(head.kid) : undefined;
    if (!key) throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'token signed with an unknown key');
    const expected = createHmac('sha256', key).update(`${h}.${b}`).digest();
    const given = Buffer.from(s, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'bad token signature');
    }
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(b, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      throw new DialerError('DIALER_ERR_UNAUTHORIZED', 'malformed token');
    }
    if (claims.typ !== kind) throw new DialerError('DIALER_ERR_UNAUTHORIZED', `expected a ${kind} token`);
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.clock.now()) throw new DialerError('DIALER_ERR_TOKEN_EXPIRED');
    return claims;
  }
}
