import { useState } from 'preact/hooks';
import { useServices } from '../../app/services.js';
import { useLoad } from '../../app/hooks.js';
import { parseHotkey } from '../../lib/hotkeys.js';
import { describeError } from '../../lib/toasts.js';
import type { Disposition } from '../../api.js';

interface DispositionSet {
  id: string;
  name: string;
  dispositions: Disposition[];
}

/** Disposition sets and their codes, with hotkeys (a campaign uses one set). */
export function DispositionsPage({ admin }: { admin: boolean }) {
  const { api, toasts } = useServices();
  const sets = useLoad(() => api.list<DispositionSet>('disposition-sets'), []);
  const [name, setName] = useState('');
  const [code, setCode] = useState({ setId: '', code: '', label: '', hotkey: '', isSale: false, isDnc: false, isCallback: false, isFinal: false, callbackScope: 'agent' });
  const [error, setError] = useState<string | undefined>();

  const createSet = async (e: Event) => {
    e.preventDefault();
    try {
      await api.create('disposition-sets', { name: name.trim() });
      setName('');
      sets.reload();
    } catch (err) {
      toasts.push('error', describeError(err, 'Set not created'));
    }
  };
  const addCode = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (code.hotkey && !parseHotkey(code.hotkey)) {
      setError('The hotkey is not valid: use a key such as 1, F2 or Alt+S.');
      return;
    }
    try {
      const body: Record<string, unknown> = { code: code.code.trim(), label: code.label.trim(), isSale: code.isSale, isDnc: code.isDnc, isCallback: code.isCallback, isFinal: code.isFinal };
      if (code.hotkey) body['hotkey'] = code.hotkey.trim();
      if (code.isCallback) body['callbackScope'] = code.callbackScope;
      await api.create(`disposition-sets/${encodeURIComponent(code.setId)}/dispositions`, body);
      setCode({ ...code, code: '', label: '', hotkey: '' });
      sets.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const flag = (k: 'isSale' | 'isDnc' | 'isCallback' | 'isFinal', label: string) => (
    <label class="check">
      <input type="checkbox" checked={code[k]} onChange={(e) => setCode({ ...code, [k]: e.currentTarget.checked })} /> {label}
    </label>
  );

  return (
    <div class="admin-page">
      <h1>Dispositions</h1>
      {admin && (
        <div class="row">
          <form class="panel" onSubmit={createSet} aria-label="New disposition set">
            <h2>New set</h2>
            <label>
              Name
              <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
            </label>
            <button type="submit">Create set</button>
          </form>
          <form class="panel" onSubmit={addCode} aria-label="New disposition code">
            <h2>Add a code</h2>
            <div class="form-grid">
              <label>
                Set
                <select required value={code.setId} onChange={(e) => setCode({ ...code, setId: e.currentTarget.value })}>
                  <option value="">Choose…</option>
                  {(sets.data?.items ?? []).map((s) => (
                    <option value={s.id}>{s.name}</option>
                  ))}
                </select>
              </label>
              <label>
                Code
                <input required pattern="[A-Za-z0-9_\-]{1,32}" value={code.code} onInput={(e) => setCode({ ...code, code: e.currentTarget.value })} />
              </label>
              <label>
                Label
                <input required value={code.label} onInput={(e) => setCode({ ...code, label: e.currentTarget.value })} />
              </label>
              <label>
                Hotkey
                <input value={code.hotkey} placeholder="1, F2, Alt+S" onInput={(e) => setCode({ ...code, hotkey: e.currentTarget.value })} />
              </label>
            </div>
            <div class="row">
              {flag('isSale', 'Sale')}
              {flag('isDnc', 'Adds to DNC')}
              {flag('isCallback', 'Callback')}
              {flag('isFinal', 'Final')}
              {code.isCallback && (
                <label class="inline">
                  Callback by
                  <select value={code.callbackScope} onChange={(e) => setCode({ ...code, callbackScope: e.currentTarget.value })}>
                    <option value="agent">the same agent</option>
                    <option value="anyone">anyone</option>
                  </select>
                </label>
              )}
            </div>
            {error && (
              <p class="form-error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" class="primary">
              Add code
            </button>
          </form>
        </div>
      )}
      {(sets.data?.items ?? []).map((s) => (
        <section class="panel" key={s.id} aria-labelledby={`set-${s.id}`}>
          <h2 id={`set-${s.id}`}>
            {s.name} <small class="muted">{s.id}</small>
          </h2>
          {s.dispositions.length === 0 ? (
            <p class="muted">No codes yet.</p>
          ) : (
            <table class="grid">
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Label</th>
                  <th scope="col">Meaning</th>
                  <th scope="col">Hotkey</th>
                </tr>
              </thead>
              <tbody>
                {s.dispositions.map((d) => (
                  <tr key={d.id}>
                    <td>{d.code}</td>
                    <td>{d.label}</td>
                    <td>{[d.isSale && 'sale', d.isDnc && 'DNC', d.isCallback && `callback (${d.callbackScope ?? 'agent'})`, d.isFinal && 'final'].filter(Boolean).join(', ') || '—'}</td>
                    <td>{d.hotkey ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </div>
  );
}
