// Which gateway answers a browser's offer that names none. The API relays
// `cmd.media.webrtc.offer` to every gateway on the bus; without this each one
// would answer and open a session, and the browser would connect to only one.
// Every gateway keeps the same picture of its peers from their heartbeats
// (and of who holds which session from `media.webrtc.state`), and they all
// apply the same rule, so exactly one answers:
//   1. the gateway that holds the session (a re-offer, an ICE restart);
//   2. none, if another live gateway is known to hold it;
//   3. otherwise the rendezvous-hash winner for the session id among the live
//      gateways that are neither draining nor full (among all live ones when
//      every one is: the winner then answers with its coded error).
import { createHash } from 'node:crypto';
import type { MessageData } from '@dialer/core';

type Beat = MessageData<'media.gateway.heartbeat'>;

interface Peer {
  readonly beat: Beat;
  readonly lastSeenMs: number;
}

/** Beats a peer may miss before it no longer counts (as the controller does). */
const MISSED_BEATS = 3;

/** A gateway's score for a session: the highest wins. Same on every node. */
export function placementScore(gatewayId: string, sessionId: string): string {
  return createHash('sha256').update(gatewayId).update('\0').update(sessionId).digest('hex');
}

export class OfferPlacement {
  private readonly peers = new Map<string, Peer>();
  /** Sessions other gateways reported (`media.webrtc.state`), by session id. */
  private readonly holders = new Map<string, string>();

  constructor(
    readonly gatewayId: string,
    private readonly defaultIntervalMs: number,
  ) {}

  /**
   * Records a heartbeat (this gateway's own too). Returns true the first time
   * a gateway is seen (or seen restarted), so the caller can beat back at once
   * and the newcomer learns of it without waiting a whole interval.
   */
  onHeartbeat(beat: Beat, nowMs: number): boolean {
    const known = this.peers.get(beat.gatewayId);
    this.peers.set(beat.gatewayId, { beat, lastSeenMs: nowMs });
    if (beat.gatewayId === this.gatewayId) return false;
    const restarted = known !== undefined && known.beat.startedAtMs !== beat.startedAtMs;
    // A restarted gateway holds none of its old sessions.
    if (restarted) this.forget(beat.gatewayId);
    return known === undefined || restarted || !this.live(known, nowMs);
  }

  /** Drops peers that stopped beating, and the sessions they held. */
  prune(nowMs: number): void {
    for (const [id, p] of this.peers) {
      if (id === this.gatewayId || this.live(p, nowMs)) continue;
      this.peers.delete(id);
      this.forget(id);
    }
  }

  private forget(gatewayId: string): void {
    for (const [sessionId, holder] of this.holders) if (holder === gatewayId) this.holders.delete(sessionId);
  }

  /** Records which gateway holds a session, from `media.webrtc.state`. */
  onSessionState(d: MessageData<'media.webrtc.state'>): void {
    if (d.gatewayId === this.gatewayId) return;
    if (d.state === 'closed' || d.state === 'failed') {
      if (this.holders.get(d.sessionId) === d.gatewayId) this.holders.delete(d.sessionId);
    } else this.holders.set(d.sessionId, d.gatewayId);
  }

  /** Whether this gateway answers an offer for `sessionId` that names no gateway. */
  answers(sessionId: string, holdsIt: boolean, nowMs: number): boolean {
    if (holdsIt) return true;
    const holder = this.holders.get(sessionId);
    if (holder !== undefined) {
      const p = this.peers.get(holder);
      if (p && this.live(p, nowMs)) return false;
      this.holders.delete(sessionId);
    }
    return this.winner(sessionId, nowMs) === this.gatewayId;
  }

  /** The gateway that should take a new session, as far as this one knows. */
  winner(sessionId: string, nowMs: number): string {
    const live = [...this.peers.values()].filter((p) => p.beat.gatewayId === this.gatewayId || this.live(p, nowMs));
    // Until its own first beat is recorded, a gateway still counts itself.
    if (!this.peers.has(this.gatewayId)) return this.gatewayId;
    const open = live.filter((p) => !p.beat.draining && p.beat.legs < p.beat.maxLegs);
    let best: string | undefined;
    let bestScore = '';
    for (const p of open.length > 0 ? open : live) {
      const score = placementScore(p.beat.gatewayId, sessionId);
      if (best === undefined || score > bestScore) {
        best = p.beat.gatewayId;
        bestScore = score;
      }
    }
    return best ?? this.gatewayId;
  }

  /** Gateways currently counted (this one included), for logs and tests. */
  liveGateways(nowMs: number): string[] {
    return [...this.peers.values()].filter((p) => p.beat.gatewayId === this.gatewayId || this.live(p, nowMs)).map((p) => p.beat.gatewayId).sort();
  }

  private live(p: Peer, nowMs: number): boolean {
    return nowMs - p.lastSeenMs <= MISSED_BEATS * (p.beat.intervalMs ?? this.defaultIntervalMs);
  }
}
