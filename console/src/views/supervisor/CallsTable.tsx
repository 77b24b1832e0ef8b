import type { BoardAgent, BoardCall } from '../../lib/wallboard.js';
import { formatDuration } from '../../lib/countdown.js';
import { formatPhone } from '../../lib/phone.js';
import type { Monitor } from './monitor.js';

/** Live calls with a transcript peek and the listen, whisper and barge controls. */
export function CallsTable(p: { calls: BoardCall[]; agents: Map<string, BoardAgent>; names: Map<string, string>; now: number; monitor: Monitor }) {
  const calls = [...p.calls].sort((a, b) => a.sinceMs - b.sinceMs);
  return (
    <section class="panel" aria-labelledby="calls-title">
      <h2 id="calls-title">Live calls</h2>
      {calls.length === 0 ? (
        <p class="muted">No live calls.</p>
      ) : (
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Agent</th>
              <th scope="col">State</th>
              <th scope="col">Time</th>
              <th scope="col">Transcript</th>
              <th scope="col">Monitor</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((c) => {
              const agentName = c.agentId ? (p.names.get(c.agentId) ?? p.agents.get(c.agentId)?.name ?? c.agentId) : '—';
              const mine = p.monitor.active?.callId === c.callId ? p.monitor.active.mode : undefined;
              const canMonitor = c.state === 'connected' || c.state === 'held';
              return (
                <tr key={c.callId} data-call-id={c.callId} data-state={c.state} class={c.state === 'ended' ? 'ended' : ''}>
                  <th scope="row">{c.phone ? formatPhone(c.phone) : c.callId.slice(0, 8)}</th>
                  <td>{agentName}</td>
                  <td>
                    {c.state}
                    {c.queuePosition !== undefined ? ` (#${c.queuePosition + 1})` : ''}
                    {c.monitoredAs ? ` · ${c.monitoredAs}` : ''}
                  </td>
                  <td class="num">{formatDuration(p.now - c.sinceMs)}</td>
                  <td class="peek">{c.peek ? <span class={`speaker-${c.peek.speaker} ${c.peek.final ? '' : 'interim'}`}>{c.peek.text}</span> : <span class="muted">—</span>}</td>
                  <td class="actions">
                    {(['listen', 'whisper', 'barge'] as const).map((m) => (
                      <button
                        type="button"
                        class="small"
                        aria-pressed={mine === m}
                        disabled={!canMonitor || p.monitor.busy}
                        aria-label={`${m[0]!.toUpperCase()}${m.slice(1)} on the call with ${c.phone ?? c.callId}`}
                        onClick={() => void p.monitor.start(c.callId, m)}
                      >
                        {m[0]!.toUpperCase() + m.slice(1)}
                      </button>
                    ))}
                    {mine && (
                      <button type="button" class="small danger" onClick={() => void p.monitor.stop()}>
                        Stop
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {p.monitor.active && (
        <p class="monitor-status" role="status" data-monitor={p.monitor.active.mode} data-audio={p.monitor.audio}>
          {p.monitor.active.mode === 'listen' ? 'Listening' : p.monitor.active.mode === 'whisper' ? 'Whispering to the agent' : 'Barged in: you are on the call'} · audio {p.monitor.audio}
          {p.monitor.inboundPackets > 0 ? ` · ${p.monitor.inboundPackets} packets in` : ''}
        </p>
      )}
    </section>
  );
}
