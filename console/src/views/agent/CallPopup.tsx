import { useEffect, useState } from 'preact/hooks';
import { useServices } from '../../app/services.js';
import { useLoad } from '../../app/hooks.js';
import { leadIdOf, type AgentCall } from '../../lib/agent-session.js';
import { formatPhone } from '../../lib/phone.js';
import { fillScript } from '../../lib/script.js';
import type { Campaign } from '../../api.js';

const HIDDEN = new Set(['custom', 'tenant_id', 'tenantId', 'claimed_by', 'claimedBy', 'claimed_until', 'claimedUntil', 'alt_phones', 'altPhones']);
const FIRST = ['first_name', 'firstName', 'last_name', 'lastName', 'phone', 'email', 'address', 'city', 'state', 'postal_code', 'postalCode', 'country', 'timezone'];

function human(key: string): string {
  const s = key.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The lead's custom fields, whether they came as an object or as JSON text. */
export function customFields(lead: Record<string, unknown> | undefined): Record<string, unknown> {
  const c = lead?.['custom'];
  if (c && typeof c === 'object') return c as Record<string, unknown>;
  if (typeof c === 'string') {
    try {
      const o = JSON.parse(c) as unknown;
      return o && typeof o === 'object' ? (o as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return {};
}

/** The call pop-up: who the customer is, what happened before, and the script. */
export function CallPopup({ call, campaign }: { call: AgentCall; campaign: Campaign | undefined }) {
  const { api } = useServices();
  const lead = call.lead ?? {};
  const leadId = leadIdOf(call.leadId ?? lead['id']);
  const history = useLoad(() => (leadId !== undefined ? api.callsOfLead(leadId).then((p) => p.items.filter((c) => c.id !== call.callId)) : Promise.resolve([])), [leadId, call.callId]);
  const template = call.script ?? campaign?.script ?? '';
  const filled = fillScript(template, { ...lead, ...customFields(lead), custom: customFields(lead) });
  const [editing, setEditing] = useState(false);
  const [script, setScript] = useState(filled);
  useEffect(() => {
    if (!editing) setScript(filled);
  }, [filled]);

  const keys = [...FIRST.filter((k) => k in lead), ...Object.keys(lead).filter((k) => !FIRST.includes(k) && !HIDDEN.has(k))];
  const custom = customFields(lead);
  const name = [lead['first_name'] ?? lead['firstName'], lead['last_name'] ?? lead['lastName']].filter(Boolean).join(' ');

  return (
    <div class="popup" data-call-id={call.callId}>
      <h3 class="lead-name">
        {name || (call.phone ? formatPhone(call.phone) : 'Unknown caller')}
        <small class="muted"> · {call.direction}{campaign ? ` · ${campaign.name}` : ''}</small>
      </h3>
      <div class="popup-cols">
        <section aria-labelledby="lead-title">
          <h4 id="lead-title">Lead</h4>
          {keys.length === 0 && <p class="muted">No lead details for this call.</p>}
          <dl class="fields">
            {keys.map((k) => (
              <>
                <dt>{human(k)}</dt>
                <dd>{k === 'phone' && typeof lead[k] === 'string' ? formatPhone(lead[k] as string) : show(lead[k])}</dd>
              </>
            ))}
          </dl>
          {Object.keys(custom).length > 0 && (
            <>
              <h4>Custom fields</h4>
              <dl class="fields">
                {Object.entries(custom).map(([k, v]) => (
                  <>
                    <dt>{human(k)}</dt>
                    <dd>{show(v)}</dd>
                  </>
                ))}
              </dl>
            </>
          )}
        </section>
        <section aria-labelledby="history-title">
          <h4 id="history-title">History</h4>
          {history.loading && <p aria-busy="true">Loading…</p>}
          {!history.loading && (history.data ?? []).length === 0 && <p class="muted">No earlier calls.</p>}
          <ul class="history">
            {(history.data ?? []).map((c) => (
              <li key={c.id}>
                <time dateTime={new Date(c.createdAt).toISOString()}>{new Date(c.createdAt).toLocaleString()}</time> — {c.outcome ?? c.state}
                {c.disposition && <strong> · {c.disposition}</strong>}
                {c.notes && <p class="note">{c.notes}</p>}
              </li>
            ))}
          </ul>
        </section>
      </div>
      <section aria-labelledby="script-title" class="script">
        <div class="row">
          <h4 id="script-title">Script</h4>
          <button type="button" class="small" aria-pressed={editing} onClick={() => setEditing(!editing)}>
            {editing ? 'Done editing' : 'Edit'}
          </button>
        </div>
        {editing ? (
          <textarea aria-label="Script text" rows={8} value={script} onInput={(e) => setScript(e.currentTarget.value)} />
        ) : (
          <div class="script-text">{script || <span class="muted">This campaign has no script.</span>}</div>
        )}
      </section>
    </div>
  );
}
