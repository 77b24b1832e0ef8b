import { useEffect, useState } from 'preact/hooks';
import { useNow } from '../../app/hooks.js';
import type { AgentSession } from '../../lib/agent-session.js';
import { formatDuration } from '../../lib/countdown.js';
import type { HotkeyMap } from '../../lib/hotkeys.js';
import { formatPhone } from '../../lib/phone.js';
import type { PhoneState, PhoneStats, Softphone } from '../../webrtc/softphone.js';
import type { AgentHotkey } from './AgentPage.js';
import { MicMeter } from './MicMeter.js';
import { TransferDialog } from './TransferDialog.js';

const AUDIO_TEXT: Record<PhoneState, string> = {
  idle: 'Audio not started',
  mic: 'Microphone on',
  connecting: 'Connecting audio…',
  connected: 'Audio connected',
  reconnecting: 'Audio reconnecting…',
  failed: 'Audio failed',
  closed: 'Audio closed',
};

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/** The softphone: audio status and quality, mic level, and the call controls. */
export function PhonePanel(p: {
  phone: Softphone;
  session: AgentSession;
  muted: boolean;
  hotkeys: HotkeyMap<AgentHotkey>;
  onMute: () => void;
  onAction: (a: 'hangup' | 'hold' | 'dtmf', body?: Record<string, unknown>) => Promise<void>;
}) {
  const now = useNow(500);
  const [state, setState] = useState(p.phone.state);
  const [stats, setStats] = useState<PhoneStats | undefined>(p.phone.lastStats);
  const [keypad, setKeypad] = useState(false);
  const [transfer, setTransfer] = useState(false);
  const [digits, setDigits] = useState('');
  useEffect(() => {
    const a = p.phone.on('state', setState);
    const b = p.phone.on('stats', setStats);
    return () => {
      a();
      b();
    };
  }, [p.phone]);

  const call = p.session.call;
  const live = !!call && !call.ended;
  const talkMs = call?.connectedAtMs ? (call.ended ? call.ended.atMs : now) - call.connectedAtMs : 0;
  const lossPct = stats && stats.inboundPackets + stats.packetsLost > 0 ? (100 * stats.packetsLost) / (stats.inboundPackets + stats.packetsLost) : 0;
  const sendDigit = (d: string) => {
    setDigits((x) => (x + d).slice(-20));
    void p.onAction('dtmf', { digits: d });
  };

  return (
    <section class="panel phone-panel" aria-labelledby="phone-title">
      <h2 id="phone-title">Phone</h2>
      <p class={`audio-state audio-${state}`} role="status" data-audio={state}>
        <span class="dot" aria-hidden="true" /> {AUDIO_TEXT[state]}
      </p>
      <div class="row">
        <span class="muted">Mic</span>
        <MicMeter phone={p.phone} />
      </div>
      <p class="stats muted" data-inbound-packets={stats?.inboundPackets ?? 0}>
        {stats
          ? `In: ${stats.inboundPackets} packets · loss ${lossPct.toFixed(1)}% · jitter ${stats.jitterMs} ms${stats.roundTripMs !== undefined ? ` · RTT ${stats.roundTripMs} ms` : ''}${stats.codec ? ` · ${stats.codec.replace('audio/', '')}` : ''}`
          : 'No audio statistics yet'}
      </p>
      {call && (
        <div class="call-status">
          <strong>{call.phone ? formatPhone(call.phone) : 'Call'}</strong>
          <span class="timer" role="timer" aria-label="Call time">
            {formatDuration(talkMs)}
          </span>
          {call.held && <span class="badge warn">On hold</span>}
          {p.muted && live && <span class="badge warn">Muted</span>}
          {call.bargedBy && <span class="badge">Supervisor joined</span>}
          {call.ended && <span class="badge">Ended ({call.ended.hangupBy === 'customer' ? 'customer hung up' : call.ended.outcome})</span>}
          {call.transfer && <span class="badge">Transfer {call.transfer.kind}: {call.transfer.state}</span>}
        </div>
      )}
      <div class="call-controls" role="group" aria-label="Call controls">
        <button type="button" aria-pressed={p.muted} onClick={p.onMute} disabled={!live} aria-keyshortcuts={p.hotkeys.labelOf('mute')}>
          {p.muted ? 'Unmute' : 'Mute'} <kbd>{p.hotkeys.labelOf('mute')}</kbd>
        </button>
        <button type="button" aria-pressed={!!call?.held} onClick={() => void p.onAction('hold', { hold: !call?.held })} disabled={!live} aria-keyshortcuts={p.hotkeys.labelOf('hold')}>
          {call?.held ? 'Resume' : 'Hold'} <kbd>{p.hotkeys.labelOf('hold')}</kbd>
        </button>
        <button type="button" aria-expanded={keypad} aria-controls="keypad" onClick={() => setKeypad(!keypad)} disabled={!live}>
          Keypad
        </button>
        <button type="button" onClick={() => setTransfer(true)} disabled={!live}>
          Transfer
        </button>
        <button type="button" class="danger" onClick={() => void p.onAction('hangup')} disabled={!live} aria-keyshortcuts={p.hotkeys.labelOf('hangup')}>
          Hang up <kbd>{p.hotkeys.labelOf('hangup')}</kbd>
        </button>
      </div>
      {keypad && live && (
        <div id="keypad" class="keypad" role="group" aria-label="DTMF keypad">
          <output aria-label="Digits sent">{digits || '\u00a0'}</output>
          {KEYS.map((k) => (
            <button type="button" key={k} onClick={() => sendDigit(k)} aria-label={`Send ${k === '*' ? 'star' : k === '#' ? 'pound' : k}`}>
              {k}
            </button>
          ))}
        </div>
      )}
      {transfer && call && <TransferDialog callId={call.callId} onClose={() => setTransfer(false)} />}
    </section>
  );
}
