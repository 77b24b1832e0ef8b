/**
 * Level of a block of audio samples (-1..1, as an AnalyserNode's float time
 * domain data gives them) on a 0..1 meter scale: RMS in dBFS mapped from
 * `floorDb` (silence) to 0 dB (full scale).
 */
export function meterLevel(samples: ArrayLike<number>, floorDb = -60): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    sum += s * s;
  }
  const rms = Math.sqrt(sum / samples.length);
  if (rms <= 0) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db - floorDb) / -floorDb));
}

/** Meter ballistics: rise at once, fall slowly, so the bar is readable. */
export function smoothLevel(previous: number, next: number, fall = 0.85): number {
  return next >= previous ? next : Math.max(next, previous * fall);
}

/** A mic counts as live once its level stays above `threshold` for `needed` of the recent readings. */
export class LiveDetector {
  private hits = 0;
  constructor(
    private readonly threshold = 0.15,
    private readonly needed = 3,
  ) {}
  push(level: number): boolean {
    this.hits = level >= this.threshold ? this.hits + 1 : Math.max(0, this.hits - 1);
    return this.live;
  }
  get live(): boolean {
    return this.hits >= this.needed;
  }
}
