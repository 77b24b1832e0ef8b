import { useEffect, useState } from 'preact/hooks';
import { useServices } from '../../app/services.js';
import { describeError } from '../../lib/toasts.js';
import type { Softphone } from '../../webrtc/softphone.js';
import type { Campaign } from '../../api.js';
import { MicMeter } from './MicMeter.js';

/** Before the shift: pick campaigns, test the microphone and the speaker, then sign in to the phone. */
export function SignIn(p: { phone: Softphone; campaigns: Campaign[]; loading: boolean; onSignIn: (campaignIds: string[]) => Promise<void> }) {
  const { toasts } = useServices();
  const [picked, setPicked] = useState<string[]>([]);
  const [micOpen, setMicOpen] = useState(false);
  const [micLive, setMicLive] = useState(false);
  const [busy, setBusy] = useState(false);
  const [speakerTested, setSpeakerTested] = useState(false);

  useEffect(() => {
    if (picked.length === 0 && p.campaigns.length > 0) setPicked(p.campaigns.map((c) => c.id));
  }, [p.campaigns.length]);
  useEffect(() => p.phone.on('level', (_l, live) => live && setMicLive(true)), [p.phone]);

  /** Opens the microphone; false (with a notice) when it is blocked or missing. */
  const testMic = async (): Promise<boolean> => {
    try {
      await p.phone.openMic();
      setMicOpen(true);
      toasts.resolve('mic');
      return true;
    } catch (err) {
      toasts.push('error', describeError(err, 'Microphone'), 'mic');
      return false;
    }
  };
  const testSpeaker = async () => {
    try {
      await p.phone.testSpeaker();
      setSpeakerTested(true);
    } catch (err) {
      toasts.push('error', describeError(err, 'Speaker'));
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (picked.length === 0) {
      toasts.push('warning', 'Pick at least one campaign or inbound group.');
      return;
    }
    setBusy(true);
    try {
      // A phone that cannot send audio is no phone: the agent stays here, with the notice.
      if (!micOpen && !(await testMic())) return;
      await p.onSignIn(picked);
    } catch {
      // reported by the action
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="signin card" onSubmit={submit} aria-labelledby="signin-title">
      <h1 id="signin-title">Start your shift</h1>
      <fieldset>
        <legend>Campaigns and inbound groups</legend>
        {p.loading && <p aria-busy="true">Loading campaigns…</p>}
        {!p.loading && p.campaigns.length === 0 && <p class="muted">You are not assigned to any campaign. Ask a supervisor.</p>}
        {p.campaigns.map((c) => (
          <label class="check" key={c.id}>
            <input
              type="checkbox"
              checked={picked.includes(c.id)}
              onChange={(e) => setPicked(e.currentTarget.checked ? [...picked, c.id] : picked.filter((x) => x !== c.id))}
            />
            {c.name} <small class="muted">({c.kind ?? 'outbound'}, {c.dialMode ?? 'manual'})</small>
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Audio check</legend>
        <div class="row">
          <button type="button" onClick={testMic}>
            {micOpen ? 'Microphone on' : 'Test microphone'}
          </button>
          <MicMeter phone={p.phone} />
          <span role="status" class={micLive ? 'ok' : 'muted'} data-mic-live={micLive ? 'yes' : 'no'}>
            {micOpen ? (micLive ? 'Microphone is live' : 'Say something…') : 'Microphone not tested'}
          </span>
        </div>
        <div class="row">
          <button type="button" onClick={testSpeaker}>
            Test speaker
          </button>
          <span class="muted">{speakerTested ? 'Played a tone — did you hear it?' : 'Plays a short tone'}</span>
        </div>
      </fieldset>
      <button type="submit" class="primary" disabled={busy || p.loading}>
        {busy ? 'Signing in…' : 'Sign in to the phone'}
      </button>
    </form>
  );
}
