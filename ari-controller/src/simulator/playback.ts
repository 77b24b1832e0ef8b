import type { LiveRecording, Playback } from '../ari/generated/models.js';
import type { SimEngine } from './engine.js';
import { fail, type SimReply } from './dialplan.js';
import type { SimBridge, SimChannel } from './state.js';

interface SimPlayback {
  readonly id: string;
  readonly media: string[];
  index: number;
  readonly targetUri: string;
  readonly language: string;
  state: 'queued' | 'playing' | 'done';
  audio: Buffer | undefined;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  finish: (() => void) | undefined;
}

interface SimRecording {
  readonly name: string;
  readonly format: string;
  readonly targetUri: string;
  state: 'queued' | 'recording' | 'paused' | 'done';
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  finish: (() => void) | undefined;
}

/** Channel and bridge operations run one at a time (a recording starts when the playback before it ends). */
class OpQueue {
  private running = false;
  private readonly waiting: Array<() => Promise<void>> = [];

  push(op: () => Promise<void>): void {
    this.waiting.push(op);
    if (!this.running) this.next();
  }

  private next(): void {
    const op = this.waiting.shift();
    if (!op) {
      this.running = false;
      return;
    }
    this.running = true;
    op().then(
      () => this.next(),
      () => this.next(),
    );
  }
}

const DIGIT_MS = 250;

/** Playbacks, live and stored recordings: their REST replies, their events, and the audio they put on a channel. */
export class SimPlaybacks {
  private readonly playbacks = new Map<string, SimPlayback>();
  private readonly live = new Map<string, SimRecording>();
  readonly stored = new Map<string, { name: string; format: string; durationS: number }>();
  private readonly queues = new WeakMap<object, OpQueue>();

  constructor(private readonly e: SimEngine) {
    e.onPlaybackTargetGone = (id) => this.stopPlayback(id);
    e.onChannelGone = (ch) => this.targetGone(`channel:${ch.id}`);
  }

  private queue(target: object): OpQueue {
    let q = this.queues.get(target);
    if (!q) {
      q = new OpQueue();
      this.queues.set(target, q);
    }
    return q;
  }

  private scope(targetUri: string): { channels?: SimChannel[]; bridge?: SimBridge } {
    const [kind, id = ''] = targetUri.split(':');
    if (kind === 'channel') {
      const ch = this.e.channels.get(id);
      return ch ? { channels: [ch] } : {};
    }
    const br = this.e.bridges.get(id);
    return br ? { bridge: br } : {};
  }

  private playbackJson(p: SimPlayback): Playback {
    const j: Playback = { id: p.id, media_uri: p.media[p.index]!, target_uri: p.targetUri, language: p.language, state: p.state };
    if (p.index + 1 < p.media.length) j.next_media_uri = p.media[p.index + 1]!;
    return j;
  }

  private mediaAudio(uri: string): Buffer {
    const [scheme, ...rest] = uri.split(':');
    const what = rest.join(':');
    if (scheme === 'sound') return this.e.o.prompts.get(what).ulaw;
    if (scheme === 'digits') return Buffer.alloc(Math.max(1, what.length) * DIGIT_MS * 8, 0xff);
    if (scheme === 'recording') {
      const r = this.stored.get(what);
      return Buffer.alloc(Math.max(1, r?.durationS ?? 1) * 8000, 0xff);
    }
    if (scheme === 'tone') return this.e.o.prompts.get('tone-440-1000').ulaw;
    return this.e.o.prompts.get(what).ulaw;
  }

  /** `POST /channels/{id}/play` or `/bridges/{id}/play`: PlaybackStarted may precede the 201. */
  play(target: SimChannel | SimBridge, kind: 'channel' | 'bridge', p: { media: string; lang?: string; playbackId?: string }): SimReply {
    if (p.playbackId && this.playbacks.has(p.playbackId)) return fail(409, 'A playback with this id already exists');
    const pb: SimPlayback = {
      id: p.playbackId ?? this.e.newUuid(),
      media: p.media.split(','),
      index: 0,
      targetUri: `${kind}:${target.id}`,
      language: p.lang ?? 'en',
      state: 'queued',
      audio: undefined,
      startedAt: 0,
      timer: undefined,
      finish: undefined,
    };
    this.playbacks.set(pb.id, pb);
    target.playbacks.push(pb.id);
    const reply: SimReply = { status: 201, body: this.playbackJson(pb) };
    this.queue(target).push(
      () =>
        new Promise<void>((resolve) => {
          if (pb.state === 'done') return resolve();
          pb.finish = resolve;
          this.startItem(pb);
        }),
    );
    return reply;
  }

  private startItem(pb: SimPlayback): void {
    pb.state = 'playing';
    pb.audio = this.mediaAudio(pb.media[pb.index]!);
    pb.startedAt = Date.now();
    this.e.hub.emit(pb.index === 0 ? 'PlaybackStarted' : 'PlaybackContinuing', { playback: this.playbackJson(pb) }, this.scope(pb.targetUri));
    const ms = Math.round((pb.audio.length / 8000) * 1000);
    pb.timer = this.e.after(ms, () => {
      if (pb.index + 1 < pb.media.length) {
        pb.index++;
        this.startItem(pb);
      } else this.finishPlayback(pb);
    });
  }

  private finishPlayback(pb: SimPlayback): void {
    if (pb.state === 'done') return;
    const wasPlaying = pb.state === 'playing';
    pb.state = 'done';
    this.e.cancel(pb.timer);
    pb.audio = undefined;
    this.playbacks.delete(pb.id);
    const [kind, id = ''] = pb.targetUri.split(':');
    const owner = kind === 'channel' ? this.e.channels.get(id) : this.e.bridges.get(id);
    if (owner) owner.playbacks.splice(owner.playbacks.indexOf(pb.id) >>> 0, 1);
    if (wasPlaying) this.e.hub.emit('PlaybackFinished', { playback: this.playbackJson(pb) }, this.scope(pb.targetUri));
    pb.finish?.();
  }

  stopPlayback(id: string): boolean {
    const pb = this.playbacks.get(id);
    if (!pb) return false;
    this.finishPlayback(pb);
    return true;
  }

  getPlayback(id: string): SimReply {
    const pb = this.playbacks.get(id);
    return pb ? { status: 200, body: this.playbackJson(pb) } : fail(404, 'Playback not found');
  }

  /** The u-law frame a target hears from its playback right now, if any. */
  frameFor(targetUri: string, frameIndexOf: (startedAt: number) => number): Buffer | undefined {
    for (const pb of this.playbacks.values()) {
      if (pb.targetUri !== targetUri || pb.state !== 'playing' || !pb.audio) continue;
      const i = frameIndexOf(pb.startedAt) * 160;
      if (i + 160 <= pb.audio.length) return pb.audio.subarray(i, i + 160);
    }
    return undefined;
  }

  // --- recordings ------------------------------------------------------------

  private recJson(r: SimRecording, withDuration = false): LiveRecording {
    const j: LiveRecording = { name: r.name, format: r.format, state: r.state, target_uri: r.targetUri };
    if (withDuration) j.duration = Math.floor(((Date.now() - r.startedAt) / 1000) / this.e.o.timeScale);
    return j;
  }

  record(
    target: SimChannel | SimBridge,
    kind: 'channel' | 'bridge',
    p: { name: string; format: string; maxDurationSeconds?: number; ifExists?: string },
  ): SimReply {
    if (!p.name) return fail(400, 'Recording name is required');
    if (!['wav', 'gsm', 'ulaw', 'alaw', 'sln', 'wav49', 'g722', 'slin16'].includes(p.format)) return fail(422, `Unrecognized format ${p.format}`);
    const exists = this.live.has(p.name) || this.stored.has(p.name);
    if (exists && (p.ifExists ?? 'fail') === 'fail') return fail(409, 'Recording with the same name already exists on the system');
    if (this.live.has(p.name)) return fail(409, 'A recording with the same name is in progress');
    const r: SimRecording = { name: p.name, format: p.format, targetUri: `${kind}:${target.id}`, state: 'queued', startedAt: 0, timer: undefined, finish: undefined };
    this.live.set(r.name, r);
    const reply: SimReply = { status: 201, body: this.recJson(r) };
    this.queue(target).push(
      () =>
        new Promise<void>((resolve) => {
          if (r.state === 'done') return resolve();
          r.finish = resolve;
          r.state = 'recording';
          r.startedAt = Date.now();
          this.e.hub.emit('RecordingStarted', { recording: this.recJson(r) }, this.scope(r.targetUri));
          if (p.maxDurationSeconds && p.maxDurationSeconds > 0) r.timer = this.e.after(p.maxDurationSeconds * 1000, () => this.finishRecording(r));
        }),
    );
    return reply;
  }

  private finishRecording(r: SimRecording, cancel = false): void {
    if (r.state === 'done') return;
    const started = r.state !== 'queued';
    const scope = this.scope(r.targetUri);
    const body = this.recJson({ ...r, state: 'done' }, started);
    r.state = 'done';
    this.e.cancel(r.timer);
    this.live.delete(r.name);
    if (started && !cancel) {
      this.stored.set(r.name, { name: r.name, format: r.format, durationS: body.duration ?? 0 });
      this.e.hub.emit('RecordingFinished', { recording: body }, scope);
    }
    r.finish?.();
  }

  private targetGone(targetUri: string): void {
    for (const r of [...this.live.values()]) if (r.targetUri === targetUri) this.finishRecording(r);
  }

  liveOp(name: string, op: 'get' | 'stop' | 'cancel' | 'pause' | 'unpause' | 'mute' | 'unmute'): SimReply {
    const r = this.live.get(name);
    if (!r) return fail(404, 'Recording not found');
    switch (op) {
      case 'get':
        return { status: 200, body: this.recJson(r) };
      case 'stop':
        this.finishRecording(r);
        return { status: 204 };
      case 'cancel':
        this.finishRecording(r, true);
        return { status: 204 };
      case 'pause':
        r.state = 'paused';
        return { status: 204 };
      case 'unpause':
        if (r.state === 'paused') r.state = 'recording';
        return { status: 204 };
      default:
        return { status: 204 };
    }
  }

  storedOp(name: string, op: 'get' | 'delete'): SimReply {
    const s = this.stored.get(name);
    if (!s) return fail(404, 'Recording not found');
    if (op === 'delete') {
      this.stored.delete(name);
      return { status: 204 };
    }
    return { status: 200, body: { name: s.name, format: s.format } };
  }

  reset(): void {
    for (const pb of this.playbacks.values()) this.e.cancel(pb.timer);
    for (const r of this.live.values()) this.e.cancel(r.timer);
    this.playbacks.clear();
    this.live.clear();
  }
}
