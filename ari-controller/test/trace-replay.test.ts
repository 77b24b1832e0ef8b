import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replayTrace } from './support/replay.js';

// Every recorded scenario (both subscription modes) is replayed against the
// simulator: the same REST calls give the same statuses and bodies, and each
// channel, bridge and playback sees the same events in the same order.
const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'traces');
const SCALE = Number(process.env['TRACE_REPLAY_SCALE'] ?? 0.15);

// Pairs of events Asterisk itself emits in either order from different
// threads: the two recorded sets disagree on them (originate-congestion ;2).
const RACES: Array<[string, string]> = [
  ['ChannelStateChange(Busy)', 'ChannelHangupRequest(0)'],
  // inbound-sip-caller-hangup: the bridge and the ExternalMedia channel deleted in the same millisecond.
  ['ChannelHangupRequest(32,soft)', 'ChannelLeftBridge'],
];

function normaliseRaces(seq: readonly string[] | undefined): string[] | undefined {
  if (!seq) return seq;
  const out = [...seq];
  for (let i = 0; i + 1 < out.length; i++) {
    for (const [a, b] of RACES) {
      if (out[i] === b && out[i + 1] === a) [out[i], out[i + 1]] = [a, b];
    }
  }
  return out;
}

for (const mode of ['app-only', 'subscribe-all'] as const) {
  for (const file of readdirSync(join(dir, mode)).filter((f) => f.endsWith('.jsonl')).sort()) {
    test(`replay ${mode}/${file}`, async () => {
      const r = await replayTrace(join(dir, mode, file), mode === 'subscribe-all', SCALE);
      assert.deepEqual(r.statusMismatches, []);
      assert.deepEqual(Object.keys(r.actual).sort(), Object.keys(r.expected).sort(), 'the same channels, bridges and playbacks');
      for (const role of Object.keys(r.expected)) {
        assert.deepEqual(normaliseRaces(r.actual[role]), normaliseRaces(r.expected[role]), `events of ${role}`);
      }
      assert.deepEqual(r.violations, []);
    });
  }
}
