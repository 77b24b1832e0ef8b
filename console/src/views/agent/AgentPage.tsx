import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AnyMessage } from '@dialer/core';
import { useServices } from '../../app/services.js';
import { useLoad, useObservable } from '../../app/hooks.js';
import { AgentSession } from '../../lib/agent-session.js';
import { describeError } from '../../lib/toasts.js';
import { HotkeyMap } from '../../lib/hotkeys.js';
import { Softphone } from '../../webrtc/softphone.js';
import type { AgentAction, Campaign, Disposition } from '../../api.js';
import { StateBar, PAUSE_REASONS } from './StateBar.js';
import { PhonePanel } from './PhonePanel.js';
import { CallPopup } from './CallPopup.js';
import { TranscriptView } from './TranscriptView.js';
import { DispositionForm } from './DispositionForm.js';
import { DialPanel } from './DialPanel.js';
import { SignIn } from './SignIn.js';

/** Actions the agent's hotkeys trigger. */
export type AgentHotkey = 'ready' | 'pause' | 'hangup' | 'mute' | 'hold' | 'dispose' | `dispo:${string}`;

/** The agent's screen: sign-in, state, softphone, call pop-up, live transcript and disposition. */
export function AgentPage({ agentId }: { agentId: string }) {
  const { api, realtime, toasts } = useServices();
  const session = useMemo(() => new AgentSession(agentId), [agentId]);
  const phone = useMemo(() => new Softphone(api, { role: 'agent' }), [api]);
  useObservable(session);
  const [signedIn, setSignedIn] = useState(false);
  const [muted, setMuted] = useState(false);
  const [dispoFocus, setDispoFocus] = useState(0);

  const agent = useLoad(() => api.agent(agentId), [agentId]);
  const campaigns = useLoad(() => api.campaigns().then((p) => p.items), []);
  const myCampaigns: Campaign[] = (campaigns.data ?? []).filter((c) => agent.data?.campaignIds.includes(c.id));
  const callCampaign = myCampaigns.find((c) => c.id === session.call?.campaignId) ?? myCampaigns.find((c) => session.campaignIds.includes(c.id));
  const dispositions = useLoad<Disposition[]>(
    () => (callCampaign?.dispositionSetId ? api.dispositionSet(callCampaign.dispositionSetId).then((s) => s.dispositions) : Promise.resolve([])),
    [callCampaign?.dispositionSetId],
  );

  // Live updates: this agent's topic, and the topic of the call on screen.
  useEffect(() => {
    const topic = `agent:${agentId}`;
    realtime.subscribe([topic]);
    const off = realtime.on('message', (m: AnyMessage) => void session.apply(m));
    const offResync = realtime.on('resync', () => void reload());
    const reload = async () => {
      try {
        const calls = await api.liveCalls({ agentId });
        const live = calls.items.find((c) => c.agentId === agentId);
        if (live && !session.call) session.load({ state: session.state === 'logged_out' ? 'on_call' : session.state, callId: live.id, sinceMs: live.connectAt ?? live.createdAt });
      } catch (err) {
        toasts.push('error', describeError(err, 'Could not reload your calls'), 'reload');
      }
    };
    return () => {
      off();
      offResync();
      realtime.unsubscribe([topic]);
    };
  }, [agentId]);

  const callId = session.call?.callId;
  useEffect(() => {
    if (!callId) return undefined;
    realtime.subscribe([`call:${callId}`]);
    return () => realtime.unsubscribe([`call:${callId}`]);
  }, [callId]);

  useEffect(() => {
    const offErr = phone.on('error', (err) => toasts.push('error', describeError(err, 'Audio'), 'audio'));
    const offState = phone.on('state', (s) => {
      if (s === 'connected') toasts.resolve('audio');
      if (s === 'reconnecting') toasts.push('warning', 'Audio connection lost; reconnecting…', 'audio');
    });
    return () => {
      offErr();
      offState();
      phone.close();
    };
  }, [phone]);

  const act = async (action: AgentAction, extra: { reason?: string; campaignIds?: string[] } = {}) => {
    try {
      await api.agentState(agentId, action, extra);
    } catch (err) {
      toasts.push('error', describeError(err, 'State change refused'));
      throw err;
    }
  };

  // Leaving wrap-up needs a disposition first; then "ready" ends the wrap-up.
  const readyNow = () => (session.state === 'wrap_up' ? act('wrap_up_done') : act('ready'));

  const callAction = async (action: 'hangup' | 'hold' | 'mute' | 'dtmf', body?: Record<string, unknown>) => {
    if (!session.call) return;
    try {
      await api.callAction(session.call.callId, action, body);
    } catch (err) {
      toasts.push('error', describeError(err, `Could not ${action}`));
    }
  };

  const toggleMute = () => {
    const m = !muted;
    phone.setMuted(m);
    setMuted(m);
    if (session.call && !session.call.ended) void callAction('mute', { mute: m });
  };

  const inCall = !!session.call && !session.call.ended;
  const showDispo = !!session.call && !session.call.disposition && (session.state === 'wrap_up' || !!session.call.ended || inCall);

  const hotkeys = useMemo(() => {
    const m = new HotkeyMap<AgentHotkey>().add('Alt+R', 'ready').add('Alt+P', 'pause').add('Alt+H', 'hangup').add('Alt+M', 'mute').add('Alt+K', 'hold').add('Alt+D', 'dispose');
    for (const d of dispositions.data ?? []) m.add(d.hotkey, `dispo:${d.code}`);
    return m;
  }, [dispositions.data]);

  const [hotDispo, setHotDispo] = useState<string | undefined>();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const a = hotkeys.match(e, e.target as HTMLElement | null);
      if (!a) return;
      e.preventDefault();
      if (a === 'ready' && signedIn && (session.state === 'paused' || (session.state === 'wrap_up' && !!session.call?.disposition))) void readyNow().catch(() => undefined);
      else if (a === 'pause' && signedIn && session.state === 'ready') void act('pause', { reason: PAUSE_REASONS[0]!.code }).catch(() => undefined);
      else if (a === 'hangup' && inCall) void callAction('hangup');
      else if (a === 'mute' && inCall) toggleMute();
      else if (a === 'hold' && inCall) void callAction('hold', { hold: !session.call!.held });
      else if (a === 'dispose' && showDispo) setDispoFocus((n) => n + 1);
      else if (a.startsWith('dispo:') && showDispo) setHotDispo(a.slice(6));
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  if (!signedIn) {
    return (
      <SignIn
        phone={phone}
        campaigns={myCampaigns}
        loading={campaigns.loading || agent.loading}
        onSignIn={async (campaignIds) => {
          await act('login', { campaignIds });
          void phone.connect();
          setSignedIn(true);
        }}
      />
    );
  }

  return (
    <div class="agent-grid">
      <StateBar
        session={session}
        campaigns={myCampaigns}
        hotkeys={hotkeys}
        onReady={readyNow}
        onPause={(reason) => act('pause', { reason })}
        onLogout={async () => {
          await act('logout').catch(() => undefined);
          phone.close();
          setSignedIn(false);
        }}
      />
      <PhonePanel phone={phone} session={session} muted={muted} hotkeys={hotkeys} onMute={toggleMute} onAction={callAction} />
      <section class="panel call-panel" aria-labelledby="call-title">
        <h2 id="call-title">Call</h2>
        {session.call ? (
          <CallPopup call={session.call} campaign={callCampaign} />
        ) : (
          <DialPanel session={session} campaign={myCampaigns.find((c) => session.campaignIds.includes(c.id)) ?? myCampaigns[0]} />
        )}
      </section>
      <section class="panel transcript-panel" aria-labelledby="transcript-title">
        <h2 id="transcript-title">Live transcript</h2>
        {session.call ? <TranscriptView buffer={session.call.transcript} version={session.call.transcript.version} /> : <p class="muted">The transcript appears here during a call.</p>}
      </section>
      {showDispo && session.call && (
        <DispositionForm
          key={session.call.callId}
          call={session.call}
          session={session}
          dispositions={dispositions.data ?? []}
          loading={dispositions.loading}
          focusSignal={dispoFocus}
          hotPick={hotDispo}
          hotkeys={hotkeys}
          onDone={async (pauseAfter) => {
            setHotDispo(undefined);
            if (session.state === 'wrap_up') await act(pauseAfter ? 'pause' : 'wrap_up_done', pauseAfter ? { reason: pauseAfter } : {}).catch(() => undefined);
          }}
        />
      )}
    </div>
  );
}
