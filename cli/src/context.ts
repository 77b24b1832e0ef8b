import type { Command } from 'commander';
import { ApiClient, type Credentials } from './client.js';
import { CliError, EXIT } from './exit.js';
import type { Io } from './io.js';
import { withFileLock } from './lock.js';
import { configPath, normaliseUrl, readConfigFile, updateProfile, type Profile } from './profile.js';
import { renderRecord, renderTable, type Column } from './output/table.js';

/** The default API address (the API's own default listen address). */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Global options every command accepts. */
export interface GlobalOptions {
  url?: string;
  token?: string;
  profile?: string;
  json?: boolean;
  timeout?: number;
}

/** Renews an access token this long before it expires, so a command never starts with a dying token. */
const RENEW_MARGIN_MS = 30_000;

/** What a session refresh returns (`POST /api/v1/auth/refresh`, `/auth/login`). */
export interface SessionReply {
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
  user: { id: string; tenantId: string; email: string; name: string; role: string; agentId: string | null };
}

/** The stored form of a session. */
export function profileFromSession(url: string, s: SessionReply): Profile {
  return {
    url,
    accessToken: s.accessToken,
    accessTokenExpiresAt: s.accessTokenExpiresAt,
    refreshToken: s.refreshToken,
    refreshTokenExpiresAt: s.refreshTokenExpiresAt,
    user: { id: s.user.id, email: s.user.email, role: s.user.role, tenantId: s.user.tenantId },
  };
}

/**
 * One command's view of the world: the global options, where the API is, the
 * credentials (flag, environment, or the profile `login` wrote), and output
 * helpers that honour `--json`.
 */
export class Ctx {
  private client: ApiClient | undefined;
  private cachedProfile: { name: string; profile: Profile | undefined } | undefined;

  constructor(
    readonly io: Io,
    readonly opts: GlobalOptions,
  ) {}

  /** Builds the context of the command being run from its (and its parents') options. */
  static of(io: Io, cmd: Command): Ctx {
    return new Ctx(io, cmd.optsWithGlobals<GlobalOptions>());
  }

  get json(): boolean {
    return this.opts.json === true;
  }

  get configFile(): string {
    return configPath(this.io);
  }

  get profileName(): string {
    if (this.opts.profile) return this.opts.profile;
    if (this.io.env['DIALER_PROFILE']) return this.io.env['DIALER_PROFILE'];
    return this.loadProfile().name;
  }

  private loadProfile(): { name: string; profile: Profile | undefined } {
    if (!this.cachedProfile) {
      const file = readConfigFile(this.configFile, (line) => this.io.err.write(`${line}\n`));
      const name = this.opts.profile ?? this.io.env['DIALER_PROFILE'] ?? file.current;
      this.cachedProfile = { name, profile: file.profiles[name] };
    }
    return this.cachedProfile;
  }

  /** The stored profile, if any. */
  get profile(): Profile | undefined {
    return this.loadProfile().profile;
  }

  /** The API base URL: --url, DIALER_URL, the profile's, or the default. */
  get baseUrl(): string {
    return normaliseUrl(this.opts.url ?? this.io.env['DIALER_URL'] ?? this.profile?.url ?? DEFAULT_URL);
  }

  /** A token given explicitly (flag or environment), which wins over the profile. */
  get explicitToken(): string | undefined {
    return this.opts.token ?? (this.io.env['DIALER_TOKEN'] || undefined);
  }

  /** The profile, but only when it belongs to the API we are talking to: credentials never go to another server. */
  private matchingProfile(): Profile | undefined {
    const p = this.profile;
    if (!p) return undefined;
    try {
      return normaliseUrl(p.url) === this.baseUrl ? p : undefined;
    } catch {
      return undefined;
    }
  }

  /** The API client, with credentials resolved and an expiring access token renewed first. */
  async api(): Promise<ApiClient> {
    if (this.client) return this.client;
    const explicit = this.explicitToken;
    let creds: Credentials;
    if (explicit) {
      creds = { bearer: () => explicit };
    } else {
      const p = this.matchingProfile();
      let current = p;
      const renew = async (): Promise<boolean> => {
        if (!current?.refreshToken) return false;
        current = await this.refreshSession(current);
        return current !== undefined;
      };
      if (p?.accessToken && p.refreshToken && (p.accessTokenExpiresAt ?? 0) - RENEW_MARGIN_MS < this.io.now()) await renew();
      creds = { bearer: () => current?.apiKey ?? current?.accessToken, renew };
    }
    const timeout = this.opts.timeout;
    this.client = new ApiClient(this.baseUrl, creds, timeout === undefined ? 30_000 : timeout);
    return this.client;
  }

  /** A client without credentials (health, login). */
  anonymous(): ApiClient {
    return new ApiClient(this.baseUrl, { bearer: () => undefined }, this.opts.timeout ?? 30_000);
  }

  /**
   * Swaps the stored refresh token for new tokens under a file lock. When
   * another dialerctl already refreshed, its tokens are used instead.
   */
  private async refreshSession(stale: Profile): Promise<Profile | undefined> {
    const name = this.loadProfile().name;
    const file = this.configFile;
    return withFileLock(file, async () => {
      const now = readConfigFile(file).profiles[name];
      if (now?.accessToken && now.accessToken !== stale.accessToken && (now.accessTokenExpiresAt ?? 0) - RENEW_MARGIN_MS > this.io.now()) return now;
      const refreshToken = now?.refreshToken ?? stale.refreshToken;
      if (!refreshToken || (now?.refreshTokenExpiresAt ?? Infinity) < this.io.now()) {
        throw new CliError('the stored login has expired; run `dialerctl login` again', EXIT.auth);
      }
      let s: SessionReply;
      try {
        s = await this.anonymous().post<SessionReply>('/api/v1/auth/refresh', { refreshToken });
      } catch (err) {
        if (err instanceof CliError && err.exitCode === EXIT.auth) {
          updateProfile(file, name, (p) => (p ? { url: p.url } : undefined));
          throw new CliError('the stored login was revoked or has expired; run `dialerctl login` again', EXIT.auth);
        }
        throw err;
      }
      const next = profileFromSession(stale.url, s);
      updateProfile(file, name, () => next);
      this.cachedProfile = { name, profile: next };
      return next;
    });
  }

  // --- output ----------------------------------------------------------------

  /** Prints `data` as JSON with --json, else what `human` renders. */
  print(data: unknown, human: () => string): void {
    if (this.json) this.io.out.write(`${JSON.stringify(data, null, 2)}\n`);
    else this.io.out.write(human());
  }

  /** Prints a list: JSON with --json (the whole reply), else a table of `rows`. */
  table<R>(data: unknown, rows: readonly R[], columns: readonly Column<R>[], footer?: string): void {
    this.print(data, () => renderTable(rows, columns) + (footer ? `${footer}\n` : ''));
  }

  /** Prints one record as `key value` lines (or JSON). */
  record(data: Record<string, unknown>, keys?: readonly string[]): void {
    this.print(data, () => renderRecord(data, keys));
  }

  /** A short human line; silent with --json so scripts get only JSON on stdout. */
  say(line: string): void {
    if (!this.json) this.io.out.write(`${line}\n`);
  }

  /** A note on stderr (never part of the output scripts parse). */
  note(line: string): void {
    this.io.err.write(`${line}\n`);
  }
}
