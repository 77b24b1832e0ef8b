import { useEffect, useRef, useState } from 'preact/hooks';
import { useServices } from '../../app/services.js';
import { describeError } from '../../lib/toasts.js';
import { Softphone, type PhoneState } from '../../webrtc/softphone.js';

export type MonitorMode = 'listen' | 'whisper' | 'barge';

/** The supervisor's monitoring leg, as the calls table uses it. */
export interface Monitor {
  active: { callId: string; mode: MonitorMode } | undefined;
  audio: PhoneState;
  inboundPackets: number;
  busy: boolean;
  start(callId: string, mode: MonitorMode): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Listen, whisper or barge as a WebRTC leg in the supervisor's browser: the
 * leg is opened first (listening sends no audio), then the controller is
 * told to connect it to the call in the chosen mode.
 */
export function useMonitor(): Monitor {
  const { api, toasts } = useServices();
  const phone = useRef<Softphone | undefined>();
  const [active, setActive] = useState<Monitor['active']>();
  const [audio, setAudio] = useState<PhoneState>('idle');
  const [packets, setPackets] = useState(0);
  const [busy, setBusy] = useState(false);

  const closeLeg = () => {
    phone.current?.close();
    phone.current = undefined;
    setAudio('idle');
    setPackets(0);
  };
  useEffect(() => closeLeg, []);

  const stop = async () => {
    const a = active;
    setActive(undefined);
    closeLeg();
    if (a) await api.callAction(a.callId, 'monitor/stop').catch(() => undefined);
  };

  const start = async (callId: string, mode: MonitorMode) => {
    setBusy(true);
    try {
      if (active && active.callId !== callId) await stop();
      if (!phone.current || active?.callId !== callId || (active.mode === 'listen') !== (mode === 'listen')) {
        closeLeg();
        const p = new Softphone(api, { role: 'supervisor', callId, sendAudio: mode !== 'listen' });
        p.on('state', setAudio);
        p.on('stats', (s) => setPackets(s.inboundPackets));
        p.on('error', (err) => toasts.push('error', describeError(err, 'Monitor audio'), 'monitor-audio'));
        phone.current = p;
        await p.connect();
      }
      // The controller bridges the supervisor's WebRTC session only once the gateway reports it connected.
      await phone.current.waitConnected();
      await api.callAction(callId, mode);
      setActive({ callId, mode });
    } catch (err) {
      toasts.push('error', describeError(err, `Could not ${mode}`));
      if (!active) closeLeg();
    } finally {
      setBusy(false);
    }
  };

  return { active, audio, inboundPackets: packets, busy, start, stop };
}
