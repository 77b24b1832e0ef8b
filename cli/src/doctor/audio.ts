import { ALAW_TO_LINEAR, ULAW_TO_LINEAR } from '@dialer/core';

/** What a format should look like on the wire: payload type, sample rate, bytes per sample. */
export interface WireFormat {
  readonly name: string;
  /** Payload type the media gateway expects (its PAYLOAD_TYPES table); undefined: any dynamic type (96-127). */
  readonly pt: number | undefined;
  readonly rate: number;
  readonly bytesPerSample: 1 | 2;
}

/** The ExternalMedia formats doctor can test, with what the gateway expects of each. */
export const WIRE_FORMATS: Readonly<Record<string, WireFormat>> = {
  ulaw: { name: 'ulaw', pt: 0, rate: 8000, bytesPerSample: 1 },
  alaw: { name: 'alaw', pt: 8, rate: 8000, bytesPerSample: 1 },
  slin16: { name: 'slin16', pt: 118, rate: 16000, bytesPerSample: 2 },
  slin: { name: 'slin', pt: undefined, rate: 8000, bytesPerSample: 2 },
};

/** One received RTP packet, reduced to what the checks need. */
export interface TapPacket {
  pt: number;
  seq: number;
  ts: number;
  ssrc: number;
  /** Local receive time, ms. */
  at: number;
  from: string;
  payload: Buffer;
}

/** Decodes a payload to linear samples, as `format` says (16-bit PCM big-endian unless `littleEndian`). */
export function decode(payload: Buffer, format: WireFormat, littleEndian = false): Int16Array {
  if (format.bytesPerSample === 1) {
    const table = format.name === 'alaw' ? ALAW_TO_LINEAR : ULAW_TO_LINEAR;
    const out = new Int16Array(payload.length);
    for (let i = 0; i < payload.length; i++) out[i] = table[payload[i]!]!;
    return out;
  }
  const n = payload.length >> 1;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = littleEndian ? payload.readInt16LE(i * 2) : payload.readInt16BE(i * 2);
  return out;
}

/** RMS level in dBFS (-inf for digital silence, clamped to -120). */
export function dbfs(samples: Int16Array): number {
  if (samples.length === 0) return -120;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  const rms = Math.sqrt(sum / samples.length) / 32768;
  return rms <= 0 ? -120 : Math.max(-120, 20 * Math.log10(rms));
}

/**
 * Normalised lag-1 autocorrelation. Speech and tones sampled at 8-16 kHz are
 * smooth (close to 1); the same audio read with its bytes swapped is close
 * to white noise (close to 0). That tells the byte order apart without
 * knowing what was said.
 */
export function smoothness(samples: Int16Array): number {
  let mean = 0;
  for (let i = 0; i < samples.length; i++) mean += samples[i]!;
  mean /= samples.length || 1;
  let num = 0;
  let den = 0;
  for (let i = 0; i < samples.length; i++) {
    const a = samples[i]! - mean;
    den += a * a;
    if (i > 0) num += a * (samples[i - 1]! - mean);
  }
  return den === 0 ? 0 : num / den;
}

/** The findings of an audio analysis, each already judged. */
export interface AudioFindings {
  packets: number;
  /** Payload types seen, with counts. */
  payloadTypes: Map<number, number>;
  /** Source addresses seen. */
  sources: Set<string>;
  /** Median payload bytes per packet. */
  payloadBytes: number;
  /** Median RTP timestamp step between consecutive packets of one SSRC. */
  tsStep: number | undefined;
  /** Median arrival interval between packets, ms. */
  intervalMs: number | undefined;
  /** Sample rate implied by samples per packet and the arrival interval. */
  arrivalRateHz: number | undefined;
  /** Smoothness read big-endian and little-endian (16-bit formats only). */
  smoothBE: number | undefined;
  smoothLE: number | undefined;
  /** Level of the loudest second, in dBFS, decoded as the format says. */
  peakDbfs: number;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Analyses what the tap received against the format that was asked for. Pure. */
export function analyse(packets: readonly TapPacket[], format: WireFormat): AudioFindings {
  const payloadTypes = new Map<number, number>();
  const sources = new Set<string>();
  for (const p of packets) {
    payloadTypes.set(p.pt, (payloadTypes.get(p.pt) ?? 0) + 1);
    sources.add(p.from);
  }
  const steps: number[] = [];
  const gaps: number[] = [];
  for (let i = 1; i < packets.length; i++) {
    const a = packets[i - 1]!;
    const b = packets[i]!;
    if (a.ssrc === b.ssrc && ((b.seq - a.seq) & 0xffff) === 1) {
      steps.push((b.ts - a.ts) >>> 0);
      gaps.push(b.at - a.at);
    }
  }
  const payloadBytes = median(packets.map((p) => p.payload.length)) ?? 0;
  const tsStep = median(steps);
  // The mean is robust to timer jitter that shifts single arrivals; use the span of the run.
  const intervalMs = packets.length > 1 ? (packets[packets.length - 1]!.at - packets[0]!.at) / (packets.length - 1) : undefined;
  const samplesPerPacket = payloadBytes / format.bytesPerSample;
  const arrivalRateHz = intervalMs && intervalMs > 0 ? (samplesPerPacket * 1000) / intervalMs : undefined;

  let smoothBE: number | undefined;
  let smoothLE: number | undefined;
  let peakDbfs = -120;
  const perSecond = Math.max(1, Math.round(1000 / (intervalMs && intervalMs > 0 ? intervalMs : 20)));
  const loud: Buffer[] = [];
  for (let i = 0; i < packets.length; i += perSecond) {
    const chunk = Buffer.concat(packets.slice(i, i + perSecond).map((p) => p.payload));
    const level = dbfs(decode(chunk, format, false));
    if (level > peakDbfs) peakDbfs = level;
  }
  if (format.bytesPerSample === 2) {
    // Judge byte order on packets that carry sound in either reading, not on silence.
    for (const p of packets) if (dbfs(decode(p.payload, format)) > -50 || dbfs(decode(p.payload, format, true)) > -50) loud.push(p.payload);
    if (loud.length > 0) {
      const all = Buffer.concat(loud.slice(0, 200));
      smoothBE = smoothness(decode(all, format, false));
      smoothLE = smoothness(decode(all, format, true));
      // When the audio is really little-endian, the level read big-endian is noise: report the real level.
      if (smoothLE > smoothBE) peakDbfs = Math.max(-120, ...chunksLevel(packets, perSecond, format, true));
    }
  }
  return { packets: packets.length, payloadTypes, sources, payloadBytes, tsStep, intervalMs, arrivalRateHz, smoothBE, smoothLE, peakDbfs };
}

function chunksLevel(packets: readonly TapPacket[], perSecond: number, format: WireFormat, le: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < packets.length; i += perSecond) {
    out.push(dbfs(decode(Buffer.concat(packets.slice(i, i + perSecond).map((p) => p.payload)), format, le)));
  }
  return out;
}
