import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { silentLogger, type AnyMessage, type Clock } from '@dialer/core';
import { CallDirectory, messageKeys } from './router.js';

/** A connected client as the hub sees it; the transport (ws) implements it. */
export interface HubClient {
  readonly tenantId: string;
  /** Routing keys the client is subscribed to (the hub keeps its index in step). */
  readonly keys: Set<string>;
  /** Seq of the last broadcast that reached this client (dedupes clients matched by several keys). */
  mark: number;
  /** Sends one pre-encoded text frame. */
  send(frame: Buffer): void;
  /** Bytes queued and not yet written to the socket. */
  readonly bufferedAmount: number;
  /** Disconnects the client; it may reconnect and resume. */
  drop(reason: 'slow_consumer' | 'heartbeat' | 'shutdown'): void;
}

interface Entry {
  seq: number;
  id: string;
  tenantId: string;
  keys: string[];
  frame: Buffer;
  at: number;
}

/** Settings of the hub. */
export interface HubOptions {
  clock: Clock;
  maxBufferedBytes: number;
  /** How long frames are kept for resuming clients. */
  resumeWindowMs: number;
  /** Upper bound of frames kept, whatever their age. */
  resumeMaxFrames?: number;
  teamOfAgent?: (tenantId: string, agentId: string) => string | undefined;
  log?: Logger;
  onSent?: (n: number) => void;
  onDropped?: (reason: string) => void;
  onLag?: (seconds: number) => void;
}

/** How a resume went: replayed n frames, or the client must reload its state (`resync`). */
export type ResumeResult = { ok: true; replayed: number } | { ok: false; reason: string };

/**
 * The fan-out core: routes each bus message to the clients subscribed to its
 * keys, within its tenant. Each message is encoded once; every client gets the
 * same Buffer. Frames are numbered and kept for a short window so that a
 * client that reconnects (or was dropped for being slow) can catch up.
 */
export class RealtimeHub {
  /** Identifies this hub's numbering; seqs from another node or process mean nothing here. */
  readonly stream = randomBytes(8).toString('hex');
  private seq = 0;
  private readonly ring: Entry[] = [];
  private ringHead = 0;
  private readonly idToSeq = new Map<string, number>();
  private readonly index = new Map<string, Map<string, Set<HubClient>>>();
  private readonly clients = new Set<HubClient>();
  readonly calls: CallDirectory;
  private readonly log: Logger;
  private readonly maxFrames: number;

  constructor(private readonly o: HubOptions) {
    this.calls = new CallDirectory(() => o.clock.now());
    this.log = o.log ?? silentLogger();
    this.maxFrames = o.resumeMaxFrames ?? 100_000;
  }

  get size(): number {
    return this.clients.size;
  }

  /** The current sequence number (the last frame's). */
  get lastSeq(): number {
    return this.seq;
  }

  add(c: HubClient): void {
    this.clients.add(c);
    for (const k of c.keys) this.indexAdd(c, k);
  }

  remove(c: HubClient): void {
    if (!this.clients.delete(c)) return;
    for (const k of c.keys) this.indexRemove(c, k);
  }

  /** Adds routing keys to a client. */
  subscribe(c: HubClient, keys: Iterable<string>): void {
    for (const k of keys) {
      if (c.keys.has(k)) continue;
      c.keys.add(k);
      if (this.clients.has(c)) this.indexAdd(c, k);
    }
  }

  /** Removes routing keys from a client. */
  unsubscribe(c: HubClient, keys: Iterable<string>): void {
    for (const k of keys) {
      if (!c.keys.delete(k)) continue;
      this.indexRemove(c, k);
    }
  }

  private indexAdd(c: HubClient, k: string): void {
    let t = this.index.get(c.tenantId);
    if (!t) {
      t = new Map();
      this.index.set(c.tenantId, t);
    }
    let s = t.get(k);
    if (!s) {
      s = new Set();
      t.set(k, s);
    }
    s.add(c);
  }

  private indexRemove(c: HubClient, k: string): void {
    const t = this.index.get(c.tenantId);
    const s = t?.get(k);
    if (!s) return;
    s.delete(c);
    if (s.size === 0) t!.delete(k);
    if (t!.size === 0) this.index.delete(c.tenantId);
  }

  /** Routes one bus message to its subscribers. Returns the number of clients it reached. */
  publish(msg: AnyMessage): number {
    this.calls.observe(msg);
    const keys = messageKeys(msg, {
      agentOfCall: (id) => this.calls.agentOfCall(id),
      campaignOfCall: (id) => this.calls.campaignOfCall(id),
      teamOfAgent: (t, a) => this.o.teamOfAgent?.(t, a),
    });
    if (keys.length === 0) return 0;
    const now = this.o.clock.now();
    const seq = ++this.seq;
    // Encoded once for every client: the envelope is already JSON-safe.
    const frame = Buffer.from(`{"seq":${seq},"msg":${JSON.stringify(msg)}}`);
    this.remember({ seq, id: msg.id, tenantId: msg.tenantId, keys, frame, at: now });
    const tenant = this.index.get(msg.tenantId);
    if (!tenant) return 0;
    let sent = 0;
    let slow: HubClient[] | undefined;
    for (const k of keys) {
      const set = tenant.get(k);
      if (!set) continue;
      for (const c of set) {
        if (c.mark === seq) continue;
        c.mark = seq;
        c.send(frame);
        sent++;
        if (c.bufferedAmount > this.o.maxBufferedBytes) (slow ??= []).push(c);
      }
    }
    if (slow) for (const c of slow) this.dropSlow(c);
    if (sent > 0) {
      this.o.onSent?.(sent);
      const t = Date.parse(msg.time);
      if (!Number.isNaN(t)) this.o.onLag?.(Math.max(0, now - t) / 1000);
    }
    return sent;
  }

  private dropSlow(c: HubClient): void {
    this.remove(c);
    this.o.onDropped?.('slow_consumer');
    this.log.warn({ tenantId: c.tenantId, bufferedBytes: c.bufferedAmount }, 'dropping slow websocket client');
    c.drop('slow_consumer');
  }

  private remember(e: Entry): void {
    this.ring.push(e);
    this.idToSeq.set(e.id, e.seq);
    const cutoff = e.at - this.o.resumeWindowMs;
    while (this.ringHead < this.ring.length) {
      const first = this.ring[this.ringHead]!;
      if (first.at >= cutoff && this.ring.length - this.ringHead <= this.maxFrames) break;
      this.idToSeq.delete(first.id);
      this.ringHead++;
    }
    // Compact now and then instead of shifting on every message.
    if (this.ringHead > 4096 && this.ringHead * 2 > this.ring.length) {
      this.ring.splice(0, this.ringHead);
      this.ringHead = 0;
    }
  }

  /**
   * Replays, to one client, the kept frames after a position: `{ stream, seq }`
   * from this hub, or `{ lastId }` (a message id, which every node knows).
   */
  resume(c: HubClient, from: { stream?: string | undefined; seq?: number | undefined; lastId?: string | undefined }): ResumeResult {
    let after: number | undefined;
    if (from.stream === this.stream && from.seq !== undefined) after = from.seq;
    else if (from.lastId !== undefined) after = this.idToSeq.get(from.lastId);
    if (after === undefined) return { ok: false, reason: 'position unknown on this node' };
    const firstKept = this.ringHead < this.ring.length ? this.ring[this.ringHead]!.seq : this.seq + 1;
    if (after < firstKept - 1) return { ok: false, reason: 'position older than the resume window' };
    if (after > this.seq) return { ok: false, reason: 'position ahead of this node' };
    let replayed = 0;
    for (let i = this.ringHead + Math.max(0, after - firstKept + 1); i < this.ring.length; i++) {
      const e = this.ring[i]!;
      if (e.seq <= after || e.tenantId !== c.tenantId) continue;
      if (!e.keys.some((k) => c.keys.has(k))) continue;
      c.send(e.frame);
      replayed++;
    }
    return { ok: true, replayed };
  }

  /** Disconnects every client (shutdown). */
  dropAll(reason: 'shutdown'): void {
    for (const c of [...this.clients]) {
      this.remove(c);
      c.drop(reason);
    }
  }

  /** Tenants with at least one client. */
  tenants(): string[] {
    return [...this.index.keys()];
  }
}
