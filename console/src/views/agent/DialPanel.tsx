import { useEffect, useState } from 'preact/hooks';
import { useServices } from '../../app/services.js';
import type { AgentSession } from '../../lib/agent-session.js';
import { ApiError } from '../../lib/api-client.js';
import { checkPhone, formatPhone } from '../../lib/phone.js';
import { describeError } from '../../lib/toasts.js';
import type { Campaign, PreviewLead } from '../../api.js';

/** Between calls: manual dial (validated, with a DNC warning) and, in preview campaigns, the next lead with dial and skip. */
export function DialPanel({ session, campaign }: { session: AgentSession; campaign: Campaign | undefined }) {
  const { api, toasts } = useServices();
  const [number, setNumber] = useState('');
  const [touched, setTouched] = useState(false);
  const [dnc, setDnc] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<PreviewLead | undefined>();
  const check = checkPhone(number);
  const previewMode = campaign?.dialMode === 'preview';

  // The DNC lookup runs while the agent types (debounced); the server checks again when dialling.
  useEffect(() => {
    setDnc(undefined);
    if (!check.ok) return undefined;
    const t = setTimeout(() => {
      api.dncCheck(check.e164, campaign?.id).then(
        (r) => setDnc(r.dnc ? `This number is on the ${r.scope ? `${r.scope} ` : ''}do-not-call list.` : undefined),
        () => setDnc(undefined),
      );
    }, 300);
    return () => clearTimeout(t);
  }, [check.ok ? check.e164 : '', campaign?.id]);

  const dial = async (phone: string, leadId?: number) => {
    setBusy(true);
    try {
      const body: { phone: string; campaignId?: string; leadId?: number } = { phone };
      if (campaign) body.campaignId = campaign.id;
      if (leadId !== undefined) body.leadId = leadId;
      await api.dial(body);
      setNumber('');
      setTouched(false);
      setPreview(undefined);
    } catch (err) {
      toasts.push('error', describeError(err, 'Dial refused'), err instanceof ApiError ? `dial:${err.code}` : undefined);
    } finally {
      setBusy(false);
    }
  };

  const nextLead = async () => {
    if (!campaign) return;
    setBusy(true);
    try {
      const next = await api.nextPreviewLead(campaign.id);
      setPreview(next.lead ? next : undefined);
      session.preview(next.lead ?? undefined);
      if (!next.lead) toasts.push('info', 'No lead is ready to preview right now.');
    } catch (err) {
      toasts.push('error', describeError(err, 'Could not get the next lead'));
    } finally {
      setBusy(false);
    }
  };

  const skip = async () => {
    if (!campaign || !preview?.lead) return;
    try {
      await api.skipLead(campaign.id, preview.lead.id);
    } catch (err) {
      toasts.push('error', describeError(err, 'Skip refused'));
      return;
    }
    await nextLead();
  };

  // The server checks the reserved lead again (DNC, calling window) and dials it as this agent.
  const dialPreview = async (leadId: number) => {
    if (!campaign) return;
    setBusy(true);
    try {
      await api.previewDial(campaign.id, leadId);
      setPreview(undefined);
    } catch (err) {
      toasts.push('error', describeError(err, 'Dial refused'), err instanceof ApiError ? `dial:${err.code}` : undefined);
      // A refused lead went back to the hopper: show the next one.
      if (err instanceof ApiError && (err.code === 'DIALER_ERR_DNC' || err.code === 'DIALER_ERR_CALL_WINDOW' || err.code === 'DIALER_ERR_CONFLICT')) {
        setPreview(undefined);
        session.preview(undefined);
      }
    } finally {
      setBusy(false);
    }
  };

  const ready = session.state === 'ready' || session.state === 'paused';
  return (
    <div class="dial">
      <p class="muted">{session.state === 'ready' ? 'Waiting for a call…' : 'No call.'}</p>
      {previewMode && (
        <section aria-labelledby="preview-title" class="preview">
          <h3 id="preview-title">Preview</h3>
          {preview?.lead ? (
            <div data-preview-lead={preview.lead.id}>
              <p>
                <strong>{[preview.lead.firstName, preview.lead.lastName].filter(Boolean).join(' ') || 'Lead'}</strong> · {formatPhone(preview.dialPhone ?? preview.lead.phone)}
                {preview.lead.attempts !== undefined && <span class="muted"> · {preview.lead.attempts} earlier attempts</span>}
              </p>
              {preview.callback && (
                <p class="muted" data-preview-callback={preview.callback.id}>
                  Callback{preview.callback.agentOnly ? ' for you' : ''}
                  {preview.callback.notes ? `: ${preview.callback.notes}` : ''}
                </p>
              )}
              <div class="row">
                <button type="button" class="primary" disabled={busy} onClick={() => void dialPreview(preview.lead!.id)}>
                  Dial
                </button>
                <button type="button" disabled={busy} onClick={() => void skip()}>
                  Skip
                </button>
              </div>
            </div>
          ) : (
            <button type="button" disabled={busy || !ready} onClick={() => void nextLead()}>
              Show next lead
            </button>
          )}
        </section>
      )}
      <form
        class="manual"
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (check.ok) void dial(check.e164);
        }}
      >
        <label>
          Manual dial
          <input
            type="tel"
            name="manual-number"
            value={number}
            autoComplete="off"
            aria-invalid={touched && !check.ok}
            aria-describedby="manual-help"
            onInput={(e) => setNumber(e.currentTarget.value)}
            onBlur={() => setTouched(number !== '')}
          />
        </label>
        <p id="manual-help" class={touched && !check.ok ? 'form-error' : 'muted'} role={touched && !check.ok ? 'alert' : undefined}>
          {touched && !check.ok ? check.error : check.ok ? `Will dial ${formatPhone(check.e164)}` : 'Digits, with + and the country code for other countries.'}
        </p>
        {dnc && (
          <p class="warn-box" role="alert" data-dnc="yes">
            {dnc} Dialling it will be refused.
          </p>
        )}
        <button type="submit" disabled={busy || !ready}>
          Dial
        </button>
      </form>
    </div>
  );
}
