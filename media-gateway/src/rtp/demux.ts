// Tells legs apart on the shared RTP socket by the source address and port
// the controller registered (Asterisk's UNICASTRTP_LOCAL_ADDRESS/PORT). A
// packet from any other source never reaches a leg.
//
// Asterisk starts sending as soon as the ExternalMedia channel exists, often
// before the controller has told us where from. While some leg still waits
// for its source, packets from unknown sources are held briefly (bounded in
// sources, packets and age); when a leg registers a source, the packets held
// for exactly that source are replayed into it, the rest expire.

/** Something that receives datagrams: a leg. */
export interface DemuxTarget {
  onDatagram(buf: Buffer, arrivalMs: number): void;
}

/** Options of an {@link RtpDemux}. */
export interface DemuxOptions {
  /** How long unknown-source packets are held while a leg waits (0: never). */
  earlyPacketMs: number;
  /** Most distinct unknown sources held at once (default 256). */
  maxEarlySources?: number;
  /** Most packets held per source (default: earlyPacketMs / 20 * 2). */
  maxEarlyPackets?: number;
}

interface Early {
  bufs: Buffer[];
  at: number[];
}

interface Entry {
  address: string;
  target: DemuxTarget;
  /** Another source on the same port (another address). */
  next: Entry | undefined;
}

/** Source → leg routing for one socket. */
export class RtpDemux {
  /** Indexed by source port: the packet path does one array load, no hashing. */
  private readonly byPort: (Entry | undefined)[] = new Array<Entry | undefined>(65536).fill(undefined);
  private readonly early = new Map<string, Early>();
  private readonly maxSources: number;
  private readonly maxPackets: number;
  /** Legs opened but not yet told their source. */
  waiting = 0;
  /** Packets from sources no leg registered (dropped). */
  unknown = 0;
  /** Packets held for a waiting leg, and those that expired or overflowed. */
  earlyHeld = 0;
  earlyDropped = 0;

  constructor(private readonly o: DemuxOptions) {
    this.maxSources = o.maxEarlySources ?? 256;
    this.maxPackets = o.maxEarlyPackets ?? Math.max(1, Math.ceil(o.earlyPacketMs / 20) * 2);
  }

  /** The leg registered for this source, if any. */
  lookup(address: string, port: number): DemuxTarget | undefined {
    let e = this.byPort[port & 0xffff];
    while (e !== undefined) {
      if (e.address === address) return e.target;
      e = e.next;
    }
    return undefined;
  }

  /** Routes one datagram; returns false when it was dropped or held. */
  route(buf: Buffer, address: string, port: number, nowMs: number): boolean {
    const target = this.lookup(address, port);
    if (target) {
      target.onDatagram(buf, nowMs);
      return true;
    }
    if (this.waiting > 0 && this.o.earlyPacketMs > 0) this.hold(buf, address, port, nowMs);
    else this.unknown++;
    return false;
  }

  /**
   * Registers `target` for a source; returns the previous target of that
   * source, if another leg had it (the newest registration wins). Packets
   * held for the source are replayed into `target`.
   */
  register(target: DemuxTarget, address: string, port: number): DemuxTarget | undefined {
    const p = port & 0xffff;
    let previous: DemuxTarget | undefined;
    let e = this.byPort[p];
    while (e !== undefined && e.address !== address) e = e.next;
    if (e) {
      previous = e.target === target ? undefined : e.target;
      e.target = target;
    } else {
      this.byPort[p] = { address, target, next: this.byPort[p] };
    }
    const key = `${address}:${port}`;
    const held = this.early.get(key);
    if (held) {
      this.early.delete(key);
      for (let k = 0; k < held.bufs.length; k++) target.onDatagram(held.bufs[k]!, held.at[k]!);
    }
    return previous;
  }

  /** Removes `target` from the source it was registered for. */
  unregister(target: DemuxTarget, address: string, port: number): void {
    const p = port & 0xffff;
    let prev: Entry | undefined;
    for (let e = this.byPort[p]; e !== undefined; prev = e, e = e.next) {
      if (e.address !== address || e.target !== target) continue;
      if (prev) prev.next = e.next;
      else this.byPort[p] = e.next;
      return;
    }
  }

  /** Drops held packets older than the hold time, and all of them when no leg waits. */
  expire(nowMs: number): void {
    if (this.early.size === 0) return;
    for (const [key, e] of this.early) {
      if (this.waiting === 0 || nowMs - e.at[e.at.length - 1]! > this.o.earlyPacketMs) {
        this.earlyDropped += e.bufs.length;
        this.early.delete(key);
        continue;
      }
      let drop = 0;
      while (drop < e.at.length && nowMs - e.at[drop]! > this.o.earlyPacketMs) drop++;
      if (drop > 0) {
        e.bufs.splice(0, drop);
        e.at.splice(0, drop);
        this.earlyDropped += drop;
      }
    }
  }

  /** Number of sources with held packets. */
  get earlySources(): number {
    return this.early.size;
  }

  private hold(buf: Buffer, address: string, port: number, nowMs: number): void {
    const key = `${address}:${port}`;
    let e = this.early.get(key);
    if (!e) {
      if (this.early.size >= this.maxSources) {
        this.earlyDropped++;
        return;
      }
      e = { bufs: [], at: [] };
      this.early.set(key, e);
    }
    if (e.bufs.length >= this.maxPackets) {
      e.bufs.shift();
      e.at.shift();
      this.earlyDropped++;
    }
    e.bufs.push(buf);
    e.at.push(nowMs);
    this.earlyHeld++;
  }
}
