import { useServices } from '../app/services.js';
import { allowedPages, type Route } from '../app/route.js';
import type { SessionUser } from '../lib/api-client.js';
import { useEffect, useState } from 'preact/hooks';

const STATUS_TEXT = { connecting: 'Connecting…', open: 'Live', reconnecting: 'Reconnecting…', stopped: 'Offline' } as const;

/** Navigation, the live-connection indicator and logout. */
export function TopBar({ user, route, onLogout }: { user: SessionUser; route: Route; onLogout: () => void }) {
  const { realtime } = useServices();
  const [status, setStatus] = useState(realtime.status);
  useEffect(() => realtime.on('status', setStatus), []);
  const pages = allowedPages(user.role);
  return (
    <header class="topbar">
      <span class="brand">dialer</span>
      <nav aria-label="Pages">
        {pages.includes('agent') && <a href="#/agent" aria-current={route.page === 'agent' ? 'page' : undefined}>Agent</a>}
        {pages.includes('wallboard') && <a href="#/wallboard" aria-current={route.page === 'wallboard' ? 'page' : undefined}>Wallboard</a>}
        {pages.includes('admin') && <a href="#/admin/campaigns" aria-current={route.page === 'admin' ? 'page' : undefined}>Admin</a>}
      </nav>
      <span class={`conn conn-${status}`} role="status" aria-label={`Live updates: ${STATUS_TEXT[status]}`} data-conn={status}>
        <span class="dot" aria-hidden="true" />
        {STATUS_TEXT[status]}
      </span>
      <span class="who">
        {user.name} <small>({user.role})</small>
      </span>
      <button type="button" onClick={onLogout}>
        Log out
      </button>
    </header>
  );
}
