import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from '../lib/api-client.js';
import type { RealtimeClient } from '../lib/realtime.js';
import type { ToastStore } from '../lib/toasts.js';
import type { Api } from '../api.js';

/** What every view can reach. */
export interface Services {
  client: ApiClient;
  api: Api;
  realtime: RealtimeClient;
  toasts: ToastStore;
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('ServicesContext missing');
  return s;
}
