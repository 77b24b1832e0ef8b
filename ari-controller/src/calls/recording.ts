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
