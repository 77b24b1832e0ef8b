import type { Store } from '@dialer/core';
import type { AgentSession } from './agent-session.js';
import type { Call } from './call.js';
import type { CallManager } from './manager.js';
import { quietly } from './media.js';

/** Starts recording once any consent announcement has played: the gateway's taps, or ARI bridge recording (the fallback). */
export function startRecording(m: CallManager, store: Store, call: Call, agent: AgentSession): void {
  if (call.ended) return;
  if (call.info.recording === 'gateway' && !call.recordingAllowed) {
    call.recordingAllowed = true;
    void m.taps.setRecording(call, true);
    m.agents.recordSoftphone(agent.agentId, call);
    return;
  }
  if (call.info.recording !== 'bridge' || call.recordingId) return;
  const name = `dlr-rec-${call.id}`;
  call.recordingId = call.id;
  const now = m.clock.now();
  void store
    .tenant(call.info.tenantId)
    .insertInto('recordings', { id: call.id, call_id: call.id, path: `${name}.wav`, format: 'wav', channels: 1, consent: call.info.consentRequired ? 'announced' : 'none', status: 'recording', started_at: now, ended_at: null, created_at: now, updated_at: now })
    .execute()
    .catch((err: unknown) => call.log.warn({ err: { message: (err as Error).message } }, 'recording row failed'));
  call.server.router.playback(name, (e) => {
    if (e.type === 'RecordingFinished' || e.type === 'RecordingFailed') {
      call.server.router.forgetPlayback(name);
      const t = m.clock.now();
      void store
        .tenant(call.info.tenantId)
        .updateTable('recordings')
        .set({ status: e.type === 'RecordingFinished' ? 'saved' : 'failed', ended_at: t, updated_at: t, duration_ms: (e.recording.duration ?? 0) * 1000 })
        .where('id', '=', call.id)
        .execute()
        .catch(() => undefined);
    }
  });
  call.request('record', () => call.server.client.bridges.record({ bridgeId: agent.bridgeId, name, format: 'wav', ifExists: 'overwrite' }));
  call.extras.set('recording', () => quietly(call.server.client.recordings.stop({ recordingName: name })));
}

/**
 * The inbound queue fallback `voicemail`: the prompt, then a recording of the
 * caller's message (`dlr-vm-<callId>`), kept as a `recordings` row (id
 * `<callId>-vm`) that the call row and its CDR link to, with the disposition
 * `voicemail`. The call ends when the recording does (silence, the length
 * limit) or when the caller hangs up; with the app-only subscription a
 * caller's hangup ends the channel's events, so the row is closed at the end
 * of the call when no RecordingFinished came.
 */
export function startVoicemail(m: CallManager, store: Store, call: Call, media: string | undefined): void {
  const name = `dlr-vm-${call.id}`;
  const id = `${call.id}-vm`;
  const scope = store.tenant(call.info.tenantId);
  let inserted: Promise<unknown> | undefined;
  let startedAt: number | undefined;
  let closed = false;
  const close = (status: 'saved' | 'failed', durationMs: number | null): void => {
    if (closed || !inserted) return;
    closed = true;
    const t = m.clock.now();
    void inserted
      .then(() => scope.updateTable('recordings').set({ status, ended_at: t, updated_at: t, duration_ms: durationMs }).where('id', '=', id).execute())
      .catch((err: unknown) => call.log.warn({ err: { message: (err as Error).message } }, 'voicemail recording row update failed'));
  };
  call.server.router.playback(name, (e) => {
    if (e.type === 'RecordingStarted') startedAt = m.clock.now();
    if (e.type !== 'RecordingFinished' && e.type !== 'RecordingFailed') return;
    call.server.router.forgetPlayback(name);
    close(e.type === 'RecordingFinished' ? 'saved' : 'failed', e.type === 'RecordingFinished' ? (e.recording.duration ?? 0) * 1000 : null);
    if (!call.ended) call.apply({ type: 'hangup', by: 'system' });
  });
  call.extras.set('voicemail', async () => {
    call.server.router.forgetPlayback(name);
    // The caller hung up while recording: Asterisk keeps what was said; its length is the time since the beep.
    if (startedAt !== undefined) close('saved', Math.max(0, m.clock.now() - startedAt));
    else close('failed', null);
  });
  call.play('other', media ?? 'sound:vm-intro', () => {
    if (call.ended) return;
    const now = m.clock.now();
    call.recordingId = id;
    call.disposition = 'voicemail';
    call.persist();
    inserted = scope
      .insertInto('recordings', { id, call_id: call.id, path: `${name}.wav`, format: 'wav', channels: 1, consent: call.info.consentRequired ? 'announced' : 'none', status: 'recording', started_at: now, ended_at: null, created_at: now, updated_at: now })
      .execute()
      .catch((err: unknown) => call.log.warn({ err: { message: (err as Error).message } }, 'voicemail recording row failed'));
    call.request('voicemail', async () => {
      try {
        await call.server.client.channels.record({ channelId: call.channelId, name, format: 'wav', maxDurationSeconds: 120, maxSilenceSeconds: 5, beep: true, ifExists: 'overwrite' });
      } catch (err) {
        close('failed', null);
        if (!call.ended) call.apply({ type: 'hangup', by: 'system' });
        throw err;
      }
    });
  });
}
