import type { AriOperationId } from '../ari/generated/operations.js';

/**
 * The modules a stock Asterisk 22 built for the dialer runs (what
 * `module show` lists with asterisk/etc/modules.conf): the whole ARI and
 * Stasis family, ExternalMedia, AMD and the codecs and bridges the calls use.
 */
export const SIM_MODULES: readonly string[] = [
  'res_http_websocket.so',
  'res_stasis.so',
  'res_stasis_answer.so',
  'res_stasis_device_state.so',
  'res_stasis_mailbox.so',
  'res_stasis_playback.so',
  'res_stasis_recording.so',
  'res_stasis_snoop.so',
  'app_stasis.so',
  'res_ari.so',
  'res_ari_model.so',
  'res_ari_applications.so',
  'res_ari_asterisk.so',
  'res_ari_bridges.so',
  'res_ari_channels.so',
  'res_ari_device_states.so',
  'res_ari_endpoints.so',
  'res_ari_events.so',
  'res_ari_mailboxes.so',
  'res_ari_playbacks.so',
  'res_ari_recordings.so',
  'res_ari_sounds.so',
  'chan_rtp.so',
  'chan_pjsip.so',
  'res_pjsip.so',
  'app_amd.so',
  'res_tonedetect.so',
  'app_waitforsilence.so',
  'bridge_simple.so',
  'bridge_softmix.so',
  'codec_ulaw.so',
  'codec_alaw.so',
  'codec_resample.so',
  'res_musiconhold.so',
];

/**
 * Module dependencies as Asterisk declares them (MODULEINFO `depend`): a
 * module whose dependency is not loaded does not load either. Notably
 * `res_ari_channels` needs every `res_stasis_*` helper it drives, so a
 * `noload = res_stasis_snoop.so` takes the whole channels resource down.
 */
const DEPENDS: Record<string, readonly string[]> = {
  'res_stasis_answer.so': ['res_stasis.so'],
  'res_stasis_device_state.so': ['res_stasis.so'],
  'res_stasis_mailbox.so': ['res_stasis.so'],
  'res_stasis_playback.so': ['res_stasis.so'],
  'res_stasis_recording.so': ['res_stasis.so'],
  'res_stasis_snoop.so': ['res_stasis.so'],
  'app_stasis.so': ['res_stasis.so'],
  'res_ari_model.so': ['res_ari.so'],
  'res_ari_applications.so': ['res_ari.so', 'res_ari_model.so', 'res_stasis.so'],
  'res_ari_asterisk.so': ['res_ari.so', 'res_ari_model.so'],
  'res_ari_bridges.so': ['res_ari.so', 'res_ari_model.so', 'res_stasis.so', 'res_stasis_recording.so', 'res_stasis_playback.so'],
  'res_ari_channels.so': ['res_ari.so', 'res_ari_model.so', 'res_stasis.so', 'res_stasis_answer.so', 'res_stasis_playback.so', 'res_stasis_recording.so', 'res_stasis_snoop.so'],
  'res_ari_device_states.so': ['res_ari.so', 'res_ari_model.so', 'res_stasis.so', 'res_stasis_device_state.so'],
  'res_ari_endpoints.so': ['res_ari.so', 'res_ari_model.so', 'res_stasis.so'],
  'res_ari_events.so': ['res_ari.so', 'res_ari_model.so', 'res_stasis.so', 'res_http_websocket.so'],
  'res_ari_mailboxes.so': ['res_ari.so', 'res_ari_model.so', 'res_stasis_mailbox.so'],
  'res_ari_playbacks.so': ['res_ari.so', 'res_ari_model.so', 'res_stasis.so', 'res_stasis_playback.so'],
  'res_ari_recordings.so': ['res_ari.so', 'res_ari_model.so', 'res_stasis.so', 'res_stasis_recording.so'],
  'res_ari_sounds.so': ['res_ari.so', 'res_ari_model.so', 'res_stasis.so'],
  'res_pjsip.so': [],
  'chan_pjsip.so': ['res_pjsip.so'],
  'app_amd.so': [],
};

/** The modules running when `noload` ones are left out: their dependents fail to load too. */
export function runningModules(noload: Iterable<string>): string[] {
  const down = new Set(noload);
  let changed = true;
  while (changed) {
    changed = false;
    for (const m of SIM_MODULES) {
      if (down.has(m)) continue;
      if ((DEPENDS[m] ?? []).some((d) => down.has(d))) {
        down.add(m);
        changed = true;
      }
    }
  }
  return SIM_MODULES.filter((m) => !down.has(m));
}

/** ARI resource (the operation id's prefix) → the module that serves it. */
const RESOURCE_MODULE: Record<string, string> = {
  asterisk: 'res_ari_asterisk.so',
  endpoints: 'res_ari_endpoints.so',
  channels: 'res_ari_channels.so',
  bridges: 'res_ari_bridges.so',
  recordings: 'res_ari_recordings.so',
  sounds: 'res_ari_sounds.so',
  playbacks: 'res_ari_playbacks.so',
  deviceStates: 'res_ari_device_states.so',
  mailboxes: 'res_ari_mailboxes.so',
  events: 'res_ari_events.so',
  applications: 'res_ari_applications.so',
};

/** The module an operation needs; its routes do not exist while that module is not running. */
export function moduleOf(op: AriOperationId): string | undefined {
  return RESOURCE_MODULE[op.slice(0, op.indexOf('.'))];
}
