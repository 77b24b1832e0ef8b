import type { BoardAgent } from '../../lib/wallboard.js';
import { formatDuration } from '../../lib/countdown.js';
import type { Campaign } from '../../api.js';

const LABEL: Record<string, string> = { ready: 'Ready', paused: 'Paused', on_call: 'On call', wrap_up: 'Wrap-up' };
const ORDER: Record<string, number> = { on_call: 0, wrap_up: 1, ready: 2, paused: 3 };

/** Agents by state with time in state (longest first within a state, so stuck agents stand out). */
export function AgentsTable({ agents, now, campaigns }: { agents: BoardAgent[]; now: number; campaigns: Campaign[] }) {
  const sorted = [...agents].sort((a, b) => (ORDER[a.state] ?? 9) - (ORDER[b.state] ?? 9) || a.sinceMs - b.sinceMs);
  const name = (id: string) => campaigns.find((c) => c.id === id)?.name ?? id;
  return (
    <section class="panel" aria-labelledby="agents-title">
      <h2 id="agents-title">Agents</h2>
      {sorted.length === 0 ? (
        <p class="muted">No agents signed in.</p>
      ) : (
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">State</th>
              <th scope="col">Time in state</th>
              <th scope="col">Campaigns</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((a) => (
              <tr key={a.agentId} data-agent-id={a.agentId} data-state={a.state}>
                <th scope="row">{a.name ?? a.agentId}</th>
                <td>
                  <span class={`state-badge`} data-state={a.state}>
                    {LABEL[a.state] ?? a.state}
                    {a.reason ? ` (${a.reason})` : ''}
                  </span>
                </td>
                <td class="num">{formatDuration(now - a.sinceMs)}</td>
                <td>{a.campaignIds.map(name).join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
