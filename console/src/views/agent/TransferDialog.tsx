import { useEffect, useRef, useState } from 'preact/hooks';
import { useServices } from '../../app/services.js';
import { useLoad } from '../../app/hooks.js';
import { checkPhone } from '../../lib/phone.js';
import { describeError } from '../../lib/toasts.js';

type Kind = 'queue' | 'agent' | 'number';

/** Blind or warm transfer to a queue, an agent or a number; a warm transfer can then complete, cancel or go three-way. */
export function TransferDialog({ callId, onClose }: { callId: string; onClose: () => void }) {
  const { api, toasts } = useServices();
  const dialog = useRef<HTMLDialogElement>(null);
  const [kind, setKind] = useState<Kind>('queue');
  const [target, setTarget] = useState('');
  const [mode, setMode] = useState<'blind' | 'warm'>('blind');
  const [consulting, setConsulting] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const campaigns = useLoad(() => api.campaigns().then((p) => p.items), []);
  const agents = useLoad(() => api.agents().then((p) => p.items), []);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const send = async (action: 'blind' | 'warm' | 'complete' | 'cancel' | 'three_way') => {
    setError(undefined);
    let t: Record<string, string> | undefined;
    if (action === 'blind' || action === 'warm') {
      if (kind === 'number') {
        const c = checkPhone(target);
        if (!c.ok) return setError(c.error);
        t = { kind: 'number', phone: c.e164 };
      } else if (!target) return setError(kind === 'queue' ? 'Pick a queue.' : 'Pick an agent.');
      else t = kind === 'queue' ? { kind: 'queue', campaignId: target } : { kind: 'agent', agentId: target };
    }
    try {
      await api.callAction(callId, 'transfer', t ? { action, target: t } : { action });
      if (action === 'warm') setConsulting(true);
      else {
        toasts.push('info', action === 'cancel' ? 'Transfer cancelled.' : action === 'three_way' ? 'Three-way call started.' : 'Transfer done.');
        onClose();
      }
    } catch (err) {
      setError(describeError(err, 'Transfer refused'));
    }
  };

  return (
    <dialog ref={dialog} class="card" aria-labelledby="transfer-title" onClose={onClose} onCancel={onClose}>
      <h2 id="transfer-title">Transfer the call</h2>
      {!consulting ? (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            void send(mode);
          }}
        >
          <fieldset>
            <legend>Type</legend>
            <label class="check">
              <input type="radio" name="mode" checked={mode === 'blind'} onChange={() => setMode('blind')} /> Blind (hand over now)
            </label>
            <label class="check">
              <input type="radio" name="mode" checked={mode === 'warm'} onChange={() => setMode('warm')} /> Warm (talk to the target first)
            </label>
          </fieldset>
          <label>
            Transfer to
            <select value={kind} onChange={(e) => (setKind(e.currentTarget.value as Kind), setTarget(''))}>
              <option value="queue">A queue (campaign or inbound group)</option>
              <option value="agent">An agent</option>
              <option value="number">A phone number</option>
            </select>
          </label>
          {kind === 'queue' && (
            <label>
              Queue
              <select value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
                <option value="">Choose…</option>
                {(campaigns.data ?? []).map((c) => (
                  <option value={c.id}>{c.name}</option>
                ))}
              </select>
            </label>
          )}
          {kind === 'agent' && (
            <label>
              Agent
              <select value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
                <option value="">Choose…</option>
                {(agents.data ?? []).map((a) => (
                  <option value={a.id}>
                    {a.name} ({a.extension})
                  </option>
                ))}
              </select>
            </label>
          )}
          {kind === 'number' && (
            <label>
              Number
              <input type="tel" value={target} onInput={(e) => setTarget(e.currentTarget.value)} autoComplete="off" />
            </label>
          )}
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
          <div class="row">
            <button type="submit" class="primary">
              {mode === 'blind' ? 'Transfer' : 'Call the target'}
            </button>
            <button type="button" onClick={onClose}>
              Close
            </button>
          </div>
        </form>
      ) : (
        <div>
          <p role="status">Consulting the target. The customer is on hold.</p>
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
          <div class="row">
            <button type="button" class="primary" onClick={() => void send('complete')}>
              Complete transfer
            </button>
            <button type="button" onClick={() => void send('three_way')}>
              Three-way
            </button>
            <button type="button" onClick={() => void send('cancel')}>
              Cancel, back to the customer
            </button>
          </div>
        </div>
      )}
    </dialog>
  );
}
