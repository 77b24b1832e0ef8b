import { useState } from 'preact/hooks';
import { useServices } from '../../app/services.js';
import { useLoad } from '../../app/hooks.js';
import { describeError } from '../../lib/toasts.js';
import { ResourcePage } from './ResourcePage.js';

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
}

interface Delivery {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
}

/** Webhook endpoints, each with its delivery log and a replay button for failed deliveries. */
export function WebhooksPage() {
  const [open, setOpen] = useState<string | undefined>();
  const [secret, setSecret] = useState<string | undefined>();
  return (
    <ResourcePage<Endpoint>
      title="Webhooks"
      path="webhooks/endpoints"
      columns={[
        { key: 'url', label: 'URL' },
        { key: 'eventTypes', label: 'Events', render: (r) => (r.eventTypes ?? []).join(', ') || 'all' },
        { key: 'enabled', label: 'Enabled', render: (r) => (r.enabled ? 'yes' : 'no') },
      ]}
      fields={[
        { name: 'url', label: 'URL', type: 'url', required: true, placeholder: 'https://example.com/hooks/dialer' },
        { name: 'eventTypes', label: 'Event types (comma-separated)', type: 'list', placeholder: 'call.ended, lead.disposed' },
        { name: 'description', label: 'Description' },
      ]}
      createLabel="Add endpoint"
      canDelete
      onCreated={(c) => setSecret((c as { secret?: string }).secret)}
      rowActions={(r) => (
        <button type="button" class="small" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? undefined : r.id)}>
          Deliveries
        </button>
      )}
    >
      {secret && (
        <p class="warn-box" role="status">
          Signing secret (shown once): <code>{secret}</code>
        </p>
      )}
      {open && <Deliveries endpointId={open} />}
    </ResourcePage>
  );
}

function Deliveries({ endpointId }: { endpointId: string }) {
  const { api, toasts } = useServices();
  const list = useLoad(() => api.c.get<{ items: Delivery[]; nextCursor: string | null }>('/api/v1/webhooks/deliveries', { endpointId, limit: 100 }), [endpointId]);
  const replay = async (id: string) => {
    try {
      await api.create(`webhooks/deliveries/${encodeURIComponent(id)}/replay`, {});
      toasts.push('success', 'Delivery queued again.');
      list.reload();
    } catch (err) {
      toasts.push('error', describeError(err, 'Replay refused'));
    }
  };
  return (
    <section class="panel" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Delivery log</h2>
      {list.loading && <p aria-busy="true">Loading…</p>}
      {list.data && list.data.items.length === 0 && <p class="muted">No deliveries yet.</p>}
      {list.data && list.data.items.length > 0 && (
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((d) => (
              <tr key={d.id}>
                <td>{new Date(d.createdAt).toLocaleString()}</td>
                <td>{d.eventType}</td>
                <td>{d.status}</td>
                <td class="num">{d.attempts}</td>
                <td>{d.lastStatusCode ?? d.lastError ?? '—'}</td>
                <td>
                  {d.status !== 'delivered' && (
                    <button type="button" class="small" onClick={() => void replay(d.id)}>
                      Replay
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
