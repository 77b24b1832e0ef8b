import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, ApiError, type FetchLike, type Session } from '../src/lib/api-client.js';

type Handler = (url: string, init: { method: string; headers: Record<string, string>; body?: unknown }) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

function fakeFetch(h: Handler): { fetch: FetchLike; calls: { url: string; method: string; auth?: string | undefined; body?: unknown }[] } {
  const calls: { url: string; method: string; auth?: string | undefined; body?: unknown }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, method: init.method, auth: init.headers['authorization'], body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined });
    const r = await h(url, init);
    const text = r.body === undefined ? '' : JSON.stringify(r.body);
    return { status: r.status, ok: r.status < 400, headers: { get: () => null }, text: async () => text };
  };
  return { fetch, calls };
}

const memory = () => {
  let v: string | null = null;
  return { get: () => v, set: (t: string | null) => void (v = t) };
};

const session = (n: number, exp = 10_000_000): Session => ({
  accessToken: `at${n}`,
  accessTokenExpiresAt: exp,
  refreshToken: `rt${n}`,
  refreshTokenExpiresAt: exp * 10,
  user: { id: 'u1', tenantId: 't1', email: 'a@b.c', name: 'Ann', role: 'agent', agentId: 'a1' },
});

test('login keeps the tokens and sends the access token', async () => {
  const { fetch, calls } = fakeFetch((url) => (url.endsWith('/login') ? { status: 200, body: session(1) } : { status: 200, body: { ok: true } }));
  const tokens = memory();
  const api = new ApiClient(fetch, tokens, '', () => 0);
  await api.login('a@b.c', 'secret-password');
  assert.equal(tokens.get(), 'rt1');
  assert.equal(api.user?.agentId, 'a1');
  await api.get('/api/v1/things', { limit: 5, cursor: undefined });
  assert.equal(calls[1]!.auth, 'Bearer at1');
  assert.equal(calls[1]!.url, '/api/v1/things?limit=5');
});

test('an expired access token is refreshed once for concurrent requests', async () => {
  let refreshes = 0;
  const { fetch, calls } = fakeFetch((url, init) => {
    if (url.endsWith('/refresh')) {
      refreshes++;
      return { status: 200, body: session(2) };
    }
    if (init.headers['authorization'] === 'Bearer at1') return { status: 401, body: { error: { code: 'DIALER_ERR_TOKEN_EXPIRED', message: 'Token expired', retryable: false } } };
    return { status: 200, body: { n: 1 } };
  });
  const tokens = memory();
  let now = 0;
  const api = new ApiClient(fetch, tokens, '', () => now);
  tokens.set('rt1');
  await api.resume();
  assert.equal(refreshes, 1);
  now = 20_000_000;
  await Promise.all([api.get('/a'), api.get('/b'), api.get('/c')]);
  assert.equal(refreshes, 2, 'one refresh shared by three requests');
  assert.ok(calls.filter((c) => c.url !== '/api/v1/auth/refresh').every((c) => c.auth === 'Bearer at2'));
});

test('a 401 on a request triggers a refresh and one retry', async () => {
  let first = true;
  const { fetch } = fakeFetch((url) => {
    if (url.endsWith('/refresh')) return { status: 200, body: session(3) };
    if (first) {
      first = false;
      return { status: 401, body: { error: { code: 'DIALER_ERR_TOKEN_EXPIRED', message: 'x', retryable: false } } };
    }
    return { status: 200, body: { ok: 1 } };
  });
  const tokens = memory();
  const api = new ApiClient(fetch, tokens, '', () => 0);
  tokens.set('rt0');
  await api.resume();
  first = true;
  assert.deepEqual(await api.get('/x'), { ok: 1 });
});

test('a refused refresh ends the login and tells the app', async () => {
  const { fetch } = fakeFetch(() => ({ status: 401, body: { error: { code: 'DIALER_ERR_UNAUTHORIZED', message: 'refresh token already used or revoked', retryable: false } } }));
  const tokens = memory();
  tokens.set('stale');
  const api = new ApiClient(fetch, tokens, '', () => 0);
  assert.equal(await api.resume(), false);
  assert.equal(tokens.get(), null);
});

test('errors keep the server code; network failures get their own code', async () => {
  const { fetch } = fakeFetch((url) => {
    if (url.endsWith('/login')) return { status: 200, body: session(1) };
    if (url.endsWith('/dial')) return { status: 403, body: { error: { code: 'DIALER_ERR_DNC', message: 'Number is on a do-not-call list', retryable: false } } };
    throw new TypeError('Failed to fetch');
  });
  const api = new ApiClient(fetch, memory(), '', () => 0);
  await api.login('a@b.c', 'pw');
  await assert.rejects(api.post('/dial', { phone: '+1' }), (e: unknown) => e instanceof ApiError && e.code === 'DIALER_ERR_DNC' && e.status === 403);
  await assert.rejects(api.get('/other'), (e: unknown) => e instanceof ApiError && e.network && e.retryable);
});

test('a non-JSON error still becomes an ApiError', async () => {
  const { fetch } = fakeFetch(() => ({ status: 502 }));
  const api = new ApiClient(fetch, memory(), '', () => 0);
  await assert.rejects(api.get('/x'), (e: unknown) => e instanceof ApiError && e.status === 502 && e.retryable);
});
