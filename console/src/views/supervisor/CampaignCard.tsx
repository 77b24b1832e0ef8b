import { useRef, useState } from 'preact/hooks';
import { useServices } from '../../app/services.js';
import type { CampaignStats, Point } from '../../lib/wallboard.js';
import { describeError } from '../../lib/toasts.js';
import type { Campaign } from '../../api.js';
import { AbandonChart } from './Charts.js';

const pct = (v: number | undefined | null) => (v === undefined || v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const MODES = ['manual', 'preview', 'progressive', 'ratio', 'predictive'] as const;

type Pending = { title: string; text: string; run: () => Promise<unknown> };

/** One campaign: live figures against target, a chart, and controls that ask for confirmation. */
export function CampaignCard({ campaign, status, stats, series, onChanged }: { campaign: Campaign; status: string; stats: (CampaignStats & { atMs: number }) | undefined; series: Point[]; onChanged: () => void }) {
  const { api, toasts } = useServices();
  const dialog = useRef<HTMLDialogElement>(null);
  const [pending, setPending] = useState<Pending | undefined>();
  const [mode, setMode] = useState(campaign.dialMode ?? 'predictive');
  const [target, setTarget] = useState(String(((campaign.targetAbandonRate ?? 0.03) * 100).toFixed(1)));
  const tgt = stats?.targetAbandonRate ?? campaign.targetAbandonRate ?? 0.03;

  const ask = (p: Pending) => {
    setPending(p);
    requestAnimationFrame(() => dialog.current?.showModal());
  };
  const confirm = async () => {
    const p = pending;
    dialog.current?.close();
    setPending(undefined);
    if (!p) return;
    try {
      await p.run();
      toasts.push('success', `${campaign.name}: ${p.title.toLowerCase()} done.`);
      onChanged();
    } catch (err) {
      toasts.push('error', describeError(err, `${campaign.name}: ${p.title.toLowerCase()} refused`));
    }
  };
  const action = (a: 'start' | 'pause' | 'stop') =>
    ask({ title: `${a[0]!.toUpperCase()}${a.slice(1)} campaign`, text: `${a[0]!.toUpperCase()}${a.slice(1)} “${campaign.name}”? This is recorded in the audit log.`, run: () => api.campaignAction(campaign.id, a) });
  const saveSettings = (e: Event) => {
    e.preventDefault();
    const t = Number(target) / 100;
    if (!Number.isFinite(t) || t < 0 || t > 1) {
      toasts.push('error', 'The drop target is a percentage between 0 and 100.');
      return;
    }
    ask({
      title: 'Change settings',
      text: `Set “${campaign.name}” to ${mode} dialling with a ${(t * 100).toFixed(1)}% drop target? This is recorded in the audit log.`,
      run: () => api.updateCampaign(campaign.id, { dialMode: mode, targetAbandonRate: t }),
    });
  };

  return (
    <article class="panel campaign" aria-labelledby={`camp-${campaign.id}`} data-campaign-id={campaign.id}>
      <header class="row">
        <h2 id={`camp-${campaign.id}`}>{campaign.name}</h2>
        <span class={`badge status-${status}`} data-campaign-status={status}>
          {status}
        </span>
        <span class="muted">{stats?.dialMode ?? campaign.dialMode}</span>
      </header>
      <dl class="figures">
        <div>
          <dt>Dial level</dt>
          <dd data-fig="dial-level">{stats ? stats.dialLevel.toFixed(2) : '—'}</dd>
        </div>
        <div class={stats && stats.abandonRateToday > tgt ? 'over' : ''}>
          <dt>Abandon today</dt>
          <dd data-fig="abandon-today">
            {pct(stats?.abandonRateToday)} <small>/ {pct(tgt)}</small>
          </dd>
        </div>
        <div class={stats && stats.abandonRate30d > tgt ? 'over' : ''}>
          <dt>Abandon 30 days</dt>
          <dd>{pct(stats?.abandonRate30d)}</dd>
        </div>
        <div>
          <dt>Answer rate</dt>
          <dd>{pct(stats?.answerRate)}</dd>
        </div>
        <div>
          <dt>Waiting</dt>
          <dd>{stats?.callsWaiting ?? '—'}</dd>
        </div>
        <div>
          <dt>In queue</dt>
          <dd>{stats?.callsInQueue ?? '—'}</dd>
        </div>
        <div>
          <dt>Dialling</dt>
          <dd>{stats?.callsDialing ?? '—'}</dd>
        </div>
      </dl>
      <AbandonChart series={series} target={tgt} />
      <div class="row" role="group" aria-label={`Control ${campaign.name}`}>
        <button type="button" class="small" disabled={status === 'running'} onClick={() => action('start')}>
          Start
        </button>
        <button type="button" class="small" disabled={status !== 'running'} onClick={() => action('pause')}>
          Pause
        </button>
        <button type="button" class="small danger" disabled={status === 'stopped'} onClick={() => action('stop')}>
          Stop
        </button>
      </div>
      <details>
        <summary>Dial mode and drop target</summary>
        <form class="row" onSubmit={saveSettings}>
          <label>
            Dial mode
            <select value={mode} onChange={(e) => setMode(e.currentTarget.value)}>
              {MODES.map((m) => (
                <option value={m}>{m}</option>
              ))}
            </select>
          </label>
          <label>
            Drop target (%)
            <input type="number" min={0} max={100} step={0.1} value={target} onInput={(e) => setTarget(e.currentTarget.value)} />
          </label>
          <button type="submit" class="small">
            Apply…
          </button>
        </form>
      </details>
      <dialog ref={dialog} class="card" aria-labelledby={`confirm-${campaign.id}`} onClose={() => setPending(undefined)}>
        <h3 id={`confirm-${campaign.id}`}>{pending?.title}</h3>
        <p>{pending?.text}</p>
        <div class="row">
          <button type="button" class="primary" onClick={() => void confirm()}>
            Confirm
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </article>
  );
}
