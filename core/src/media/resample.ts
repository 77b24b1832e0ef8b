// A stateful polyphase resampler between the telephony and WebRTC rates
// (8, 16, 24 and 48 kHz), 16-bit in and out. The prototype low-pass filter is
// a Kaiser-windowed sinc cut at the lower rate's Nyquist frequency, with the
// transition band spanning ±25 % of it (3 to 5 kHz between 8 and 16 kHz) and
// the attenuation asked for (90 dB by default). Odd-length filters cut at
// exactly half-band leave whole phases as a pure delay; those are copied, not
// convolved. History carries across calls, so frames join without clicks.

/** Rates the resampler accepts. */
export const SUPPORTED_RATES = [8000, 16000, 24000, 48000] as const;

/** Options of a {@link Resampler}. */
export interface ResamplerOptions {
  /** Stopband attenuation of the prototype filter in dB (default 90). */
  attenuationDb?: number;
  /** Largest input block, in samples (default 1920: 40 ms at 48 kHz). */
  maxInputSamples?: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Zeroth-order modified Bessel function of the first kind (series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** Kaiser-windowed sinc low-pass; `cutoff` in cycles per sample of the filter's rate. */
export function designLowPass(taps: number, cutoff: number, attenuationDb: number): Float64Array {
  const a = attenuationDb;
  const beta = a > 50 ? 0.1102 * (a - 8.7) : a >= 21 ? 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21) : 0;
  const h = new Float64Array(taps);
  const c = (taps - 1) / 2;
  const i0b = besselI0(beta);
  for (let m = 0; m < taps; m++) {
    const x = m - c;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    const r = c === 0 ? 0 : x / c;
    h[m] = sinc * (besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b);
  }
  return h;
}

/**
 * Converts 16-bit audio from one rate to another. Allocation-free after
 * construction; `process` may be given blocks of any length up to `maxInputSamples`.
 */
export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  /** Interpolation and decimation factors. */
  readonly up: number;
  readonly down: number;
  /** Taps per phase. */
  readonly taps: number;
  private readonly coeffs: Float64Array;
  /** For each phase: -1 when it must be convolved, else the single tap index that makes it a delay. */
  private readonly delayTap: Int32Array;
  private readonly delayGain: Float64Array;
  private readonly buf: Float64Array;
  private readonly maxIn: number;
  private readonly halfBandUp: boolean;
  /** Index in `buf` of the newest input sample the next output uses, and its phase. */
  private n: number;
  private phase = 0;

  constructor(inRate: number, outRate: number, options: ResamplerOptions = {}) {
    if (!SUPPORTED_RATES.includes(inRate as 8000) || !SUPPORTED_RATES.includes(outRate as 8000)) {
      throw new RangeError(`unsupported resampling ${inRate} -> ${outRate}`);
    }
    this.inRate = inRate;
    this.outRate = outRate;
    const g = gcd(inRate, outRate);
    const L = outRate / g;
    const M = inRate / g;
    this.up = L;
    this.down = M;
    const attenuation = options.attenuationDb ?? 90;
    const protoRate = inRate * L;
    const nyquist = Math.min(inRate, outRate) / 2;
    const transition = 0.5 * nyquist;
    const dw = (2 * Math.PI * transition) / protoRate;
    let total = Math.ceil((attenuation - 7.95) / (2.285 * dw)) + 1;
    if (total % 2 === 0) total++;
    const proto = L === 1 && M === 1 ? Float64Array.of(1) : designLowPass(total, nyquist / protoRate, attenuation);
    const K = Math.ceil(proto.length / L);
    this.taps = K;
    this.coeffs = new Float64Array(L * K);
    this.delayTap = new Int32Array(L).fill(-1);
    this.delayGain = new Float64Array(L);
    for (let p = 0; p < L; p++) {
      let nonZero = 0;
      let last = -1;
      for (let k = 0; k < K; k++) {
        const m = p + k * L;
        const v = m < proto.length ? proto[m]! * L : 0;
        this.coeffs[p * K + k] = v;
        if (Math.abs(v) > 1e-7) {
          nonZero++;
          last = k;
        }
      }
      if (nonZero === 1) {
        this.delayTap[p] = last;
        this.delayGain[p] = this.coeffs[p * K + last]!;
      }
    }
    // The 2x half-band case: phase 1 a pure delay, phase 0 symmetric (and the state at phase 0).
    let symmetric = L === 2 && M === 1 && K % 2 === 0 && this.delayTap[1]! >= 0 && this.delayTap[0]! < 0;
    for (let k = 0; symmetric && k < K / 2; k++) {
      if (Math.abs(this.coeffs[k]! - this.coeffs[K - 1 - k]!) > 1e-12) symmetric = false;
    }
    this.halfBandUp = symmetric;
    this.maxIn = options.maxInputSamples ?? 1920;
    this.buf = new Float64Array(K - 1 + this.maxIn);
    this.n = K - 1;
  }

  /** The most output samples one call can produce from `inputSamples`. */
  maxOutput(inputSamples: number): number {
    return Math.ceil((inputSamples * this.up) / this.down) + 1;
  }

  /** Output samples that `inputSamples` produce in the steady state (exact for whole 10 ms frames). */
  outputFor(inputSamples: number): number {
    return (inputSamples * this.up) / this.down;
  }

  /** Resamples `input[0..length)` into `output`; returns the number of samples written. */
  process(input: Int16Array, output: Int16Array, length = input.length): number {
    if (length > this.maxIn) throw new RangeError(`input block of ${length} samples exceeds ${this.maxIn}`);
    if (this.halfBandUp && output.length >= 2 * length) return this.processHalfBandUp(input, output, length);
    const K = this.taps;
    const L = this.up;
    const M = this.down;
    const buf = this.buf;
    const hist = K - 1;
    for (let i = 0; i < length; i++) buf[hist + i] = input[i]!;
    const end = hist + length;
    const coeffs = this.coeffs;
    const delayTap = this.delayTap;
    let n = this.n;
    let p = this.phase;
    let out = 0;
    const cap = output.length;
    while (n < end && out < cap) {
      const d = delayTap[p]!;
      let acc: number;
      if (d >= 0) {
        acc = buf[n - d]! * this.delayGain[p]!;
      } else {
        acc = 0;
        const base = p * K;
        for (let k = 0; k < K; k++) acc += coeffs[base + k]! * buf[n - k]!;
      }
      const s = Math.round(acc);
      output[out++] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
      p += M;
      while (p >= L) {
        p -= L;
        n++;
      }
    }
    // Keep the last K-1 samples as history for the next block.
    buf.copyWithin(0, length, end);
    this.n = n - length;
    this.phase = p;
    return out;
  }

  /**
   * Doubling the rate with a half-band filter (8 -> 16 kHz, the hot path):
   * one output of each pair is a delayed input sample, the other a symmetric
   * convolution folded in half, so each input sample costs K/2 multiplies.
   * The sum is split into four independent partial sums so the multiplies
   * overlap instead of waiting on one accumulator (the result can differ
   * from a left-to-right sum in the last bit before rounding).
   */
  private processHalfBandUp(input: Int16Array, output: Int16Array, length: number): number {
    const K = this.taps;
    const half = K >> 1;
    const hist = K - 1;
    const buf = this.buf;
    const c = this.coeffs;
    const d = this.delayTap[1]!;
    const g = this.delayGain[1]!;
    for (let i = 0; i < length; i++) buf[hist + i] = input[i]!;
    const end = hist + length;
    if (half === 12) {
      halfBand12(buf, c, output, hist, end, d, g);
    } else {
      let o = 0;
      for (let n = hist; n < end; n++) {
        const lo = n - hist;
        let a0 = 0;
        let a1 = 0;
        let k = 0;
        for (; k + 1 < half; k += 2) {
          a0 += c[k]! * (buf[n - k]! + buf[lo + k]!);
          a1 += c[k + 1]! * (buf[n - k - 1]! + buf[lo + k + 1]!);
        }
        if (k < half) a0 += c[k]! * (buf[n - k]! + buf[lo + k]!);
        output[o++] = clamp16(Math.round(a0 + a1));
        output[o++] = g === 1 ? buf[n - d]! : clamp16(Math.round(buf[n - d]! * g));
      }
    }
    buf.copyWithin(0, length, end);
    return 2 * length;
  }

  /** Forgets the history (a new, unrelated stream follows). */
  reset(): void {
    this.buf.fill(0);
    this.n = this.taps - 1;
    this.phase = 0;
  }
}

function clamp16(s: number): number {
  return s > 32767 ? 32767 : s < -32768 ? -32768 : s;
}

/**
 * The 47-tap (24 per phase) half-band doubling of the default design,
 * unrolled: twelve folded taps in four partial sums.
 */
function halfBand12(buf: Float64Array, c: Float64Array, output: Int16Array, hist: number, end: number, d: number, g: number): void {
  const c0 = c[0]!;
  const c1 = c[1]!;
  const c2 = c[2]!;
  const c3 = c[3]!;
  const c4 = c[4]!;
  const c5 = c[5]!;
  const c6 = c[6]!;
  const c7 = c[7]!;
  const c8 = c[8]!;
  const c9 = c[9]!;
  const c10 = c[10]!;
  const c11 = c[11]!;
  let o = 0;
  for (let n = hist; n < end; n++) {
    const lo = n - hist;
    const a0 = c0 * (buf[n]! + buf[lo]!) + c4 * (buf[n - 4]! + buf[lo + 4]!) + c8 * (buf[n - 8]! + buf[lo + 8]!);
    const a1 = c1 * (buf[n - 1]! + buf[lo + 1]!) + c5 * (buf[n - 5]! + buf[lo + 5]!) + c9 * (buf[n - 9]! + buf[lo + 9]!);
    const a2 = c2 * (buf[n - 2]! + buf[lo + 2]!) + c6 * (buf[n - 6]! + buf[lo + 6]!) + c10 * (buf[n - 10]! + buf[lo + 10]!);
    const a3 = c3 * (buf[n - 3]! + buf[lo + 3]!) + c7 * (buf[n - 7]! + buf[lo + 7]!) + c11 * (buf[n - 11]! + buf[lo + 11]!);
    const s = Math.round(a0 + a1 + (a2 + a3));
    output[o++] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
    // The centre tap of a half-band design is exactly 1 after the gain of 2: a copy.
    if (g === 1) {
      output[o++] = buf[n - d]!;
    } else {
      const t = Math.round(buf[n - d]! * g);
      output[o++] = t > 32767 ? 32767 : t < -32768 ? -32768 : t;
    }
  }
}
