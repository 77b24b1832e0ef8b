import { useEffect, useRef, useState } from 'preact/hooks';
import { useServices } from '../../app/services.js';
import type { AgentCall, AgentSession } from '../../lib/agent-session.js';
import type { HotkeyMap } from '../../lib/hotkeys.js';
import { describeError } from '../../lib/toasts.js';
import { checkCallback } from '../../lib/callback.js';
import type { Disposition, DispositionInput } from '../../api.js';
import type { AgentHotkey } from './AgentPage.js';
import { PAUSE_REASONS } from './StateBar.js';


/** The disposition: the campaign's codes (with hotkeys), notes, and a callback when the code asks for one. */
export function DispositionForm(p: {
  call: AgentCall;
  session: AgentSession;
  dispositions: Disposition[];
  loading: boolean;
  focusSignal: number;
  hotPick: string | undefined;
  hotkeys: HotkeyMap<AgentHotkey>;
  onDone: (pauseReason?: string) => Promise<void>;
}) {
  const { api, toasts } = useServices();
  const [code, setCode] = useState<string>('');
  const [notes, setNotes] = useState('');
  const [date, setDate] = useState('');
  const [time, setTime] = useState('');
  const [scope, setScope] = useState<'agent' | 'anyone'>('agent');
  const [pauseAfter, setPauseAfter] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  const form = useRef<HTMLFormElement>(null);

  const chosen = p.dispositions.find((d) => d.code === code);
  const needsCallback = !!chosen?.isCallback;

  useEffect(() => {
    if (p.focusSignal > 0) (form.current?.querySelector('input[name="dispo"]:checked') as HTMLInputElement | null ?? first.current)?.focus();
  }, [p.focusSignal]);
  useEffect(() => {
    if (!p.hotPick) return;
    setCode(p.hotPick);
    const d = p.dispositions.find((x) => x.code === p.hotPick);
    if (d?.callbackScope === 'anyone') setScope('anyone');
    (form.current?.querySelector(`input[value="${CSS.escape(p.hotPick)}"]`) as HTMLInputElement | null)?.focus();
  }, [p.hotPick]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (!code) return setError('Choose a disposition.');
    const input: DispositionInput = { code };
    if (notes.trim()) input.notes = notes.trim();
    if (needsCallback) {
      const cb = checkCallback(date, time, Date.now());
      if ('error' in cb) return setError(cb.error);
      input.callbackAt = cb.at;
      input.callbackScope = scope;
    }
    setBusy(true);
    try {
      const r = await api.dispose(p.call.callId, input);
      p.session.disposed(code);
      toasts.push('success', `Disposed as ${chosen?.label ?? code}.${r.dncAdded ? ' The number was added to the do-not-call list.' : ''}${r.callbackId ? ' Callback scheduled.' : ''}`);
      await p.onDone(pauseAfter || undefined);
    } catch (err) {
      setError(describeError(err, 'Disposition not saved'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel dispo-panel" aria-labelledby="dispo-title">
      <h2 id="dispo-title">
        Disposition <kbd>{p.hotkeys.labelOf('dispose')}</kbd>
      </h2>
      <form ref={form} onSubmit={submit}>
        <fieldset>
          <legend>Result of the call</legend>
          {p.loading && <p aria-busy="true">Loading codes…</p>}
          {!p.loading && p.dispositions.length === 0 && <p class="muted">This campaign has no disposition codes.</p>}
          <div class="dispo-codes">
            {p.dispositions.map((d, i) => (
              <label class={`check dispo ${code === d.code ? 'chosen' : ''}`} key={d.id}>
                <input ref={i === 0 ? first : undefined} type="radio" name="dispo" value={d.code} checked={code === d.code} onChange={() => setCode(d.code)} />
                {d.label} <small class="muted">{d.code}</small>
                {d.hotkey && <kbd>{d.hotkey}</kbd>}
              </label>
            ))}
          </div>
        </fieldset>
        {needsCallback && (
          <fieldset>
            <legend>Callback</legend>
            <div class="row">
              <label>
                Date
                <input type="date" value={date} required onInput={(e) => setDate(e.currentTarget.value)} />
              </label>
              <label>
                Time
                <input type="time" value={time} required onInput={(e) => setTime(e.currentTarget.value)} />
              </label>
              <label>
                Who calls back
                <select value={scope} onChange={(e) => setScope(e.currentTarget.value as 'agent' | 'anyone')}>
                  <option value="agent">Only me</option>
                  <option value="anyone">Anyone</option>
                </select>
              </label>
            </div>
          </fieldset>
        )}
        <label>
          Notes
          <textarea name="notes" rows={3} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
        </label>
        <label class="inline">
          After this call
          <select value={pauseAfter} onChange={(e) => setPauseAfter(e.currentTarget.value)}>
            <option value="">Ready for the next call</option>
            {PAUSE_REASONS.map((r) => (
              <option value={r.code}>Pause: {r.label}</option>
            ))}
          </select>
        </label>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || !!p.call.disposition}>
          {busy ? 'Saving…' : 'Save disposition'}
        </button>
      </form>
    </section>
  );
}
