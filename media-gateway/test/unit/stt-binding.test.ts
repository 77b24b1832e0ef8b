import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeSttProvider, silentLogger, systemClock, type AnyMessage, type MessageData, type SttStream } from '@dialer/core';
import { waitFor } from '@dialer/core/testing';
import { SttBinding, type LegIdentity } from '../../src/pipeline/stt-binding.js';
import { ChainStream } from '../helpers/chain-stream.js';

const LEG: LegIdentity = { legId: 'L1', callId: 'C1', speaker: 'customer', tenantId: 't1', campaignId: 'k1' };
const OPTIONS = { callId: 'C1', legId: 'L1', speaker: 'customer' as const, encoding: 'mulaw' as const, sampleRate: 8000 };
/** 100 ms of u-law silence. */
const chunk = (): Uint8Array => new Uint8Array(800).fill(0xff);

function bind(stream: SttStream, initialGapMs = 0) {
  const out: AnyMessage[] = [];
  const binding = new SttBinding(stream, LEG, { emit: (m) => void out.push(m) }, silentLogger(), systemClock, 'node1', initialGapMs);
  const states = () => out.filter((m) => m.type === 'media.stt.state').map((m) => m.data as MessageData<'media.stt.state'>);
  return { binding, out, states };
}

test('a plain provider stream: one connected (with the re-open gap), one closed, transcripts and usage', async () => {
  const p = new FakeSttProvider('solo', { utterances: ['hello there'] });
  const { binding, out, states } = bind(p.open(OPTIONS), 1500);
  await waitFor(() => states().length === 1);
  for (let i = 0; i < 5; i++) binding.stream.write(chunk());
  binding.stream.finalize();
  await waitFor(() => out.some((m) => m.type === 'transcript.final'));
  binding.gap(240);
  await binding.close();
  await binding.close();
  assert.deepEqual(
    states().map((s) => [s.state, s.provider, s.gapMs]),
    [
      ['connected', 'solo', 1500],
      ['connected', 'solo', 240],
      ['closed', 'solo', undefined],
    ],
  );
  const usage = out.find((m) => m.type === 'stt.usage')!.data as MessageData<'stt.usage'>;
  assert.deepEqual(usage, { callId: 'C1', legId: 'L1', provider: 'solo', audioMs: 500, campaignId: 'k1' });
  assert.ok(out.every((m) => m.source === 'node1' && m.tenantId === 't1'));
});

test('a failover stream: its state events become media.stt.state with next, error and gapMs, with no duplicates', async () => {
  const a = new FakeSttProvider('alpha', { errorAfterAudioMs: 1000, errorCode: 'DIALER_ERR_STT_UNAVAILABLE' });
  const b = new FakeSttProvider('beta', { utterances: ['after the failover'] });
  // Replays only the last 300 ms: the 700 ms before are a gap.
  const { binding, out, states } = bind(new ChainStream([a, b], OPTIONS, 300), 2000);
  await waitFor(() => states().length === 1);
  for (let i = 0; i < 10; i++) binding.stream.write(chunk());
  await waitFor(() => states().length === 3);
  binding.stream.finalize();
  await waitFor(() => out.some((m) => m.type === 'transcript.final'));
  await binding.close();
  const s = states();
  assert.deepEqual(
    s.map((x) => [x.state, x.provider, x.next, x.gapMs]),
    [
      ['connected', 'alpha', undefined, 2000],
      ['failover', 'alpha', 'beta', 700],
      ['connected', 'beta', undefined, undefined],
      ['closed', 'beta', undefined, undefined],
    ],
  );
  assert.equal(s[1]!.error?.code, 'DIALER_ERR_STT_UNAVAILABLE');
  assert.equal(s[1]!.error?.retryable, true);
  assert.equal(b.streams[0]!.options.startOffsetMs, 700);
  const final = out.find((m) => m.type === 'transcript.final')!.data as MessageData<'transcript.final'>;
  assert.equal(final.provider, 'beta');
  // Usage from both providers.
  assert.deepEqual(out.filter((m) => m.type === 'stt.usage').map((m) => (m.data as MessageData<'stt.usage'>).provider).sort(), ['alpha', 'beta']);
});

test('a failover stream with no provider left: one error with the cause, then one closed', async () => {
  const a = new FakeSttProvider('alpha', { failOnOpen: 'DIALER_ERR_STT_AUTH' });
  const { binding, states } = bind(new ChainStream([a], OPTIONS, 300));
  await waitFor(() => states().length === 1);
  await binding.close();
  assert.deepEqual(
    states().map((x) => [x.state, x.error?.code]),
    [
      ['error', 'DIALER_ERR_STT_AUTH'],
      ['closed', undefined],
    ],
  );
});
