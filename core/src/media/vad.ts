/** VAD aggressiveness as in WebRTC: 0 (least) to 3 (most likely to call a frame silence). */
export type VadAggressiveness = 0 | 1 | 2 | 3;

/** Options of one {@link Vad} instance. */
export interface VadOptions {
  /** 8000, 16000, 32000 or 48000. */
  readonly sampleRate: number;
  readonly aggressiveness: VadAggressiveness;
  /** 10, 20 or 30 ms (default 20). */
  readonly frameMs?: 10 | 20 | 30;
}

/** A voice activity detector for one stream. Stateful: feed frames in order. */
export interface Vad {
  readonly sampleRate: number;
  /** Samples per frame `isSpeech` expects. */
  readonly frameSamples: number;
  /** Whether the frame (exactly `frameSamples` long) holds speech. */
  isSpeech(frame: Int16Array): boolean;
  /** Forgets the history (a new stream follows). */
  reset(): void;
  /** Releases the instance. Idempotent. */
  close(): void;
}

/** Makes {@link Vad} instances: WebRTC VAD in the gateway, the energy VAD in tests. */
export interface VadEngine {
  readonly name: string;
  create(options: VadOptions): Vad;
}

/** Frame sizes (samples) a VAD accepts at `sampleRate` and `frameMs`. */
export function vadFrameSamples(sampleRate: number, frameMs: number): number {
  return (sampleRate / 1000) * frameMs;
}

/**
 * A simple energy detector with an adaptive noise floor. Not as good as the
 * WebRTC VAD on noisy lines; deterministic and dependency-free, so tests and
 * tools can use it behind the same port.
 */
export class EnergyVad implements Vad {
  readonly sampleRate: number;
  readonly frameSamples: number;
  private noise = 100;
  private readonly ratio: number;
  private closed = false;

  constructor(options: VadOptions) {
    this.sampleRate = options.sampleRate;
    this.frameSamples = vadFrameSamples(options.sampleRate, options.frameMs ?? 20);
    // More aggressive: the frame must stand further above the noise floor.
    this.ratio = [2, 3, 4, 6][options.aggressiveness]!;
  }

  isSpeech(frame: Int16Array): boolean {
    if (this.closed) return false;
    let sum = 0;
    const n = this.frameSamples;
    for (let i = 0; i < n; i++) {
      const s = frame[i]!;
      sum += s * s;
    }
    const rms = Math.sqrt(sum / n);
    const speech = rms > 300 && rms > this.noise * this.ratio;
    // Track the floor slowly upward and quickly downward.
    this.noise = rms < this.noise ? this.noise * 0.9 + rms * 0.1 : this.noise * 0.995 + rms * 0.005;
    if (this.noise < 50) this.noise = 50;
    return speech;
  }

  reset(): void {
    this.noise = 100;
  }

  close(): void {
    this.closed = true;
  }
}

/** The {@link EnergyVad} as an engine. */
export const energyVadEngine: VadEngine = {
  name: 'energy',
  create: (options) => new EnergyVad(options),
};
