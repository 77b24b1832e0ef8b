import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AnyMessage } from '@dialer/core';
import { useServices } from '../../app/services.js';
import { useLoad, useNow, useObservable } from '../../app/hooks.js';
import { WallboardModel, type BoardAgent } from '../../lib/wallboard.js';
import { describeError } from '../../lib/toasts.js';
import { AgentsTable } from './AgentsTable.js';
import { CallsTable } from './CallsTable.js';
import { CampaignCard } from './CampaignCard.js';
import { StateChart } from './Charts.js';
import { useMonitor } from './monitor.js';

/** Calls the board follows for transcript peeks (each is a topic subscription). */
const MAX_PEEKS = 50;
/** Campaigns whose history of the day the board loads (one request each). */
const MAX_HISTORIES = 50;

/** The supervisor's wallboard: agents, live calls, campaign figures and charts, updated live. */
export function WallboardPage() {
  const { api, realtime, toasts } = useServices();
  const board = useMemo(() => new WallboardModel(), []);
  useObservable(board);
  const now = useNow(1000);
  const monitor = useMonitor();
  const campaigns = useLoad(() => api.campaigns().then((p) => p.items), []);
  const [names, setNames] = useState(new Map<string, string>());

  useEffect(() => {
    realtime.subscribe(['wallboard']);
    const off = realtime.on('message', (m: AnyMessage) => void board.apply(m));
    const reload = async () => {
      try {
        const [agents, calls] = await Promise.all([api.agents(), api.liveCalls()]);
        api.campaignStats().then(
          (r) => board.loadCampaignStats(r.items.flatMap((i) => (i.live ? [i.live] : []))),
          () => undefined,
        );
        // The charts show the whole day: the API's per-minute history, merged with what arrives live.
        api.agentStateHistory().then(
          (r) => board.loadStateHistory(r.points),
          () => undefined,
        );
        const nameMap = new Map(agents.items.map((a) => [a.id, a.name]));
        setNames(nameMap);
        let states: BoardAgent[] = [];
        try {
          const st = await api.agentStats();
          states = st.items
            .filter((s) => s.state && s.state !== 'logged_out')
            .map((s) => ({ agentId: s.agentId, name: nameMap.get(s.agentId), state: s.state!, sinceMs: s.sinceMs ?? Date.now(), callId: s.callId ?? undefined, campaignIds: agents.items.find((a) => a.id === s.agentId)?.campaignIds ?? [] }));
          board.loadAgents(states);
        } catch {
          // Without the stats route the board fills in from live agent.state messages.
        }
        board.nameAgents(nameMap);
        board.loadCalls(
          calls.items.map((c) => ({
            callId: c.id,
            campaignId: c.campaignId ?? undefined,
            agentId: c.agentId ?? undefined,
            phone: c.phone,
            direction: c.direction,
            state: (['dialing', 'ringing', 'answered', 'queued', 'connected', 'held'].includes(c.state) ? c.state : 'connected') as 'connected',
            sinceMs: c.connectAt ?? c.createdAt,
          })),
        );
      } catch (err) {
        toasts.push('error', describeError(err, 'Could not load the wallboard'), 'wallboard');
      }
    };
    const offResync = realtime.on('resync', () => void reload());
    void reload();
    const sweep = setInterval(() => board.sweep(), 1000);
    return () => {
      off();
      offResync();
      clearInterval(sweep);
      realtime.unsubscribe(['wallboard']);
    };
  }, []);

  useEffect(() => board.nameAgents(names), [names, board.agents.size]);

  // Each campaign's abandon rate over the day, once its list is known (and again after a resync).
  const [resyncs, setResyncs] = useState(0);
  useEffect(() => realtime.on('resync', () => setResyncs((n) => n + 1)), []);
  useEffect(() => {
    const ids = (campaigns.data ?? []).map((c) => c.id).slice(0, MAX_HISTORIES);
    for (const id of ids) {
      api.campaignHistory(id).then(
        (r) => board.loadAbandonHistory(id, r.points.map((p) => ({ t: p.t, v: p.abandonRateToday }))),
        () => undefined,
      );
    }
  }, [campaigns.data, resyncs]);

  // Follow live calls' topics for the transcript peek.
  const liveIds = [...board.calls.values()].filter((c) => c.state !== 'ended').map((c) => c.callId).slice(0, MAX_PEEKS);
  const key = liveIds.join(',');
  useEffect(() => {
    const topics = liveIds.map((id) => `call:${id}`);
    realtime.subscribe(topics);
    return () => realtime.unsubscribe(topics);
  }, [key]);

  const camps = campaigns.data ?? [];
  const counts = board.counts();
  return (
    <div class="wallboard">
      <h1 class="visually-hidden">Wallboard</h1>
      <section class="panel totals" aria-label="Agents by state">
        <Stat label="Ready" value={counts.ready} cls="ready" />
        <Stat label="On call" value={counts.onCall} cls="on_call" />
        <Stat label="Wrap-up" value={counts.wrapUp} cls="wrap_up" />
        <Stat label="Paused" value={counts.paused} cls="paused" />
        <Stat label="Live calls" value={liveIds.length} cls="calls" />
        <StateChart samples={board.stateSeries} />
      </section>
      <section class="campaigns" aria-label="Campaigns">
        {camps.length === 0 && !campaigns.loading && <p class="muted">No campaigns.</p>}
        {camps.map((c) => (
          <CampaignCard key={c.id} campaign={c} status={board.campaignStatus.get(c.id) ?? c.status} stats={board.campaigns.get(c.id)} series={board.abandonSeries.get(c.id) ?? []} onChanged={campaigns.reload} />
        ))}
      </section>
      <AgentsTable agents={[...board.agents.values()]} now={now} campaigns={camps} />
      <CallsTable calls={[...board.calls.values()]} agents={board.agents} names={names} now={now} monitor={monitor} />
    </div>
  );
}

function Stat({ label, value, cls }: { label: string; value: number; cls: string }) {
  return (
    <div class={`stat stat-${cls}`} data-stat={cls}>
      <span class="stat-value">{value}</span>
      <span class="stat-label">{label}</span>
    </div>
  );
}
