import { useEffect } from 'preact/hooks';
import type { Services } from './services.js';

const NET_KEY = 'network';

/**
 * Says so at once when the console loses the server or the network, and
 * again when it has recovered: the UI never silently stops updating.
 */
export function useConnectionToasts({ realtime, toasts }: Services, active: boolean): void {
  useEffect(() => {
    if (!active) return undefined;
    let lost = false;
    const offStatus = realtime.on('status', (s) => {
      if (s === 'reconnecting' && !lost) {
        lost = true;
        toasts.push('error', 'Connection to the server lost. Live updates are paused; reconnecting…', NET_KEY);
      } else if (s === 'open' && lost) {
        lost = false;
        toasts.resolve(NET_KEY);
        toasts.push('success', 'Reconnected. Live updates resumed.', 'reconnected');
      }
    });
    const offDenied = realtime.on('denied', (list) => {
      for (const d of list) toasts.push('warning', `No live updates for ${d.topic}: ${d.error.message}`, `denied:${d.topic}`);
    });
    const onOffline = () => {
      lost = true;
      toasts.push('error', 'Network connection lost. Live updates are paused until it returns.', NET_KEY);
      realtime.dropped();
    };
    const onOnline = () => realtime.retryNow();
    addEventListener('offline', onOffline);
    addEventListener('online', onOnline);
    return () => {
      offStatus();
      offDenied();
      removeEventListener('offline', onOffline);
      removeEventListener('online', onOnline);
    };
  }, [active]);
}
