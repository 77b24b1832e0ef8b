import { useServices } from '../../app/services.js';
import { describeError } from '../../lib/toasts.js';
import { ResourcePage } from './ResourcePage.js';

interface Entry {
  id: string;
  phone: string;
  scope: string;
  campaignId: string | null;
  isPrefix: boolean;
  source: string;
  reason: string | null;
  createdAt: number;
}

/** The tenant's and campaigns' do-not-call lists: numbers and area-code wildcards. */
export function DncPage() {
  const { api, toasts } = useServices();
  return (
    <ResourcePage<Entry>
      title="Do not call"
      path="dnc"
      columns={[
        { key: 'phone', label: 'Number or wildcard', render: (r) => (r.isPrefix ? `${r.phone}*` : r.phone) },
        { key: 'scope', label: 'Scope' },
        { key: 'campaignId', label: 'Campaign' },
        { key: 'source', label: 'Source' },
        { key: 'reason', label: 'Reason' },
        { key: 'createdAt', label: 'Added', render: (r) => new Date(r.createdAt).toLocaleString() },
      ]}
      fields={[
        { name: 'phone', label: 'Number, or an area-code wildcard such as +1212*', type: 'tel', required: true, placeholder: '+12125550100' },
        { name: 'scope', label: 'Scope', type: 'select', options: [{ value: 'tenant', label: 'Whole organisation' }, { value: 'campaign', label: 'One campaign' }] },
        { name: 'campaignId', label: 'Campaign id (campaign scope)' },
        { name: 'reason', label: 'Reason' },
      ]}
      createLabel="Add to DNC"
      rowActions={(r, reload) => (
        <button
          type="button"
          class="small danger"
          onClick={() =>
            void api.dncRemove(r).then(
              () => reload(),
              (err: unknown) => toasts.push('error', describeError(err, 'Remove refused')),
            )
          }
        >
          Remove
        </button>
      )}
    />
  );
}
