import { useState } from 'preact/hooks';
import { ResourcePage } from './ResourcePage.js';

interface Key {
  id: string;
  name: string;
  prefix: string;
  role: string;
  scopes: string[];
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** API keys: created with a role and scopes, shown once, revocable. */
export function ApiKeysPage() {
  const [key, setKey] = useState<string | undefined>();
  return (
    <ResourcePage<Key>
      title="API keys"
      path="api-keys"
      columns={[
        { key: 'name', label: 'Name' },
        { key: 'prefix', label: 'Key starts with', render: (r) => <code>{r.prefix}</code> },
        { key: 'role', label: 'Role' },
        { key: 'scopes', label: 'Scopes', render: (r) => (r.scopes ?? []).join(', ') },
        { key: 'lastUsedAt', label: 'Last used', render: (r) => (r.lastUsedAt ? new Date(r.lastUsedAt).toLocaleString() : 'never') },
        { key: 'revokedAt', label: 'Revoked', render: (r) => (r.revokedAt ? new Date(r.revokedAt).toLocaleString() : '—') },
      ]}
      fields={[
        { name: 'name', label: 'Name', required: true },
        { name: 'role', label: 'Role', type: 'select', options: ['developer', 'supervisor', 'admin'].map((r) => ({ value: r, label: r })) },
        { name: 'scopes', label: 'Scopes (comma-separated, e.g. calls:read, leads:write)', type: 'list', required: true },
      ]}
      createLabel="Create key"
      canDelete
      deleteLabel="Revoke"
      onCreated={(c) => setKey((c as { key?: string }).key)}
    >
      {key && (
        <p class="warn-box" role="status">
          New key (copy it now, it is shown once): <code data-new-key>{key}</code>
        </p>
      )}
    </ResourcePage>
  );
}
