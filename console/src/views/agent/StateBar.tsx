import { useState } from 'preact/hooks';
import { useNow } from '../../app/hooks.js';
import type { AgentSession } from '../../lib/agent-session.js';
import { formatDuration, wrapUpCountdown } from '../../lib/countdown.js';
import type { HotkeyMap } from '../../lib/hotkeys.js';
import type { Campaign } from '../../api.js';
import type { AgentHotkey } from './AgentPage.js';

/** Pause reason codes (VICIdial-style), shown by label. */
export const PAUSE_REASONS = [
  { code: 'BREAK', label: 'Break' },
  { code: 'LUNCH', label: 'Lunch' },
  { code: 'MEETING', label: 'Meeting' },
  { code: 'TRAINING', label: 'Training' },
  { code: 'TECH', label: 'Technical problem' },
] as const;

const LABEL: Record<string, string> = { logged_out: 'Logged out', ready: 'Ready', paused: 'Paused', on_call: 'On call', wrap_up: 'Wrap-up' };

/** The agent's state, time in state, the wrap-up countdown, and the ready/pause controls. */
export function StateBar(p: {
  session: AgentSession;
  campaigns: Campaign[];
  hotkeys: HotkeyMap<AgentHotkey>;
  onReady: () => Promise<void>;
  onPause: (reason: string) => Promise<void>;
  onLogout: () => Promise<void>;
}) {
  const now = useNow(250);
  const s = p.session;
  const [reason, setReason] = useState<string>(PAUSE_REASONS[0].code);
  const [busy, setBusy] = useState(false);
  const run = (f: () => Promise<void>) => async () => {
    setBusy(true);
    try {
      await f();
    } catch {
      // The action reported its error as a notice.
    } finally {
      setBusy(false);
    }
  };
  // The limit comes with the wrap-up state; the campaign's setting is the fallback.
  const limitS = s.wrapUpS ?? p.campaigns.find((c) => c.id === s.call?.campaignId)?.wrapupS ?? p.campaigns.find((c) => s.campaignIds.includes(c.id))?.wrapupS ?? undefined;
  const cd = s.state === 'wrap_up' ? wrapUpCountdown(s.sinceMs, limitS, now) : null;
  const names = p.campaigns.filter((c) => s.campaignIds.includes(c.id)).map((c) => c.name);
  return (
    <section class={`panel statebar state-${s.state}`} aria-label="Agent state">
      <div class="state-now">
        <span class="state-badge" data-state={s.state} role="status" aria-live="polite">
          {LABEL[s.state] ?? s.state}
          {s.state === 'paused' && s.reason ? ` (${PAUSE_REASONS.find((r) => r.code === s.reason)?.label ?? s.reason})` : ''}
        </span>
        <span class="timer" aria-label="Time in state">
          {formatDuration(Math.max(0, now - s.sinceMs))}
        </span>
        {cd && (
          <span class={`countdown ${cd.warning ? 'warn' : ''} ${cd.expired ? 'expired' : ''}`} role="timer" aria-label="Wrap-up time left" data-countdown={cd.remainingS}>
            Wrap-up: {cd.remainingS}s left
            <progress max={1} value={cd.fraction} aria-hidden="true" />
          </span>
        )}
        {names.length > 0 && <span class="muted">Campaigns: {names.join(', ')}</span>}
      </div>
      <div class="state-actions">
        <button type="button" class="primary" onClick={run(p.onReady)} disabled={busy || s.state === 'ready' || s.state === 'on_call' || (s.state === 'wrap_up' && !!s.call && !s.call.disposition)} aria-keyshortcuts={p.hotkeys.labelOf('ready')}>
          Ready <kbd>{p.hotkeys.labelOf('ready')}</kbd>
        </button>
        <label class="inline">
          Pause reason
          <select value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
            {PAUSE_REASONS.map((r) => (
              <option value={r.code}>{r.label}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={run(() => p.onPause(reason))} disabled={busy || s.state === 'paused' || s.state === 'on_call'} aria-keyshortcuts={p.hotkeys.labelOf('pause')}>
          Pause <kbd>{p.hotkeys.labelOf('pause')}</kbd>
        </button>
        <button type="button" onClick={run(p.onLogout)} disabled={busy || s.state === 'on_call'}>
          Sign out of phone
        </button>
      </div>
    </section>
  );
}
