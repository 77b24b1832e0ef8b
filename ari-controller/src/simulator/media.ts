import { FRAME_SAMPLES, mixUlaw, ULAW_SILENCE } from './audio.js';
import type { SimEngine } from './engine.js';
import type { SimPlaybacks } from './playback.js';
import type { AudioCursor, SimChannel } from './state.js';

const FRAME_MS = 20;
const SILENCE = Buffer.alloc(FRAME_SAMPLES, ULAW_SILENCE);

/**
 * Moves audio: every 20 ms, each ExternalMedia channel sends what it hears
 * (the other members of its bridge, or a snoop's direction) as one RTP
 * packet, paced in real time. What comes back on its socket becomes what that
 * channel says to the bridge.
 */
export class SimMedia {
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private tickInbound = new Map<string, Buffer | null>();

  constructor(
    private readonly e: SimEngine,
    private readonly playbacks: SimPlaybacks,
  ) {}

  /** Starts the 20 ms clock while ExternalMedia channels exist; idempotent. */
  ensureRunning(): void {
    if (this.timer) return;
    this.next = Date.now();
    this.timer = setInterval(() => this.onTimer(), FRAME_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private onTimer(): void {
    const now = Date.now();
    let n = 0;
    // Catch up after a late timer, but never burst more than 5 frames.
    while (this.next <= now && n < 5) {
      this.tick();
      this.next += FRAME_MS;
      n++;
    }
    if (this.next <= now) this.next = now + FRAME_MS;
    let any = false;
    for (const ch of this.e.channels.values()) if (ch.kind === 'externalMedia') any = true;
    if (!any) this.stop();
  }

  private frameIndex(startedAt: number): number {
    return Math.floor((Date.now() - startedAt) / (FRAME_MS * this.e.o.timeScale));
  }

  private cursorFrame(c: AudioCursor | undefined): Buffer | null {
    if (!c) return null;
    let i = this.frameIndex(c.startedAt) * FRAME_SAMPLES;
    if (c.loop && c.audio.length >= FRAME_SAMPLES) i %= c.audio.length - (c.audio.length % FRAME_SAMPLES);
    if (i + FRAME_SAMPLES > c.audio.length) return null;
    return c.audio.subarray(i, i + FRAME_SAMPLES);
  }

  /** What `ch` brings into Asterisk now (the far end's voice, a snoop's tap, an ExternalMedia's return audio). */
  inbound(ch: SimChannel, depth = 0): Buffer | null {
    if (depth > 4) return null;
    const cached = this.tickInbound.get(ch.id);
    if (cached !== undefined) return cached;
    let f: Buffer | null = null;
    if (ch.kind === 'externalMedia') f = ch.rtp?.takeReceived() ?? null;
    else if (ch.kind === 'snoop' && ch.snoopOf) {
      const target = this.e.channels.get(ch.snoopOf.target);
      if (target) {
        const parts: Buffer[] = [];
        if (ch.snoopOf.spy === 'in' || ch.snoopOf.spy === 'both') parts.push(this.inbound(target, depth + 1) ?? SILENCE);
        if (ch.snoopOf.spy === 'out' || ch.snoopOf.spy === 'both') parts.push(this.outbound(target, depth + 1) ?? SILENCE);
        f = parts.length > 0 ? mixUlaw(parts) : SILENCE;
      }
    } else if (ch.echo) f = this.outbound(ch, depth + 1);
    else f = this.cursorFrame(ch.speech);
    this.tickInbound.set(ch.id, f);
    return f;
  }

  /** What `ch` hears now: its own playback, or the mix of its bridge. */
  outbound(ch: SimChannel, depth = 0): Buffer | null {
    const own = this.playbacks.frameFor(`channel:${ch.id}`, (t) => this.frameIndex(t));
    if (own) return own;
    if (!ch.bridgeId) return null;
    const br = this.e.bridges.get(ch.bridgeId);
    if (!br) return null;
    const parts: Buffer[] = [];
    const bp = this.playbacks.frameFor(`bridge:${br.id}`, (t) => this.frameIndex(t));
    if (bp) parts.push(bp);
    for (const id of br.channels) {
      if (id === ch.id) continue;
      const m = this.e.channels.get(id);
      const f = m ? this.inbound(m, depth + 1) : null;
      if (f) parts.push(f);
    }
    return parts.length > 0 ? mixUlaw(parts) : null;
  }

  private tick(): void {
    this.tickInbound = new Map();
    for (const ch of this.e.channels.values()) {
      if (ch.kind !== 'externalMedia' || !ch.rtp || !ch.answered) continue;
      const f = this.outbound(ch);
      if (f) ch.rtp.sendUlawFrame(f);
    }
  }
}
