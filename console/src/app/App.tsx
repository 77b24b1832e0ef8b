import { useEffect, useState } from 'preact/hooks';
import { Login } from '../views/Login.js';
import { AgentPage } from '../views/agent/AgentPage.js';
import { WallboardPage } from '../views/supervisor/WallboardPage.js';
import { AdminPage } from '../views/admin/AdminPage.js';
import { Toasts } from '../views/Toasts.js';
import { TopBar } from '../views/TopBar.js';
import { describeError } from '../lib/toasts.js';
import { ServicesContext, type Services } from './services.js';
import { homeRoute, parseRoute, routeHash, type Route } from './route.js';
import { useConnectionToasts } from './connection.js';

/** The whole console: login, then the page of the user's role, with the connection status and notices on every page. */
export function App({ services }: { services: Services }) {
  const { client, realtime, toasts } = services;
  const [booting, setBooting] = useState(true);
  const [user, setUser] = useState(client.user);
  const [route, setRoute] = useState<Route | undefined>(() => parseRoute(location.hash));

  useEffect(() => {
    client.onLoggedOut = () => {
      realtime.stop();
      setUser(null);
      toasts.push('warning', 'Your session has ended; log in again.', 'session');
    };
    client
      .resume()
      .then((ok) => ok && setUser(client.user))
      .catch((err: unknown) => toasts.push('error', describeError(err), 'network'))
      .finally(() => setBooting(false));
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useConnectionToasts(services, user !== null);

  useEffect(() => {
    if (!user) return;
    realtime.start();
    const home = homeRoute(user.role, route);
    if (routeHash(home) !== location.hash) history.replaceState(null, '', routeHash(home));
    if (!route || route.page !== home.page) setRoute(home);
  }, [user]);

  const logout = async () => {
    realtime.stop();
    await client.logout();
    setUser(null);
  };

  let body;
  if (booting) body = <p class="boot" aria-busy="true">Loading…</p>;
  else if (!user) body = <Login onLoggedIn={() => setUser(client.user)} />;
  else {
    const r = homeRoute(user.role, route);
    if (r.page === 'agent') body = user.agentId ? <AgentPage agentId={user.agentId} /> : <p role="alert">This user has no agent profile; ask an administrator.</p>;
    else if (r.page === 'wallboard') body = <WallboardPage />;
    else body = <AdminPage section={r.section} role={user.role} />;
  }

  return (
    <ServicesContext.Provider value={services}>
      <a class="skip-link" href="#main">Skip to content</a>
      {user && <TopBar user={user} route={homeRoute(user.role, route)} onLogout={logout} />}
      <main id="main" tabIndex={-1}>
        {body}
      </main>
      <Toasts />
    </ServicesContext.Provider>
  );
}
