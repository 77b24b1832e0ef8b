import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildCdr,
  newCall,
  outcomeFromCause,
  outcomeFromDialStatus,
  reduceCall,
  SimulatedClock,
  type CallEffect,
  type CallInput,
  type CallPolicy,
  type CallRecord,
  type TimerHandle,
} from '@dialer/core';

const POLICY: CallPolicy = {
  amd: true,
  amdAction: 'hangup',
  hasVoicemailMedia: false,
  dropTimeoutMs: 2000,
  hasAbandonMedia: true,
  consent: false,
  queueTimeoutMs: 60_000,
};

/** Runs a call through inputs on a simulated clock, arming its timers the way the controller does. */
class Harness {
  call: CallRecord;
  readonly effects: CallEffect[] = [];
  private readonly timers = new Map<string, TimerHandle>();
  /** Answers find_agent: an agent id, or undefined for none free. */
  freeAgent: string | undefined;

  constructor(
    readonly clock: SimulatedClock,
    readonly policy: CallPolicy,
    direction: 'outbound' | 'inbound' = 'outbound',
  ) {
    this.call = newCall(direction, clock.now());
  }

  send(input: CallInput): void {
    const t = reduceCall(this.call, input, this.clock.now(), this.policy);
    this.call = t.call;
    for (const e of t.effects) {
      this.effects.push(e);
      if (e.type === 'start_timer') this.timers.set(e.timer, this.clock.setTimeout(() => this.send({ type: 'timer', timer: e.timer }), e.ms));
      if (e.type === 'cancel_timer') this.clock.clearTimeout(this.timers.get(e.timer));
      if (e.type === 'find_agent' && this.freeAgent) {
        const agentId = this.freeAgent;
        queueMicrotask(() => {
          this.send({ type: 'agent_claimed', agentId });
          this.send({ type: 'agent_connected', agentId });
        });
      }
    }
  }

  published(): string[] {
    return this.effects.filter((e): e is Extract<CallEffect, { type: 'publish' }> => e.type === 'publish').map((e) => e.event);
  }
}

test('Dial statuses and causes classify failed originates', () => {
  assert.equal(outcomeFromDialStatus('BUSY'), 'busy');
  assert.equal(outcomeFromDialStatus('CONGESTION'), 'congestion');
  assert.equal(outcomeFromDialStatus('NOANSWER'), 'no_answer');
  assert.equal(outcomeFromDialStatus('CHANUNAVAIL'), 'failed');
  assert.equal(outcomeFromDialStatus('RINGING'), undefined);
  assert.equal(outcomeFromCause(19), 'no_answer');
  assert.equal(outcomeFromCause(0), undefined);
});

test('a busy originate ends busy from the Dial status, not the ;1 cause 0', () => {
  const h = new Harness(new SimulatedClock(), POLICY);
  h.send({ type: 'dial', status: '' });
  h.send({ type: 'dial', status: 'BUSY' });
  h.send({ type: 'destroyed', cause: 0, causeText: 'Unknown' });
  assert.equal(h.call.state, 'ended');
  assert.equal(h.call.outcome, 'busy');
  assert.equal(h.call.hangupBy, 'network');
  assert.deepEqual(h.published(), ['call.ended']);
});

test('a ring timeout (no Dial NOANSWER, cause 19) ends no_answer', () => {
  const h = new Harness(new SimulatedClock(), POLICY);
  h.send({ type: 'dial', status: 'RINGING' });
  h.send({ type: 'destroyed', cause: 19 });
  assert.equal(h.call.outcome, 'no_answer');
  assert.deepEqual(h.published(), ['call.ringing', 'call.ended']);
});

test('cancelling a ringing call is cancelled, even though Asterisk then says NOANSWER', () => {
  const h = new Harness(new SimulatedClock(), POLICY);
  h.send({ type: 'ringing' });
  h.send({ type: 'hangup', by: 'agent' });
  h.send({ type: 'hangup_request', cause: 32, soft: true });
  h.send({ type: 'dial', status: 'NOANSWER' });
  h.send({ type: 'destroyed', cause: 16 });
  assert.equal(h.call.outcome, 'cancelled');
  assert.equal(h.call.hangupBy, 'agent');
});

test('AMD: StasisEnd of the continue is not a hangup; a human is connected within the drop timeout', async () => {
  const clock = new SimulatedClock();
  const h = new Harness(clock, POLICY);
  h.send({ type: 'ringing' });
  clock.advance(1000);
  h.send({ type: 'answered' });
  assert.deepEqual(h.effects.find((e) => e.type === 'continue_amd'), { type: 'continue_amd', waitForBeep: false });
  h.send({ type: 'stasis_end', fromDialplan: false });
  assert.equal(h.call.state, 'amd');
  clock.advance(2300);
  h.send({ type: 'amd', result: 'HUMAN', cause: 'HUMAN-808-800' });
  assert.equal(h.call.state, 'queued');
  clock.advance(1500);
  h.send({ type: 'agent_claimed', agentId: 'a1' });
  h.send({ type: 'agent_connected', agentId: 'a1' });
  await clock.advanceAsync(5000);
  assert.equal(h.call.state, 'connected');
  assert.equal(h.call.abandoned, false);
  clock.advance(30_000);
  h.send({ type: 'hangup_request', cause: 16 });
  h.send({ type: 'stasis_end', fromDialplan: false });
  assert.equal(h.call.state, 'connected', 'an originated channel ends at ChannelDestroyed');
  h.send({ type: 'destroyed', cause: 16, causeText: 'Normal Clearing' });
  assert.equal(h.call.outcome, 'human');
  assert.equal(h.call.hangupBy, 'customer');
  const cdr = buildCdr(h.call, { callId: 'c1', phone: '+15550100', campaignId: 'camp', leadId: 7 }, clock.now());
  assert.equal(cdr.wait_ms, 1500);
  assert.equal(cdr.talk_ms, 35_000);
  assert.equal(cdr.duration_ms, 1000 + 2300 + 1500 + 5000 + 30_000);
  assert.equal(cdr.amd_status, 'HUMAN');
  assert.equal(cdr.hangup_cause, 16);
  assert.deepEqual(h.published(), ['call.ringing', 'call.answered', 'call.amd', 'call.queued', 'call.connected', 'call.ended']);
});

test('no free agent within the drop timeout: the abandon message plays, the call is hung up and counted abandoned', async () => {
  const clock = new SimulatedClock();
  const h = new Harness(clock, { ...POLICY, amd: false });
  h.send({ type: 'answered' });
  await clock.advanceAsync(1999);
  assert.equal(h.call.state, 'queued');
  await clock.advanceAsync(1);
  assert.deepEqual(h.effects.at(-1), { type: 'play', what: 'abandon' });
  h.send({ type: 'playback_done', what: 'abandon' });
  assert.deepEqual(h.effects.at(-1), { type: 'hangup', by: 'system' });
  h.send({ type: 'agent_claimed', agentId: 'late' });
  h.send({ type: 'agent_connected', agentId: 'late' });
  assert.notEqual(h.call.state, 'connected', 'an agent freed after the drop is not connected');
  h.send({ type: 'destroyed', cause: 16 });
  assert.equal(h.call.outcome, 'abandoned');
  assert.equal(h.call.abandoned, true);
  assert.equal(h.call.hangupBy, 'system');
});

test('without abandon media the drop hangs up at once', async () => {
  const clock = new SimulatedClock();
  const h = new Harness(clock, { ...POLICY, amd: false, hasAbandonMedia: false });
  h.send({ type: 'answered' });
  await clock.advanceAsync(2000);
  assert.deepEqual(h.effects.at(-1), { type: 'hangup', by: 'system' });
});

test('a customer who hangs up while waiting for an agent is an abandon', () => {
  const clock = new SimulatedClock();
  const h = new Harness(clock, { ...POLICY, amd: false });
  h.send({ type: 'answered' });
  clock.advance(800);
  h.send({ type: 'hangup_request', cause: 16 });
  h.send({ type: 'destroyed', cause: 16 });
  assert.equal(h.call.outcome, 'abandoned');
  assert.equal(h.call.abandoned, true);
  assert.equal(h.call.hangupBy, 'customer');
});

test('machine: hang up, or drop a voicemail after the beep', () => {
  const hang = new Harness(new SimulatedClock(), POLICY);
  hang.send({ type: 'answered' });
  hang.send({ type: 'amd', result: 'MACHINE', cause: 'MAXWORDS-3-2' });
  assert.deepEqual(hang.effects.at(-1), { type: 'hangup', by: 'system' });
  hang.send({ type: 'destroyed', cause: 16 });
  assert.equal(hang.call.outcome, 'machine');

  const vm = new Harness(new SimulatedClock(), { ...POLICY, amdAction: 'voicemail_drop', hasVoicemailMedia: true });
  vm.send({ type: 'answered' });
  assert.deepEqual(vm.effects.find((e) => e.type === 'continue_amd'), { type: 'continue_amd', waitForBeep: true });
  vm.send({ type: 'amd', result: 'MACHINE', cause: 'MAXWORDS-3-2', beep: true });
  assert.deepEqual(vm.effects.at(-1), { type: 'play', what: 'voicemail' });
  vm.send({ type: 'playback_done', what: 'voicemail' });
  assert.deepEqual(vm.effects.at(-1), { type: 'hangup', by: 'system' });
  vm.send({ type: 'destroyed', cause: 16 });
  assert.equal(vm.call.outcome, 'machine');
  assert.equal(vm.call.abandoned, false);
});

test('inbound: consent, queue, and the fallback on queue timeout; a StasisEnd ends a dialplan-entered channel', async () => {
  const clock = new SimulatedClock();
  const h = new Harness(clock, { ...POLICY, consent: true, queueTimeoutMs: 30_000 }, 'inbound');
  assert.equal(h.call.state, 'ringing');
  h.send({ type: 'answered' });
  assert.deepEqual(h.effects.at(-1), { type: 'play', what: 'consent' });
  h.send({ type: 'playback_done', what: 'consent' });
  assert.equal(h.call.state, 'queued');
  await clock.advanceAsync(30_000);
  assert.deepEqual(h.effects.at(-1), { type: 'queue_fallback' });
  h.send({ type: 'hangup_request' });
  h.send({ type: 'stasis_end', fromDialplan: true });
  assert.equal(h.call.state, 'ended');
  assert.equal(h.call.hangupBy, 'customer');
  assert.equal(h.call.hangupCause, 16);
  assert.equal(h.call.abandoned, false, 'a caller who reached the fallback did not abandon the queue');

  const q = new Harness(clock, { ...POLICY, queueTimeoutMs: 30_000 }, 'inbound');
  q.send({ type: 'answered' });
  await clock.advanceAsync(10_000);
  q.send({ type: 'hangup_request' });
  q.send({ type: 'stasis_end', fromDialplan: true });
  assert.equal(q.call.outcome, 'abandoned');
  assert.equal(q.call.abandoned, true);
});

test('an ended call ignores everything after', () => {
  const h = new Harness(new SimulatedClock(), POLICY);
  h.send({ type: 'destroyed', cause: 34 });
  const before = h.call;
  h.send({ type: 'destroyed', cause: 16 });
  h.send({ type: 'answered' });
  assert.equal(h.call, before);
  assert.equal(h.published().filter((e) => e === 'call.ended').length, 1);
});

test('consent: none never, announce always, by jurisdiction for all-party states and abroad', async () => {
  const { consentRequired } = await import('@dialer/core');
  assert.equal(consentRequired('announce', false), false, 'nothing recorded, nothing to announce');
  assert.equal(consentRequired('none', true), false);
  assert.equal(consentRequired('announce', true, { country: 'US', region: 'TX' }), true);
  assert.equal(consentRequired('by_jurisdiction', true, { country: 'US', region: 'TX' }), false);
  assert.equal(consentRequired('by_jurisdiction', true, { country: 'US', region: 'CA' }), true);
  assert.equal(consentRequired('by_jurisdiction', true, { country: 'DE' }), true);
  assert.equal(consentRequired('by_jurisdiction', true, {}), true);
});

test('an AMD context that never returns to Stasis is given up after amdTimeoutMs', async () => {
  const clock = new SimulatedClock();
  const h = new Harness(clock, { ...POLICY, amdTimeoutMs: 10_000 });
  h.send({ type: 'answered' });
  h.send({ type: 'stasis_end', fromDialplan: false });
  await clock.advanceAsync(9_999);
  assert.equal(h.call.step, 'amd');
  await clock.advanceAsync(1);
  assert.deepEqual(h.effects.at(-1), { type: 'hangup', by: 'system' });
  h.send({ type: 'amd', result: 'HUMAN' });
  assert.equal(h.call.amdResult, 'NOTSURE', 'a late verdict changes nothing');
  h.send({ type: 'destroyed', cause: 16 });
  assert.equal(h.call.hangupBy, 'system');
});
