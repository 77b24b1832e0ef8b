// The softphone's reconnects, with the browser's WebRTC and media objects faked:
// a failed path is re-offered on the same gateway session after a backoff, a brief
// disconnection gets its grace period, a refused offer is retried, a blocked
// microphone is not (the agent must act), and close() releases everything.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Api } from '../src/api.js';
import { Softphone, type PhoneState } from '../src/webrtc/softphone.js';
import { FakeTimers } from './helpers/fake-timers.js';

class FakeTrack {
  enabled = true;
  stopped = false;
  stop(): void {
    this.stopped = true;
  }
}

class FakeStream {
  readonly tracks = [new FakeTrack()];
  getAudioTracks(): FakeTrack[] {
    return this.tracks;
  }
  getTracks(): FakeTrack[] {
    return this.tracks;
  }
}

class FakePc {
  static all: FakePc[] = [];
  connectionState = 'new';
  iceGatheringState = 'complete';
  localDescription: { type: string; sdp: string } | undefined;
  remote: { type: string; sdp: string } | undefined;
  onconnectionstatechange: (() => void) | null = null;
  ontrack: unknown = null;
  closed = false;
  readonly tracks: unknown[] = [];
  constructor() {
    FakePc.all.push(this);
  }
  addTrack(t: unknown): void {
    this.tracks.push(t);
  }
  addTransceiver(): void {}
  async createOffer(): Promise<{ type: string; sdp: string }> {
    return { type: 'offer', sdp: `offer ${FakePc.all.length}` };
  }
  async setLocalDescription(d: { type: string; sdp: string }): Promise<void> {
    this.localDescription = d;
  }
  async setRemoteDescription(d: { type: string; sdp: string }): Promise<void> {
    this.remote = d;
  }
  addEventListener(): void {}
  removeEventListener(): void {}
  async getStats(): Promise<Map<string, unknown>> {
    return new Map();
  }
  close(): void {
    this.closed = true;
    this.connectionState = 'closed';
  }
  /** The browser reports a new connection state. */
  to(s: string): void {
    this.connectionState = s;
    this.onconnectionstatechange?.();
  }
}

let micError: { name: string; message: string } | undefined;
let streams: FakeStream[] = [];
const saved = new Map<string, PropertyDescriptor | undefined>();
const fakes: Record<string, unknown> = {
  document: {
    createElement: () => ({ autoplay: false, hidden: false, srcObject: null, setAttribute() {}, play: async () => undefined, remove() {} }),
    body: { appendChild() {} },
  },
  navigator: {
    mediaDevices: {
      getUserMedia: async () => {
        if (micError) throw micError;
        const s = new FakeStream();
        streams.push(s);
        return s;
      },
    },
  },
  RTCPeerConnection: FakePc,
  MediaStream: FakeStream,
  AudioContext: class {
    state = 'running';
    createMediaStreamSource() {
      return { connect() {} };
    }
    createAnalyser() {
      return { fftSize: 0, getFloatTimeDomainData() {} };
    }
    close() {
      return Promise.resolve();
    }
  },
};

before(() => {
  for (const [k, v] of Object.entries(fakes)) {
    saved.set(k, Object.getOwnPropertyDescriptor(globalThis, k));
    Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  }
});
after(() => {
  for (const [k, d] of saved) {
    if (d) Object.defineProperty(globalThis, k, d);
    else delete (globalThis as Record<string, unknown>)[k];
  }
});

// Every phone is closed after its test, pass or fail (its meter and statistics timers are real).
const phones: Softphone[] = [];
afterEach(() => {
  for (const p of phones.splice(0)) p.close();
});

/** Lets the softphone's awaits (offer, API answer, descriptions) run. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

interface Offer {
  sdp: string;
  role: string;
  sessionId?: string;
}

function setup(refuse: () => Error | undefined = () => undefined) {
  FakePc.all = [];
  streams = [];
  micError = undefined;
  const offers: Offer[] = [];
  const closedSessions: string[] = [];
  const api = {
    webrtcOffer: async (body: Offer) => {
      offers.push(body);
      const err = refuse();
      if (err) throw err;
      return { sdp: 'answer', sessionId: 'sess-1' };
    },
    webrtcClose: async (id: string) => {
      closedSessions.push(id);
    },
  } as unknown as Api;
  const timers = new FakeTimers();
  // random = 1: the backoff waits its full nominal delay (500 ms, then 1 s, 2 s, ...).
  const phone = new Softphone(api, { role: 'agent', timers, random: () => 1 });
  phones.push(phone);
  const states: PhoneState[] = [];
  const errors: unknown[] = [];
  phone.on('state', (s) => states.push(s));
  phone.on('error', (e) => errors.push(e));
  return { phone, timers, offers, closedSessions, states, errors, pc: () => FakePc.all.at(-1)! };
}

test('a failed audio path is re-offered after a backoff, on the same gateway session', async () => {
  const t = setup();
  await t.phone.connect();
  await flush();
  assert.equal(t.offers.length, 1);
  assert.equal(t.offers[0]!.sessionId, undefined, 'the first offer opens a new session');
  assert.equal(t.pc().remote?.sdp, 'answer');
  t.pc().to('connected');
  assert.equal(t.phone.state, 'connected');

  const first = t.pc();
  first.to('failed');
  assert.equal(t.phone.state, 'reconnecting');
  t.timers.advance(499);
  await flush();
  assert.equal(t.offers.length, 1, 'not before the backoff delay');
  t.timers.advance(1);
  await flush();
  assert.equal(t.offers.length, 2);
  assert.equal(t.offers[1]!.sessionId, 'sess-1', 'the re-offer keeps the session, so the gateway replaces the path');
  assert.equal(first.closed, true, 'the failed connection is closed');
  assert.notEqual(t.pc(), first);
  t.pc().to('connected');
  assert.deepEqual(t.states, ['connecting', 'connected', 'reconnecting', 'connected']);
  assert.equal(streams.length, 1, 'the microphone stays open across the reconnect');
  t.phone.close();
});

test('a brief disconnection gets 3 s to recover by itself; a longer one reconnects', async () => {
  const t = setup();
  await t.phone.connect();
  await flush();
  t.pc().to('connected');
  t.pc().to('disconnected');
  t.timers.advance(2999);
  t.pc().to('connected');
  t.timers.advance(10_000);
  await flush();
  assert.equal(t.offers.length, 1, 'no re-offer for a blip');
  assert.ok(!t.states.includes('reconnecting'));

  t.pc().to('disconnected');
  t.timers.advance(3000);
  assert.equal(t.phone.state, 'reconnecting');
  t.timers.advance(500);
  await flush();
  assert.equal(t.offers.length, 2);
  t.phone.close();
});

test('a refused offer (API or gateway down) is retried with growing delays until it succeeds', async () => {
  let refusals = 2;
  const t = setup(() => (refusals-- > 0 ? Object.assign(new Error('Failed to fetch'), { name: 'TypeError' }) : undefined));
  await t.phone.connect();
  await flush();
  assert.equal(t.phone.state, 'reconnecting');
  assert.equal(t.errors.length, 1, 'each failure is reported (the page shows it as a notice)');
  assert.equal(t.timers.nextDelay(), 500);
  t.timers.advance(500);
  await flush();
  assert.equal(t.offers.length, 2);
  assert.equal(t.timers.nextDelay(), 1000, 'the delay doubles');
  t.timers.advance(1000);
  await flush();
  assert.equal(t.offers.length, 3);
  t.pc().to('connected');
  assert.equal(t.phone.state, 'connected');
  t.phone.close();
});

test('a blocked microphone fails at once and is not retried', async () => {
  const t = setup();
  micError = { name: 'NotAllowedError', message: 'Permission denied' };
  await t.phone.connect();
  await flush();
  assert.equal(t.phone.state, 'failed');
  assert.equal((t.errors[0] as { name: string }).name, 'NotAllowedError');
  assert.equal(t.offers.length, 0);
  assert.equal(t.timers.nextDelay(), undefined, 'nothing is scheduled');
  t.phone.close();
});

test('close() hangs up, releases the microphone, closes the session and stops reconnecting', async () => {
  const t = setup();
  await t.phone.connect();
  await flush();
  t.pc().to('connected');
  const pc = t.pc();
  t.phone.close();
  await flush();
  assert.equal(t.phone.state, 'closed');
  assert.equal(pc.closed, true);
  assert.equal(streams[0]!.tracks[0]!.stopped, true);
  assert.deepEqual(t.closedSessions, ['sess-1']);
  pc.to('failed');
  t.timers.advance(60_000);
  await flush();
  assert.equal(t.offers.length, 1, 'no reconnect after close');
});
