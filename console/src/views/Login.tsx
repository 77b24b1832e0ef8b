import { useState } from 'preact/hooks';
import { useServices } from '../app/services.js';
import { ApiError } from '../lib/api-client.js';
import { describeError } from '../lib/toasts.js';

/** E-mail and password; the tenant only when the e-mail exists in several. */
export function Login({ onLoggedIn }: { onLoggedIn: () => void }) {
  const { client, toasts } = useServices();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tenant, setTenant] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await client.login(email.trim(), password, tenant.trim() || undefined);
      toasts.resolve('session');
      toasts.resolve('network');
      onLoggedIn();
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'DIALER_ERR_UNAUTHORIZED' ? 'Wrong e-mail or password.' : describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="login card" onSubmit={submit} aria-labelledby="login-title">
      <h1 id="login-title">Log in</h1>
      <label>
        E-mail
        <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} autoFocus />
      </label>
      <label>
        Password
        <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      <details>
        <summary>More options</summary>
        <label>
          Organisation (only if you belong to several)
          <input name="tenant" value={tenant} onInput={(e) => setTenant(e.currentTarget.value)} />
        </label>
      </details>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Logging in…' : 'Log in'}
      </button>
    </form>
  );
}
