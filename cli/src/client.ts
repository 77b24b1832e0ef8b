import { CliError, EXIT, exitForStatus } from './exit.js';

/** How the client authenticates: an API key or access token sent as a bearer, plus an optional way to renew it. */
export interface Credentials {
  /** The bearer value, or undefined for anonymous calls. */
  bearer(): string | undefined;
  /** Called once after a 401 with DIALER_ERR_TOKEN_EXPIRED; resolves true when a new bearer is ready. */
  renew?(): Promise<boolean>;
}

/** Options of one request. */
export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null | readonly string[]>;
  body?: unknown;
  /** A raw body (a file stream); `contentType` says what it is. */
  raw?: NonNullable<RequestInit['body']>;
  contentType?: string;
  headers?: Record<string, string>;
  /** Resolve with the Response instead of parsing JSON (downloads, exports). */
  stream?: boolean;
  /** Overrides the client's timeout; 0 waits forever (uploads of big files). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The `{ error }` body every API error has. */
interface ApiErrorBody {
  error?: { code?: string; message?: string; retryable?: boolean; details?: unknown };
}

const NET_HINT: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is dialer-api running, and is --url right?)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  CERT_HAS_EXPIRED: 'the TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate (set NODE_EXTRA_CA_CERTS to trust it)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown TLS certificate authority (set NODE_EXTRA_CA_CERTS)',
};

function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'no answer in time';
  const code = e.cause?.code;
  if (code && NET_HINT[code]) return NET_HINT[code];
  return e.cause?.message ?? e.message ?? String(err);
}

/**
 * A small typed client for the dialer API: JSON in and out, bearer auth with
 * one transparent renewal, and every failure turned into a {@link CliError}
 * with the API's coded message and a meaningful exit code.
 */
export class ApiClient {
  constructor(
    /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8080`. */
    readonly baseUrl: string,
    private readonly creds: Credentials,
    private readonly timeoutMs = 30_000,
  ) {}

  /** The absolute URL of an API path, with its query string. */
  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === null || v === '') continue;
      if (Array.isArray(v)) for (const x of v) u.searchParams.append(k, x);
      else u.searchParams.set(k, String(v));
    }
    return u.toString();
  }

  get<T>(path: string, o: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, o);
  }
  post<T>(path: string, body?: unknown, o: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...o, body });
  }
  patch<T>(path: string, body: unknown, o: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...o, body });
  }
  put<T>(path: string, body: unknown, o: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...o, body });
  }
  delete<T>(path: string, o: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, o);
  }

  /** The raw response of a request that succeeded (2xx); errors are thrown as for JSON requests. */
  async response(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
    return (await this.send(method, path, { ...o, stream: true }, true)) as Response;
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    return (await this.send(method, path, o, true)) as T;
  }

  private async send(method: string, path: string, o: RequestOptions, mayRenew: boolean): Promise<unknown> {
    const url = this.url(path, o.query);
    const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
    const bearer = this.creds.bearer();
    if (bearer) headers['authorization'] = `Bearer ${bearer}`;
    let body: RequestInit['body'] | undefined;
    if (o.raw !== undefined) {
      body = o.raw;
      headers['content-type'] = o.contentType ?? 'application/octet-stream';
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] = 'application/json';
    }
    const timeout = o.timeoutMs ?? this.timeoutMs;
    const signals = [o.signal, timeout > 0 ? AbortSignal.timeout(timeout) : undefined].filter((s): s is AbortSignal => s !== undefined);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body ?? null,
        signal: signals.length > 0 ? AbortSignal.any(signals) : null,
        // Streams (uploads) need half-duplex in Node's fetch.
        ...(body !== undefined && typeof (body as { getReader?: unknown }).getReader === 'function' ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      if (o.signal?.aborted) throw new CliError('interrupted', EXIT.error);
      throw new CliError(`cannot reach the API at ${this.baseUrl}: ${networkReason(err)}`, EXIT.unreachable);
    }
    if (res.status === 401 && mayRenew && this.creds.renew) {
      const peek = (await res
        .clone()
        .json()
        .catch(() => ({}))) as ApiErrorBody;
      if (peek.error?.code === 'DIALER_ERR_TOKEN_EXPIRED' && o.raw === undefined && (await this.creds.renew())) {
        await res.body?.cancel().catch(() => undefined);
        return this.send(method, path, o, false);
      }
    }
    if (!res.ok) throw await this.errorOf(res, method, path);
    if (o.stream) return res;
    if (res.status === 204) return undefined;
    const text = await res.text();
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CliError(`${method} ${path}: the API answered ${res.status} with a body that is not JSON (is --url the dialer API?)`, EXIT.error);
    }
  }

  private async errorOf(res: Response, method: string, path: string): Promise<CliError> {
    const text = await res.text().catch(() => '');
    let body: ApiErrorBody = {};
    try {
      body = JSON.parse(text) as ApiErrorBody;
    } catch {
      // Not the API's JSON: a proxy's error page, most likely.
    }
    const e = body.error;
    if (e?.message) {
      let hint = '';
      if (res.status === 401) hint = ' (log in with `dialerctl login`, or pass --token / DIALER_TOKEN)';
      if (e.code === 'DIALER_ERR_RATE_LIMITED' || e.code === 'DIALER_ERR_ACCOUNT_LOCKED') {
        const after = res.headers.get('retry-after');
        if (after) hint = ` (retry after ${after} s)`;
      }
      return new CliError(`${e.message}${hint} [${e.code ?? res.status}]`, exitForStatus(res.status), e.code, e.details);
    }
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 120);
    return new CliError(`${method} ${path}: HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`, exitForStatus(res.status));
  }
}
