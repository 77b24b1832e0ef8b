import { Reconnector, realTimers, type Timers } from '../lib/backoff.js';
import { Emitter } from '../lib/events.js';
import { LiveDetector, meterLevel, smoothLevel } from '../lib/audio-level.js';
import type { Api } from '../api.js';

/** Where the softphone's audio path stands. */
export type PhoneState = 'idle' | 'mic' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

/** Receive and send figures from `RTCPeerConnection.getStats()`. */
export interface PhoneStats {
  inboundPackets: number;
  inboundBytes: number;
  packetsLost: number;
  jitterMs: number;
  outboundPackets: number;
  codec?: string | undefined;
  roundTripMs?: number | undefined;
}

export interface SoftphoneEvents extends Record<string, unknown[]> {
  state: [PhoneState];
  stats: [PhoneStats];
  /** Mic level, 0..1, about 20 times a second while the mic is open. */
  level: [number, boolean];
  error: [unknown];
}

/** Settings of a {@link Softphone}. */
export interface SoftphoneOptions {
  role: 'agent' | 'supervisor';
  /** For a supervisor leg: the call to monitor. */
  callId?: string;
  /** Whether the browser's mic is sent (a listening supervisor sends nothing). */
  sendAudio?: boolean;
  iceGatherTimeoutMs?: number;
  /** Timers of the reconnect backoff and the disconnect grace period (injected by tests). */
  timers?: Timers;
  /** Jitter source of the reconnect backoff (injected by tests). */
  random?: () => number;
}

/**
 * The browser softphone: one WebRTC connection to a media gateway, set up by
 * posting the SDP offer to the API (which relays it to a gateway as
 * `cmd.media.webrtc.offer`). It shows the mic level, plays the far end, polls
 * the connection statistics, and reconnects with backoff when the path fails.
 */
export class Softphone extends Emitter<SoftphoneEvents> {
  private pc: RTCPeerConnection | undefined;
  private mic: MediaStream | undefined;
  private audioCtx: AudioContext | undefined;
  private meterTimer: ReturnType<typeof setInterval> | undefined;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private disconnectTimer: unknown;
  private readonly timers: Timers;
  private readonly audio: HTMLAudioElement;
  private sessionId: string | undefined;
  private stateValue: PhoneState = 'idle';
  private mutedValue = false;
  private readonly reconnector: Reconnector;
  private wanted = false;
  private readonly live = new LiveDetector();
  lastStats: PhoneStats | undefined;
  level = 0;

  constructor(
    private readonly api: Api,
    private readonly o: SoftphoneOptions,
  ) {
    super();
    this.audio = document.createElement('audio');
    this.audio.autoplay = true;
    this.audio.setAttribute('data-softphone', o.role);
    this.audio.hidden = true;
    document.body.appendChild(this.audio);
    this.timers = o.timers ?? realTimers;
    this.reconnector = new Reconnector(() => void this.dial(), this.timers, { baseMs: 500, maxMs: 10_000, factor: 2, stableMs: 15_000 }, o.random);
  }

  get state(): PhoneState {
    return this.stateValue;
  }
  get muted(): boolean {
    return this.mutedValue;
  }
  get micLive(): boolean {
    return this.live.live;
  }

  private setState(s: PhoneState): void {
    if (s === this.stateValue) return;
    this.stateValue = s;
    this.emit('state', s);
  }

  /** Opens the microphone and starts the level meter (the mic test). Throws the browser's error (NotAllowedError when blocked). */
  async openMic(): Promise<MediaStream> {
    if (this.mic) return this.mic;
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: false });
    this.mic = stream;
    if (this.stateValue === 'idle') this.setState('mic');
    this.startMeter(stream);
    return stream;
  }

  private startMeter(stream: MediaStream): void {
    try {
      this.audioCtx ??= new AudioContext();
      const src = this.audioCtx.createMediaStreamSource(stream);
      const analyser = this.audioCtx.createAnalyser();
      analyser.fftSize = 1024;
      src.connect(analyser);
      const buf = new Float32Array(analyser.fftSize);
      this.meterTimer = setInterval(() => {
        analyser.getFloatTimeDomainData(buf);
        const lvl = this.mutedValue ? 0 : meterLevel(buf);
        this.level = smoothLevel(this.level, lvl);
        this.emit('level', this.level, this.live.push(lvl));
      }, 50);
    } catch (err) {
      this.emit('error', err);
    }
  }

  /** Plays a short tone to the speakers (the speaker test). */
  async testSpeaker(durationMs = 800): Promise<void> {
    this.audioCtx ??= new AudioContext();
    const ctx = this.audioCtx;
    if (ctx.state === 'suspended') await ctx.resume();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 440;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    await new Promise((r) => setTimeout(r, durationMs));
    osc.stop();
    osc.disconnect();
  }

  /** Connects the audio path; keeps it connected (reconnecting) until {@link close}. */
  async connect(): Promise<void> {
    this.wanted = true;
    await this.dial();
  }

  private async dial(): Promise<void> {
    if (!this.wanted) return;
    this.teardownPc();
    this.setState(this.reconnector.failures > 0 || this.stateValue === 'reconnecting' ? 'reconnecting' : 'connecting');
    try {
      const send = this.o.sendAudio ?? true;
      if (send) await this.openMic();
      const pc = new RTCPeerConnection({ iceServers: [] });
      this.pc = pc;
      if (send && this.mic) for (const t of this.mic.getAudioTracks()) pc.addTrack(t, this.mic);
      else pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.ontrack = (ev) => {
        this.audio.srcObject = ev.streams[0] ?? new MediaStream([ev.track]);
        void this.audio.play().catch(() => undefined);
      };
      pc.onconnectionstatechange = () => this.onPcState(pc);
      await pc.setLocalDescription(await pc.createOffer());
      await this.gathered(pc);
      const body: { sdp: string; role: 'agent' | 'supervisor'; callId?: string; sessionId?: string } = { sdp: pc.localDescription!.sdp, role: this.o.role };
      if (this.o.callId) body.callId = this.o.callId;
      if (this.sessionId) body.sessionId = this.sessionId;
      const answer = await this.api.webrtcOffer(body);
      if (pc !== this.pc) return;
      this.sessionId = answer.sessionId ?? this.sessionId;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
      this.startStats(pc);
    } catch (err) {
      this.emit('error', err);
      if (isMicError(err)) {
        this.wanted = false;
        this.setState('failed');
        return;
      }
      this.setState('reconnecting');
      this.reconnector.schedule();
    }
  }

  /** Non-trickle signalling: wait for ICE candidates (host candidates come at once on a LAN). */
  private gathered(pc: RTCPeerConnection): Promise<void> {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      };
      const check = (): void => {
        if (pc.iceGatheringState === 'complete') done();
      };
      const timer = setTimeout(done, this.o.iceGatherTimeoutMs ?? 1500);
      pc.addEventListener('icegatheringstatechange', check);
    });
  }

  private onPcState(pc: RTCPeerConnection): void {
    if (pc !== this.pc) return;
    const s = pc.connectionState;
    if (s === 'connected') {
      if (this.disconnectTimer !== undefined) this.timers.clearTimeout(this.disconnectTimer);
      this.disconnectTimer = undefined;
      this.reconnector.connected();
      this.setState('connected');
    } else if (s === 'disconnected') {
      // Often recovers by itself within a few seconds (ICE consent); give it that chance.
      this.disconnectTimer ??= this.timers.setTimeout(() => {
        this.disconnectTimer = undefined;
        if (pc === this.pc && pc.connectionState !== 'connected') this.lost();
      }, 3000);
    } else if (s === 'failed') {
      this.lost();
    }
  }

  private lost(): void {
    if (!this.wanted) return;
    this.reconnector.disconnected();
    this.setState('reconnecting');
    this.reconnector.schedule();
  }

  private startStats(pc: RTCPeerConnection): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => {
      if (pc !== this.pc) return;
      pc.getStats()
        .then((report) => {
          const s: PhoneStats = { inboundPackets: 0, inboundBytes: 0, packetsLost: 0, jitterMs: 0, outboundPackets: 0 };
          const codecs = new Map<string, string>();
          report.forEach((r: Record<string, unknown>) => {
            if (r['type'] === 'codec') codecs.set(String(r['id']), String(r['mimeType'] ?? ''));
          });
          report.forEach((r: Record<string, unknown>) => {
            if (r['kind'] !== 'audio' && r['mediaType'] !== 'audio' && r['type'] !== 'candidate-pair') return;
            if (r['type'] === 'inbound-rtp') {
              s.inboundPackets += Number(r['packetsReceived'] ?? 0);
              s.inboundBytes += Number(r['bytesReceived'] ?? 0);
              s.packetsLost += Number(r['packetsLost'] ?? 0);
              s.jitterMs = Math.round(Number(r['jitter'] ?? 0) * 1000);
              s.codec = codecs.get(String(r['codecId'])) ?? s.codec;
            } else if (r['type'] === 'outbound-rtp') {
              s.outboundPackets += Number(r['packetsSent'] ?? 0);
            } else if (r['type'] === 'candidate-pair' && r['state'] === 'succeeded' && r['currentRoundTripTime'] !== undefined) {
              s.roundTripMs = Math.round(Number(r['currentRoundTripTime']) * 1000);
            }
          });
          this.lastStats = s;
          this.emit('stats', s);
        })
        .catch(() => undefined);
    }, 1000);
  }

  /** Resolves once the audio path is connected; rejects after `timeoutMs` or when it fails for good. */
  waitConnected(timeoutMs = 10_000): Promise<void> {
    if (this.stateValue === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(Object.assign(new Error('The audio connection did not come up in time.'), { name: 'TimeoutError' }));
      }, timeoutMs);
      const off = this.on('state', (s) => {
        if (s === 'connected') {
          clearTimeout(timer);
          off();
          resolve();
        } else if (s === 'failed' || s === 'closed') {
          clearTimeout(timer);
          off();
          reject(new Error('The audio connection failed.'));
        }
      });
    });
  }

  /** Mutes the mic locally (nothing leaves the browser). */
  setMuted(m: boolean): void {
    this.mutedValue = m;
    for (const t of this.mic?.getAudioTracks() ?? []) t.enabled = !m;
  }

  private teardownPc(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    if (this.disconnectTimer !== undefined) this.timers.clearTimeout(this.disconnectTimer);
    this.disconnectTimer = undefined;
    const pc = this.pc;
    this.pc = undefined;
    if (pc) {
      pc.onconnectionstatechange = null;
      pc.ontrack = null;
      pc.close();
    }
  }

  /** Hangs up the audio path and releases the mic. Idempotent. */
  close(): void {
    if (this.stateValue === 'closed') return;
    this.wanted = false;
    this.reconnector.stop();
    this.teardownPc();
    if (this.sessionId) void this.api.webrtcClose(this.sessionId).catch(() => undefined);
    if (this.meterTimer) clearInterval(this.meterTimer);
    for (const t of this.mic?.getTracks() ?? []) t.stop();
    this.mic = undefined;
    void this.audioCtx?.close().catch(() => undefined);
    this.audioCtx = undefined;
    this.audio.srcObject = null;
    this.audio.remove();
    this.setState('closed');
  }
}

/** Errors of getUserMedia that retrying does not fix. */
export function isMicError(err: unknown): boolean {
  const n = (err as { name?: string } | null)?.name;
  return n === 'NotAllowedError' || n === 'SecurityError' || n === 'NotFoundError' || n === 'NotReadableError' || n === 'OverconstrainedError';
}
