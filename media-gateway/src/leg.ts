// One RTP leg between Asterisk (ExternalMedia) and the gateway: packets from
// its registered source are parsed, checked, reordered and decoded; frames go
// to the speech pipeline (or, for an agent leg bridged to a browser, to the
// browser); return audio is paced out from a WAV file or the browser.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  createMessage,
  DialerError,
  parseRtp,
  RtpParse,
  RTP_PARSE_REASONS,
  SpeechSegmenter,
  SUPPORTED_RATES,
  type Clock,
  type Codec,
  type MediaEventSink,
  type MessageData,
  type RtpHeader,
  type SttStreamFactory,
  type VadEngine,
} from '@dialer/core';
import { CODEC_RATES, createDecoder, createEncoder, type AudioEncoder } from './codec/codecs.js';
import type { MediaConfig } from './config.js';
import type { GatewayCounters, GatewayMetrics, DropReason } from './metrics.js';
import { BufferSource, FrameQueue, loadWav, type PcmSource } from './out/sources.js';
import { RtpSender } from './out/rtp-sender.js';
import { LegPipeline, type RecordTap } from './pipeline/leg-pipeline.js';
import { SttBinding, type LegIdentity } from './pipeline/stt-binding.js';
import { SttFeed } from './pipeline/stt-feed.js';
import { Receive, RtpReceiver, type FrameSink } from './rtp/receiver.js';
import type { DemuxTarget } from './rtp/demux.js';

/** What a leg needs from its gateway. */
export interface LegDeps {
  readonly log: Logger;
  readonly clock: Clock;
  readonly sink: MediaEventSink;
  readonly counters: GatewayCounters;
  readonly metrics: GatewayMetrics;
  /** A header object shared by all legs (one thread, one packet at a time). */
  readonly header: RtpHeader;
  readonly config: MediaConfig;
  readonly vad: VadEngine;
  readonly stt: SttStreamFactory | undefined;
  /** Node id, as the messages' source. */
  readonly source: string;
  readonly send: (buf: Buffer, length: number, port: number, host: string) => void;
  readonly onAddedLatency?: (ms: number) => void;
  /** The leg has timer work (held packets, paced sending): tick it until {@link RtpLeg.needsTick} is false. */
  readonly wantTick: (leg: RtpLeg) => void;
}

/** What the controller asked for. The call fields change when a softphone leg moves to the next call. */
export interface LegSpec {
  readonly legId: string;
  /** '' while a softphone leg is between calls: no transcription, no recording. */
  callId: string;
  readonly speaker: LegIdentity['speaker'];
  readonly tenantId: string;
  campaignId?: string;
  readonly agentId?: string;
  readonly codec: Codec;
  readonly webrtcSessionId?: string;
  /** Provider chain; empty means the configured default. Undefined: no transcription. */
  sttChain?: readonly string[];
  language?: string;
  hints?: readonly string[];
  /** Audio lost before this leg (re-opened after a gateway died): offsets start after it. */
  readonly gapMs?: number;
}

/** The STT settings of a call on a leg. */
export interface CallSttSettings {
  readonly providers: readonly string[];
  readonly language?: string;
  readonly hints?: readonly string[];
}

/** Where a bridged leg's Asterisk audio goes (the browser session). */
export interface BridgeTarget {
  fromAsterisk(pcm: Int16Array, n: number, rate: number): void;
}

/** Rate of the speech pipeline for audio coming from a browser. */
export const WEBRTC_PIPELINE_RATE = 16000;

/** An RTP leg. */
export class RtpLeg implements DemuxTarget, FrameSink {
  readonly kind = 'rtp' as const;
  readonly openedAtMs: number;
  lastPacketAtMs = 0;
  remote: { host: string; port: number } | undefined;
  readonly pipeline: LegPipeline;
  readonly receiver: RtpReceiver;
  private log: Logger;
  private stt: SttBinding | undefined;
  private feed: SttFeed | undefined;
  private encoder: AudioEncoder | undefined;
  sender: RtpSender | undefined;
  private bridge: BridgeTarget | undefined;
  private bridgeQueue: FrameQueue | undefined;
  private playing = false;
  private arrivalPerf = 0;
  private closed = false;
  recordingChannel: number | undefined;

  readonly spec: LegSpec;
  /** The call id the leg was opened with (a retried open must repeat it). */
  readonly openedCallId: string;

  constructor(
    spec: LegSpec,
    private readonly deps: LegDeps,
  ) {
    this.spec = { ...spec };
    this.openedCallId = spec.callId;
    if (spec.codec === 'opus') throw new DialerError('DIALER_ERR_MEDIA_CODEC', 'opus is only supported on WebRTC legs; use ulaw, alaw or slin16 for ExternalMedia');
    this.log = deps.log.child({ callId: spec.callId, legId: spec.legId });
    this.openedAtMs = deps.clock.now();
    const c = deps.config;
    this.receiver = new RtpReceiver(
      { codec: spec.codec, decoder: createDecoder(spec.codec), jitterDepth: c.jitterDepth, jitterMaxWaitMs: c.jitterMaxWaitMs },
      this,
    );
    const rate = spec.webrtcSessionId ? WEBRTC_PIPELINE_RATE : CODEC_RATES[spec.codec];
    this.pipeline = new LegPipeline(
      {
        rate,
        frameMs: 20,
        vad: deps.vad.create({ sampleRate: rate, aggressiveness: c.vadAggressiveness as 0 | 1 | 2 | 3, frameMs: 20 }),
        segmenter: new SpeechSegmenter({ preRollMs: c.vadPreRollMs, hangoverMs: c.vadHangoverMs, maxSegmentMs: c.vadMaxSegmentMs }),
        recordRate: c.recordingSampleRate,
      },
      { onSpeech: (state, atMs) => this.emit('media.leg.speech', { legId: spec.legId, callId: spec.callId, speaker: spec.speaker, state, atMs }) },
    );
    if (spec.gapMs) this.pipeline.restart(spec.gapMs);
    if (spec.callId !== '' && spec.sttChain) this.startStt();
  }

  /** Opens the leg's STT stream for its current call (no-op without a factory, a chain or a call). */
  startStt(): void {
    const factory = this.deps.stt;
    const chain = this.spec.sttChain;
    if (!factory || !chain || this.spec.callId === '' || this.stt || this.closed) return;
    this.openStt(factory, chain, this.pipeline.rate);
  }

  /** Whether a speech-to-text stream is open. */
  get transcribing(): boolean {
    return this.stt !== undefined;
  }

  /**
   * A softphone leg moves to another call ('' between calls): the current
   * call's transcription ends, offsets start over, and the next call gets its
   * own stream. Recording is the gateway's business (it stops it first).
   */
  switchCall(callId: string, campaignId: string | undefined, stt: CallSttSettings | undefined): void {
    if (this.closed) return;
    this.pipeline.finish();
    this.pipeline.detachStt();
    this.dropStt();
    this.pipeline.restart(0);
    this.spec.callId = callId;
    if (campaignId !== undefined) this.spec.campaignId = campaignId;
    else delete this.spec.campaignId;
    this.setSttSettings(stt);
    this.log = this.deps.log.child({ callId, legId: this.spec.legId });
    this.startStt();
  }

  /** New STT settings for the current call (takes effect when no stream is open yet). */
  setSttSettings(stt: CallSttSettings | undefined): void {
    const spec = this.spec;
    if (stt) {
      spec.sttChain = stt.providers;
      if (stt.language) spec.language = stt.language;
      else delete spec.language;
      if (stt.hints) spec.hints = stt.hints;
      else delete spec.hints;
    } else {
      spec.sttChain = spec.speaker === 'supervisor' ? undefined : [];
      delete spec.language;
      delete spec.hints;
    }
  }

  private dropStt(): void {
    const old = this.stt;
    this.stt = undefined;
    if (this.feed) this.deps.counters.sttDroppedMs += this.feed.droppedMs;
    this.feed = undefined;
    void old?.close();
  }

  get legId(): string {
    return this.spec.legId;
  }

  /** Bytes the STT stream holds unsent. */
  get sttBacklogBytes(): number {
    return this.stt?.stream.bufferedBytes ?? 0;
  }

  private openStt(factory: SttStreamFactory, chain: readonly string[], rate: number): void {
    const spec = this.spec;
    const bridged = spec.webrtcSessionId !== undefined;
    const source = bridged
      ? { encoding: 'linear16' as const, sampleRate: 48000 }
      : spec.codec === 'ulaw'
        ? { encoding: 'mulaw' as const, sampleRate: 8000 }
        : spec.codec === 'alaw'
          ? { encoding: 'alaw' as const, sampleRate: 8000 }
          : { encoding: 'linear16' as const, sampleRate: 16000 };
    let format;
    let stream;
    try {
      format = factory.inputFormat(chain, source);
      if (bridged && format.sampleRate > rate) format = { ...format, sampleRate: rate };
      if (!SUPPORTED_RATES.includes(format.sampleRate as 8000)) {
        throw new DialerError('DIALER_ERR_MEDIA_CODEC', `speech-to-text wants ${format.sampleRate} Hz; the gateway resamples to ${SUPPORTED_RATES.join(', ')} Hz`);
      }
      stream = factory.open(chain, {
        callId: spec.callId,
        legId: spec.legId,
        speaker: spec.speaker,
        tenantId: spec.tenantId,
        ...(spec.campaignId ? { campaignId: spec.campaignId } : {}),
        encoding: format.encoding,
        sampleRate: format.sampleRate,
        startOffsetMs: this.pipeline.positionMs,
        ...(spec.language ? { language: spec.language } : {}),
        ...(spec.hints ? { hints: spec.hints } : {}),
      });
    } catch (err) {
      // No chain at all (none configured, none asked for) is normal: say it quietly.
      if (chain.length === 0) this.log.debug({ err }, 'no speech-to-text chain for leg');
      else this.log.warn({ err, chain }, 'speech-to-text not available for leg');
      return;
    }
    const c = this.deps.config;
    const bytesPerSample = format.encoding === 'linear16' ? 2 : 1;
    const frameBytes = (format.sampleRate / 1000) * 20 * bytesPerSample;
    const identity: LegIdentity = {
      legId: spec.legId,
      callId: spec.callId,
      speaker: spec.speaker,
      tenantId: spec.tenantId,
      ...(spec.campaignId ? { campaignId: spec.campaignId } : {}),
      ...(spec.agentId ? { agentId: spec.agentId } : {}),
    };
    const initialGap = this.pipeline.positionMs === 0 ? 0 : (spec.gapMs ?? 0);
    this.stt = new SttBinding(stream, identity, this.deps.sink, this.log, this.deps.clock, this.deps.source, initialGap);
    this.feed = new SttFeed(
      stream,
      {
        frameBytes,
        framesPerChunk: c.sttChunkMs / 20,
        frameMs: 20,
        preRollFrames: Math.max(1, Math.round(c.vadPreRollMs / 20) + 3),
        continuous: format.continuousAudio,
        maxBacklogBytes: (c.sttMaxBacklogMs / 1000) * format.sampleRate * bytesPerSample,
      },
      {
        onChunk: () => {
          this.deps.counters.sttChunks++;
          const ms = performance.now() - this.arrivalPerf;
          this.deps.metrics.addedLatency.observe(ms / 1000);
          this.deps.onAddedLatency?.(ms);
        },
        onDropStart: () => this.log.warn({ provider: stream.provider }, 'stt backlog full; dropping audio'),
        onDropEnd: (gapMs) => {
          this.log.warn({ provider: stream.provider, gapMs }, 'stt backlog cleared; audio was dropped');
          this.stt?.gap(gapMs);
        },
      },
    );
    const raw = !bridged && (spec.codec === 'ulaw' || spec.codec === 'alaw') ? (spec.codec === 'ulaw' ? 'mulaw' : 'alaw') : undefined;
    this.pipeline.attachStt(this.feed, format, raw);
  }

  /** A datagram from this leg's registered source. */
  onDatagram(buf: Buffer, arrivalMs: number): void {
    if (this.closed) return;
    this.arrivalPerf = performance.now();
    const counters = this.deps.counters;
    const h = this.deps.header;
    const parsed = parseRtp(buf, h, buf.length);
    if (parsed !== RtpParse.ok) {
      counters.dropped[RTP_PARSE_REASONS[parsed] as DropReason]++;
      return;
    }
    const r = this.receiver.receive(buf, h, arrivalMs);
    if (this.receiver.held > 0) this.deps.wantTick(this);
    if (r === Receive.ok) {
      counters.packets++;
      counters.bytes += buf.length;
      this.lastPacketAtMs = arrivalMs;
    } else if (r === Receive.payloadType) counters.dropped.payload_type++;
    else if (r === Receive.ssrc) counters.dropped.ssrc++;
    else if (r === Receive.duplicate) counters.dropped.duplicate++;
    else counters.dropped.late++;
  }

  /** A 20 ms frame from Asterisk, in order. */
  frame(pcm: Int16Array, raw: Uint8Array | undefined): void {
    if (this.bridge) this.bridge.fromAsterisk(pcm, pcm.length, CODEC_RATES[this.spec.codec]);
    else if (!this.spec.webrtcSessionId) this.pipeline.frame(pcm, raw);
  }

  /**
   * Browser audio for a bridged leg: `pcm16k` feeds the speech pipeline
   * (the agent's own voice), `pcmLeg` (at the leg's codec rate) goes to Asterisk.
   */
  fromBrowser(pcm16k: Int16Array, pcmLeg: Int16Array, nLeg: number): void {
    if (this.closed) return;
    this.arrivalPerf = performance.now();
    this.pipeline.frame(pcm16k, undefined);
    this.bridgeQueue?.push(pcmLeg, nLeg);
  }

  /** Connects the browser session (or disconnects it with undefined). */
  setBridge(target: BridgeTarget | undefined): void {
    this.bridge = target;
    if (target && !this.bridgeQueue) this.bridgeQueue = new FrameQueue((CODEC_RATES[this.spec.codec] / 1000) * 20, 6);
    if (!this.playing) this.setSenderSource(target ? this.bridgeQueue : undefined);
  }

  /** Asterisk's address for this leg (where RTP comes from and return audio goes). */
  setRemote(host: string, port: number): void {
    this.remote = { host, port };
    if (!this.sender) {
      this.encoder = createEncoder(this.spec.codec);
      this.sender = new RtpSender(this.encoder, (buf, len) => {
        const r = this.remote;
        if (!r) return;
        this.deps.counters.outPackets++;
        this.deps.send(buf, len, r.port, r.host);
      });
      if (this.bridge) this.setSenderSource(this.bridgeQueue);
    }
  }

  /** Plays a WAV file to Asterisk; resolves with its duration. */
  async play(path: string): Promise<number> {
    if (!this.sender) throw new DialerError('DIALER_ERR_INVALID_STATE', 'the leg has no Asterisk address yet (cmd.media.leg.update)');
    const pcm = await loadWav(path, this.encoder!.sampleRate);
    if (this.closed) throw new DialerError('DIALER_ERR_MEDIA_LEG_UNKNOWN', 'leg closed');
    const src = new BufferSource(pcm);
    this.playing = true;
    const sender = this.sender;
    sender.onEnded = () => {
      this.playing = false;
      if (this.bridge) this.setSenderSource(this.bridgeQueue);
    };
    this.setSenderSource(src);
    return Math.round((pcm.length * 1000) / this.encoder!.sampleRate);
  }

  /** Stops a playback. */
  stopPlayback(): void {
    if (!this.playing) return;
    this.playing = false;
    this.setSenderSource(this.bridge ? this.bridgeQueue : undefined);
  }

  /** Starts or stops feeding a recording. */
  setRecordTap(tap: RecordTap | undefined, channel?: number): void {
    this.recordingChannel = tap ? channel : undefined;
    this.pipeline.setRecordTap(tap);
  }

  /** Timer work: gaps that waited too long, and paced sending. */
  tick(nowMs: number): void {
    this.receiver.tick(nowMs);
    this.sender?.tick(nowMs);
  }

  /** Whether {@link tick} has anything to do: held packets, or a source to pace out. */
  get needsTick(): boolean {
    return !this.closed && (this.receiver.held > 0 || this.sender?.active === true);
  }

  private setSenderSource(source: PcmSource | undefined): void {
    const sender = this.sender;
    if (!sender) return;
    sender.setSource(source, this.deps.clock.now());
    if (source) this.deps.wantTick(this);
  }

  /** Current statistics. */
  stats(): MessageData<'media.leg.stats'>['stats'] {
    const s = this.receiver.stats;
    return {
      packets: s.packets,
      bytes: s.bytes,
      lost: s.lost,
      late: s.late,
      duplicate: s.duplicate,
      jitterMs: Math.round(s.jitterMs * 100) / 100,
      concealedMs: s.concealedMs,
      sttDroppedMs: Math.round(this.feed?.droppedMs ?? 0),
    };
  }

  /** Ends the leg: flushes the speech pipeline and closes the STT stream. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.receiver.finish();
    this.pipeline.finish();
    this.sender?.setSource(undefined, 0);
    this.bridge = undefined;
    if (this.feed) this.deps.counters.sttDroppedMs += this.feed.droppedMs;
    await this.stt?.close();
    this.pipeline.close();
  }

  private emit<T extends 'media.leg.speech'>(type: T, data: MessageData<T>): void {
    this.deps.sink.emit(createMessage(type, this.spec.tenantId, data, { clock: this.deps.clock, source: this.deps.source }));
  }
}
