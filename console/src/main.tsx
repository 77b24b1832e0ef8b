import { render } from 'preact';
import { Api } from './api.js';
import { App } from './app/App.js';
import type { Services } from './app/services.js';
import { ApiClient, ApiError } from './lib/api-client.js';
import { RealtimeClient, type SocketLike } from './lib/realtime.js';
import { ToastStore } from './lib/toasts.js';

const TOKEN_KEY = 'dialer.refreshToken';

// The refresh token lives in sessionStorage: a reload keeps the login, closing the tab ends it.
const tokens = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string | null) => (t === null ? sessionStorage.removeItem(TOKEN_KEY) : sessionStorage.setItem(TOKEN_KEY, t)),
};

const client = new ApiClient((url, init) => fetch(url, init), tokens);
const api = new Api(client);
const toasts = new ToastStore();
const realtime = new RealtimeClient({
  getToken: () => client.wsToken(),
  url: (token) => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws?token=${encodeURIComponent(token)}`,
  // The DOM's handler types name `Event` subclasses; the client reads only `data`, `code` and `reason`.
  createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  isUnauthorized: (err) => err instanceof ApiError && err.status === 401,
});

const services: Services = { client, api, realtime, toasts };
setInterval(() => toasts.tick(), 1000);

const root = document.getElementById('app');
if (root) render(<App services={services} />, root);
