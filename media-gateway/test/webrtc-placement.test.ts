import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, type MessageData } from '@dialer/core';
import { createTestContext, waitFor } from '@dialer/core/testing';
import { createMediaDaemon, type AnswerFn } from '@dialer/media-gateway';
import type { PeerState } from '../src/transport/webrtc-peer.js';
import { OfferPlacement, placementScore } from '../src/webrtc/placement.js';
import { mediaConfig } from './helpers/rtp.js';

/** Answers without a network: every answer is recorded, and the test can connect the peer. */
function fakeAnswer(log: string[], gatewayId: string, connect: Map<string, (s: PeerState) => void>): AnswerFn {
  return async (offer) => {
    log.push(`${gatewayId} ${offer}`);
    let onState: ((s: PeerState) => void) | undefined;
    connect.set(`${gatewayId} ${offer}`, (s) => onState?.(s));
    return {
      sdp: `answer from ${gatewayId}`,
      peer: { codec: 'ulaw', onRtp() {}, onState: (h) => void (onState = h), send() {}, close: async () => {} },
    };
  };
}

/** Two gateways on one in-process bus (as on one Redis). */
async function twoGateways() {
  const ctx = await createTestContext({ nodeId: 'n1' });
  const answered: string[] = [];
  const connect = new Map<string, (s: PeerState) => void>();
  const make = (id: string) => createMediaDaemon(ctx, mediaConfig(), { gatewayId: id, answer: fakeAnswer(answered, id, connect) });
  const a = make('media:a');
  const b = make('media:b');
  await a.start();
  await b.start();
  // Each learns of the other at once (the newcomer's beat is answered with a beat).
  await waitFor(() => a.placement.liveGateways(Date.now()).length === 2 && b.placement.liveGateways(Date.now()).length === 2, 1000);
  const offer = (sessionId: string, extra: Record<string, unknown> = {}) =>
    ctx.bus.request(createMessage('cmd.media.webrtc.offer', 't1', { sessionId, role: 'agent', agentId: 'a1', sdp: sessionId, ...extra }), { timeoutMs: 1000 }) as Promise<{
      sdp: string;
      gatewayId: string;
    }>;
  const close = async () => {
    await a.close();
    await b.close();
    await ctx.close();
  };
  return { ctx, a, b, answered, connect, offer, close };
}

/** Lets replies and events still on the bus arrive. */
const settle = () => new Promise((r) => setTimeout(r, 30));

test('an offer that names no gateway is answered by exactly one of two gateways; re-offers stay with the holder', async () => {
  const g = await twoGateways();
  try {
    const ids = Array.from({ length: 24 }, (_, i) => `session-${i}`);
    const replies = await Promise.all(ids.map((id) => g.offer(id)));
    await settle();
    // One answer (one session, one ICE agent) per offer, on the gateway that replied.
    assert.equal(g.answered.length, ids.length);
    assert.equal(g.a.gateway.sessions.size + g.b.gateway.sessions.size, ids.length);
    for (const [i, id] of ids.entries()) {
      const holder = replies[i]!.gatewayId === 'media:a' ? g.a : g.b;
      assert.ok(holder.gateway.sessions.has(id), `${id} on ${replies[i]!.gatewayId}`);
      assert.equal(replies[i]!.sdp, `answer from ${replies[i]!.gatewayId}`);
    }
    // Spread over both, by the session id's hash.
    assert.ok(g.a.gateway.sessions.size > 0 && g.b.gateway.sessions.size > 0);

    // A re-offer (ICE restart) is answered by the gateway that holds the session, and by it only.
    const onA = ids.find((id) => g.a.gateway.sessions.has(id))!;
    const again = await g.offer(onA);
    await settle();
    assert.equal(again.gatewayId, 'media:a');
    assert.equal(g.answered.length, ids.length + 1);
    assert.equal(g.b.gateway.sessions.has(onA), false);

    // An offer that names a gateway is answered by that one only.
    const named = await g.offer('named-1', { gatewayId: 'media:b' });
    await settle();
    assert.equal(named.gatewayId, 'media:b');
    assert.equal(g.answered.filter((x) => x.endsWith(' named-1')).length, 1);

    // A session that b holds though a is the hash winner (placed by name, or before a gateway joined):
    // once b reports it connected, a re-offer naming no gateway goes to b alone.
    const misplaced = Array.from({ length: 64 }, (_, i) => `moved-${i}`).find((id) => g.a.placement.winner(id, Date.now()) === 'media:a')!;
    await g.offer(misplaced, { gatewayId: 'media:b' });
    g.connect.get(`media:b ${misplaced}`)!('connected');
    await waitFor(() => !g.a.placement.answers(misplaced, false, Date.now()), 1000);
    const back = await g.offer(misplaced);
    await settle();
    assert.equal(back.gatewayId, 'media:b');
    assert.equal(g.answered.filter((x) => x.endsWith(` ${misplaced}`)).length, 2);
    assert.equal(g.a.gateway.sessions.has(misplaced), false);
  } finally {
    await g.close();
  }
});

test('a draining gateway takes no new browser sessions; the other answers them all', async () => {
  const g = await twoGateways();
  try {
    await g.a.drain(new AbortController().signal);
    await waitFor(() => g.b.placement.winner('x', Date.now()) === 'media:b' && g.b.placement.winner('y', Date.now()) === 'media:b', 1000);
    const ids = Array.from({ length: 12 }, (_, i) => `s-${i}`);
    const replies = await Promise.all(ids.map((id) => g.offer(id)));
    await settle();
    assert.deepEqual(new Set(replies.map((r) => r.gatewayId)), new Set(['media:b']));
    assert.equal(g.answered.length, ids.length);
    assert.equal(g.a.gateway.sessions.size, 0);
  } finally {
    await g.close();
  }
});

const beat = (gatewayId: string, over: Partial<MessageData<'media.gateway.heartbeat'>> = {}): MessageData<'media.gateway.heartbeat'> => ({
  gatewayId,
  rtpHost: '127.0.0.1',
  legs: 0,
  maxLegs: 10,
  draining: false,
  startedAtMs: 1,
  intervalMs: 1000,
  ...over,
});

test('placement: every gateway picks the same one; holders, full, dead and restarted gateways', () => {
  const ids = ['g1', 'g2', 'g3'];
  const views = ids.map((id) => new OfferPlacement(id, 1000));
  for (const v of views) for (const id of ids) v.onHeartbeat(beat(id), 0);
  const sessions = Array.from({ length: 60 }, (_, i) => `s${i}`);
  for (const s of sessions) {
    // Exactly one of the three answers a new session: the highest score.
    const answering = views.filter((v) => v.answers(s, false, 10)).map((v) => v.gatewayId);
    const best = [...ids].sort((x, y) => (placementScore(y, s) > placementScore(x, s) ? 1 : -1))[0];
    assert.deepEqual(answering, [best]);
  }
  const s = sessions[0]!;
  const winner = views.find((v) => v.answers(s, false, 10))!;
  const other = views.find((v) => v !== winner)!;
  // The session lives on another gateway (it said so): the hash winner stays out; the holder answers.
  winner.onSessionState({ sessionId: s, gatewayId: other.gatewayId, legId: 'l', role: 'agent', state: 'connected' });
  assert.equal(winner.answers(s, false, 10), false);
  assert.equal(other.answers(s, true, 10), true);
  // Closed: back to the hash.
  winner.onSessionState({ sessionId: s, gatewayId: other.gatewayId, legId: 'l', role: 'agent', state: 'closed' });
  assert.equal(winner.answers(s, false, 10), true);
  // A full gateway is passed over (by all, from its own beat).
  for (const v of views) v.onHeartbeat(beat(winner.gatewayId, { legs: 10 }), 20);
  assert.equal(views.filter((v) => v.answers(s, false, 30)).length, 1);
  assert.equal(winner.answers(s, false, 30), false);
  // Everyone full: the hash winner answers anyway (with its capacity error), not nobody.
  for (const v of views) for (const id of ids) v.onHeartbeat(beat(id, { legs: 10 }), 40);
  assert.deepEqual(views.filter((v) => v.answers(s, false, 50)).map((v) => v.gatewayId), [winner.gatewayId]);
  // A gateway silent for 3 beats no longer counts; seen again (restarted), it is new and is beaten back to.
  const g1 = views[0]!;
  g1.prune(40 + 3001);
  assert.deepEqual(g1.liveGateways(40 + 3001), ['g1']);
  assert.equal(g1.onHeartbeat(beat('g2', { startedAtMs: 5 }), 5000), true);
  assert.equal(g1.onHeartbeat(beat('g2', { startedAtMs: 5 }), 5100), false);
});
