/** An error from the API (its coded shape) or from the network. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly retryable: boolean,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the request never reached the server (offline, DNS, connection refused). */
  get network(): boolean {
    return this.code === NETWORK_ERROR;
  }
}

/** The console's own code for "the request did not get through". */
export const NETWORK_ERROR = 'CONSOLE_ERR_NETWORK';

/** The user a login returns. */
export interface SessionUser {
  id: string;
  tenantId: string;
  email: string;
  name: string;
  role: 'admin' | 'supervisor' | 'agent' | 'developer';
  agentId: string | null;
}

/** What the login and refresh routes return. */
export interface Session {
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
  user: SessionUser;
}

/** Where the refresh token is kept between page loads (sessionStorage in the browser). */
export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string | Blob | FormData | undefined; signal?: AbortSignal | undefined }) => Promise<{
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

/** Paths of the auth routes (the rest of the API is described in `api.ts`). */
export const AUTH_PATHS = {
  login: '/api/v1/auth/login',
  refresh: '/api/v1/auth/refresh',
  logout: '/api/v1/auth/logout',
  wsToken: '/api/v1/auth/ws-token',
} as const;

export interface RequestOptions {
  body?: unknown;
  /** Raw body (a CSV file) sent as it is, with this content type. */
  raw?: { data: string | Blob; contentType: string };
  query?: Record<string, string | number | boolean | undefined | null>;
  signal?: AbortSignal;
}

/**
 * Talks to the REST API: JSON in and out, the access token on every request,
 * one refresh (shared by concurrent requests) when it has expired, and every
 * failure turned into an {@link ApiError} with the server's code.
 */
export class ApiClient {
  private accessToken: string | null = null;
  private accessExpiresAt = 0;
  private refreshing: Promise<Session> | undefined;
  user: SessionUser | null = null;
  /** Called when the login is over (refresh refused): the app shows the login page. */
  onLoggedOut: (() => void) | undefined;

  constructor(
    private readonly fetchFn: FetchLike,
    private readonly tokens: TokenStore,
    private readonly base = '',
    private readonly now: () => number = () => Date.now(),
  ) {}

  get loggedIn(): boolean {
    return this.user !== null;
  }

  private adopt(s: Session): Session {
    this.accessToken = s.accessToken;
    this.accessExpiresAt = s.accessTokenExpiresAt;
    this.tokens.set(s.refreshToken);
    this.user = s.user;
    return s;
  }

  async login(email: string, password: string, tenant?: string): Promise<Session> {
    const body: Record<string, string> = { email, password };
    if (tenant) body['tenant'] = tenant;
    const s = await this.send<Session>('POST', AUTH_PATHS.login, { body }, false);
    return this.adopt(s);
  }

  /** Restores a login from the stored refresh token (page reload). Returns false when there is none or it is refused. */
  async resume(): Promise<boolean> {
    if (!this.tokens.get()) return false;
    try {
      await this.refresh();
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.network) throw err;
      return false;
    }
  }

  private refresh(): Promise<Session> {
    this.refreshing ??= (async () => {
      try {
        const rt = this.tokens.get();
        if (!rt) throw new ApiError('DIALER_ERR_UNAUTHORIZED', 'not logged in', 401, false);
        try {
          return this.adopt(await this.send<Session>('POST', AUTH_PATHS.refresh, { body: { refreshToken: rt } }, false));
        } catch (err) {
          if (err instanceof ApiError && !err.network && err.status === 401) this.forget();
          throw err;
        }
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private forget(): void {
    const was = this.user !== null;
    this.accessToken = null;
    this.user = null;
    this.tokens.set(null);
    if (was) this.onLoggedOut?.();
  }

  async logout(): Promise<void> {
    const rt = this.tokens.get();
    try {
      if (rt) await this.send('POST', AUTH_PATHS.logout, { body: { refreshToken: rt } }, false);
    } catch {
      // The login ends locally either way.
    } finally {
      this.accessToken = null;
      this.user = null;
      this.tokens.set(null);
    }
  }

  /** A single-use token for the WebSocket. */
  async wsToken(): Promise<string> {
    const r = await this.request<{ token: string }>('POST', AUTH_PATHS.wsToken);
    return r.token;
  }

  /** An authenticated request; refreshes the access token once if it expired. */
  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    if (this.accessToken === null || this.accessExpiresAt - 15_000 < this.now()) {
      if (this.tokens.get()) await this.refresh();
    }
    try {
      return await this.send<T>(method, path, o, true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && this.tokens.get()) {
        await this.refresh();
        return this.send<T>(method, path, o, true);
      }
      throw err;
    }
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, query ? { query } : {});
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body === undefined ? {} : { body });
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }
  del<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  private async send<T>(method: string, path: string, o: RequestOptions, auth: boolean): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | Blob | undefined;
    if (o.raw) {
      headers['content-type'] = o.raw.contentType;
      body = o.raw.data;
    } else if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    if (auth && this.accessToken) headers['authorization'] = `Bearer ${this.accessToken}`;
    let url = this.base + path;
    if (o.query) {
      const q = Object.entries(o.query).filter(([, v]) => v !== undefined && v !== null && v !== '');
      if (q.length > 0) url += `?${q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}`;
    }
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await this.fetchFn(url, { method, headers, body, signal: o.signal });
    } catch (err) {
      if ((err as { name?: string })?.name === 'AbortError') throw err;
      throw new ApiError(NETWORK_ERROR, 'The server cannot be reached. Check the network connection.', 0, true);
    }
    const text = await res.text().catch(() => '');
    let json: unknown;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; retryable?: boolean; details?: unknown } } | undefined)?.error;
      if (e?.code) throw new ApiError(e.code, e.message ?? e.code, res.status, e.retryable ?? false, e.details);
      throw new ApiError(res.status >= 500 ? 'DIALER_ERR_UNAVAILABLE' : 'DIALER_ERR_INTERNAL', `HTTP ${res.status}`, res.status, res.status >= 500);
    }
    return json as T;
  }
}
