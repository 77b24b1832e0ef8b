import { ADMIN_SECTIONS, type AdminSection } from '../../app/route.js';
import { ListsPage } from './ListsPage.js';
import { ResourcePage } from './ResourcePage.js';
import { WebhooksPage } from './WebhooksPage.js';
import { ApiKeysPage } from './ApiKeysPage.js';
import { DispositionsPage } from './DispositionsPage.js';
import { DncPage } from './DncPage.js';

const TITLES: Record<AdminSection, string> = {
  campaigns: 'Campaigns',
  lists: 'Lists',
  users: 'Users',
  agents: 'Agents',
  dnc: 'Do not call',
  dispositions: 'Dispositions',
  webhooks: 'Webhooks',
  'api-keys': 'API keys',
};

const opt = (xs: readonly string[]) => xs.map((x) => ({ value: x, label: x }));
const date = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toLocaleString() : '—');

/** The admin pages: plain tables and forms over the REST API. */
export function AdminPage({ section, role }: { section: AdminSection; role: string }) {
  return (
    <div class="admin">
      <nav class="admin-nav" aria-label="Admin sections">
        <ul>
          {ADMIN_SECTIONS.map((s) => (
            <li key={s}>
              <a href={`#/admin/${s}`} aria-current={s === section ? 'page' : undefined}>
                {TITLES[s]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="admin-body">{body(section, role)}</div>
    </div>
  );
}

function body(section: AdminSection, role: string) {
  const admin = role === 'admin';
  switch (section) {
    case 'campaigns':
      return (
        <ResourcePage<{ id: string; name: string; status: string; kind: string; dialMode: string; targetAbandonRate: number; wrapupS: number }>
          title="Campaigns"
          path="campaigns"
          columns={[
            { key: 'name', label: 'Name' },
            { key: 'status', label: 'Status' },
            { key: 'kind', label: 'Kind' },
            { key: 'dialMode', label: 'Dial mode' },
            { key: 'targetAbandonRate', label: 'Drop target', render: (r) => `${((r.targetAbandonRate ?? 0) * 100).toFixed(1)}%` },
            { key: 'wrapupS', label: 'Wrap-up (s)' },
          ]}
          fields={
            admin
              ? [
                  { name: 'name', label: 'Name', required: true },
                  { name: 'kind', label: 'Kind', type: 'select', options: opt(['outbound', 'inbound', 'blended']) },
                  { name: 'dialMode', label: 'Dial mode', type: 'select', options: opt(['manual', 'preview', 'progressive', 'ratio', 'predictive']) },
                  { name: 'wrapupS', label: 'Wrap-up seconds', type: 'number' },
                ]
              : []
          }
          createLabel="Create campaign"
          canDelete={admin}
        >
          <p class="muted">Start, pause and stop campaigns, and change their dial mode and drop target, from the wallboard.</p>
        </ResourcePage>
      );
    case 'lists':
      return <ListsPage />;
    case 'users':
      return (
        <ResourcePage<{ id: string; email: string; name: string; role: string; status: string; lastLoginAt: number | null }>
          title="Users"
          path="users"
          columns={[
            { key: 'name', label: 'Name' },
            { key: 'email', label: 'E-mail' },
            { key: 'role', label: 'Role' },
            { key: 'status', label: 'Status' },
            { key: 'lastLoginAt', label: 'Last login', render: (r) => date(r.lastLoginAt) },
          ]}
          fields={
            admin
              ? [
                  { name: 'name', label: 'Name', required: true },
                  { name: 'email', label: 'E-mail', type: 'email', required: true },
                  { name: 'role', label: 'Role', type: 'select', options: opt(['agent', 'supervisor', 'admin', 'developer']), required: true },
                  { name: 'password', label: 'Password (10+ characters)', type: 'password' },
                ]
              : []
          }
          createLabel="Add user"
          canDelete={admin}
        />
      );
    case 'agents':
      return (
        <ResourcePage<{ id: string; name: string; email: string; extension: string; teamId: string | null; phoneKind: string; status: string; campaignIds: string[] }>
          title="Agents"
          path="agents"
          columns={[
            { key: 'name', label: 'Name' },
            { key: 'extension', label: 'Extension' },
            { key: 'phoneKind', label: 'Phone' },
            { key: 'status', label: 'Status' },
            { key: 'campaignIds', label: 'Campaigns', render: (r) => String(r.campaignIds?.length ?? 0) },
          ]}
          fields={
            admin
              ? [
                  { name: 'userId', label: 'User id (a user with the agent role)', required: true },
                  { name: 'extension', label: 'Extension', required: true },
                  { name: 'teamId', label: 'Team id' },
                  { name: 'phoneKind', label: 'Phone', type: 'select', options: opt(['webrtc', 'sip']) },
                ]
              : []
          }
          createLabel="Add agent"
          canDelete={admin}
        />
      );
    case 'dnc':
      return <DncPage />;
    case 'dispositions':
      return <DispositionsPage admin={admin} />;
    case 'webhooks':
      return <WebhooksPage />;
    case 'api-keys':
      return <ApiKeysPage />;
  }
}
