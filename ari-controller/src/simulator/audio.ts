import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@dialer/core';

/** G.711 u-law silence (the encoding of 0). */
export const ULAW_SILENCE = 0xff;
/** Samples in a 20 ms frame at 8 kHz. */
export const FRAME_SAMPLES = 160;

const BIAS = 0x84;
const CLIP = 32635;

/** Encodes one 16-bit sample as u-law. */
export function linearToUlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** u-law to 16-bit linear, as a 256-entry table. */
export const ULAW_TO_LINEAR: Int16Array = (() => {
  const t = new Int16Array(256);
  for (let i = 0; i < 256; i++) {
    const u = ~i & 0xff;
    const sign = u & 0x80;
    const exponent = (u >> 4) & 0x07;
    const mantissa = u & 0x0f;
    let s = ((mantissa << 3) + BIAS) << exponent;
    s -= BIAS;
    t[i] = sign ? -s : s;
  }
  return t;
})();

/** Mixes u-law frames by adding their linear samples. */
export function mixUlaw(frames: readonly Buffer[]): Buffer {
  if (frames.length === 1) return frames[0]!;
  const out = Buffer.alloc(FRAME_SAMPLES);
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    let sum = 0;
    for (const f of frames) sum += ULAW_TO_LINEAR[f[i] ?? ULAW_SILENCE]!;
    out[i] = linearToUlaw(sum);
  }
  return out;
}

/** A prompt the simulated parties and `sound:` playbacks use: raw u-law at 8 kHz. */
export interface Prompt {
  readonly name: string;
  readonly ulaw: Buffer;
  readonly durationMs: number;
}

const SPEECH: Record<string, string> = {
  'lead-speech':
    'Hi, yes, this is Maria speaking. I got your letter about the new offer, and I would like to hear more about the price and the delivery date.',
  'lead-hello': 'Hello? Who is calling?',
  'machine-greeting': 'Hi, you have reached the voicemail of John Smith. I cannot take your call right now. Please leave a message after the tone.',
  'hello-world': 'Hello world.',
  'caller-speech': 'Hello, I am calling about my order. It has not arrived yet and I would like to know where it is.',
  'agent-speech': 'Thank you for calling. Let me check that for you right away.',
};

/**
 * Lengths of the prompts in the traced Asterisk's `sim-leads` dialplan, so the
 * simulated parties keep the recorded timing (lead-speech ran 6.58 s).
 */
const DURATIONS_MS: Record<string, number> = {
  'lead-speech': 6580,
  'lead-hello': 910,
  'hello-world': 1400,
  'machine-greeting': 4200,
  'caller-speech': 6600,
  'agent-speech': 3500,
};

/** Pads with silence or cuts a u-law buffer to exactly `ms`. */
function fit(ulaw: Buffer, ms: number | undefined): Buffer {
  if (ms === undefined) return ulaw;
  const n = Math.round((ms / 1000) * 8000);
  if (ulaw.length >= n) return ulaw.subarray(0, n);
  return Buffer.concat([ulaw, Buffer.alloc(n - ulaw.length, ULAW_SILENCE)]);
}

function tone(ms: number, hz: number, amplitude = 8000): Buffer {
  const n = Math.round((ms / 1000) * 8000);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = linearToUlaw(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000));
  return out;
}

/** A speech-like stand-in (a vowel-ish buzz with syllable rhythm) for machines without espeak-ng. */
function pseudoSpeech(text: string): Buffer {
  const ms = Math.max(600, text.length * 60);
  const n = Math.round((ms / 1000) * 8000);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    const t = i / 8000;
    const syllable = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
    const v = Math.sin(2 * Math.PI * 140 * t) + 0.5 * Math.sin(2 * Math.PI * 700 * t) + 0.25 * Math.sin(2 * Math.PI * 1200 * t);
    out[i] = linearToUlaw(6000 * syllable * v);
  }
  return out;
}

function have(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Converts any audio file sox reads to raw u-law 8 kHz mono. */
function soxToUlaw(input: string, output: string): void {
  execFileSync('sox', [input, '-r', '8000', '-c', '1', '-e', 'mu-law', '-t', 'raw', output], { stdio: 'ignore' });
}

/**
 * Loads the prompts: `.wav` files from `audioDir` when given (any rate; sox
 * converts them), otherwise speech generated once with espeak-ng and sox and
 * cached in the temp directory. Without espeak-ng a synthetic stand-in is
 * used and a warning logged.
 */
export class PromptStore {
  private readonly prompts = new Map<string, Prompt>();
  private readonly cacheDir: string;
  private warned = false;

  constructor(
    private readonly log: Logger,
    private readonly audioDir?: string,
  ) {
    const key = createHash('sha256').update(JSON.stringify([SPEECH, DURATIONS_MS])).digest('hex').slice(0, 12);
    this.cacheDir = join(tmpdir(), `dialer-ari-sim-audio-${key}`);
  }

  /** Every prompt name the parties use, generated up front so the first call does not stall. */
  warm(): void {
    for (const name of ['lead-speech', 'lead-hello', 'machine-greeting-beep', 'hello-world', 'caller-speech']) this.get(name);
  }

  /** A prompt by name; `silence-<s>` and `tone-<hz>-<ms>` are synthesised, unknown names give 1 s of silence. */
  get(name: string): Prompt {
    const base = name.replace(/^.*\//, '');
    const cached = this.prompts.get(base);
    if (cached) return cached;
    const ulaw = this.load(base);
    const p: Prompt = { name: base, ulaw, durationMs: Math.round((ulaw.length / 8000) * 1000) };
    this.prompts.set(base, p);
    return p;
  }

  private load(name: string): Buffer {
    const silence = /^silence-([\d.]+)$/.exec(name);
    if (silence) return Buffer.alloc(Math.round(Number(silence[1]) * 8000), ULAW_SILENCE);
    const beep = /^tone-(\d+)-(\d+)$/.exec(name);
    if (beep) return tone(Number(beep[2]), Number(beep[1]));
    if (name === 'beep') return tone(500, 1000);
    if (this.audioDir) {
      const file = join(this.audioDir, `${name}.wav`);
      if (existsSync(file)) {
        const out = join(this.ensureCache(), `${name}.user.ulaw`);
        soxToUlaw(file, out);
        return readFileSync(out);
      }
    }
    if (name === 'machine-greeting-beep') return Buffer.concat([this.get('machine-greeting').ulaw, Buffer.alloc(1600, ULAW_SILENCE), tone(500, 1000)]);
    const text = SPEECH[name];
    if (!text) return Buffer.alloc(8000, ULAW_SILENCE);
    return fit(this.speak(name, text), DURATIONS_MS[name]);
  }

  private ensureCache(): string {
    mkdirSync(this.cacheDir, { recursive: true });
    return this.cacheDir;
  }

  private speak(name: string, text: string): Buffer {
    const dir = this.ensureCache();
    const out = join(dir, `${name}.ulaw`);
    if (existsSync(out)) return readFileSync(out);
    if (!have('espeak-ng') || !have('sox')) {
      if (!this.warned) {
        this.warned = true;
        this.log.warn('espeak-ng or sox missing; the simulator plays synthetic audio instead of speech');
      }
      return pseudoSpeech(text);
    }
    const wav = join(dir, `${name}.${process.pid}.wav`);
    const tmp = join(dir, `${name}.${process.pid}.ulaw`);
    try {
      execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, text], { stdio: 'ignore' });
      soxToUlaw(wav, tmp);
      const target = DURATIONS_MS[name];
      const gotMs = (readFileSync(tmp).length / 8000) * 1000;
      if (target !== undefined && gotMs > target) {
        // Speak faster so the sentence fits the recorded prompt length.
        const speed = Math.min(450, Math.ceil(150 * (gotMs / target) * 1.05));
        execFileSync('espeak-ng', ['-v', 'en-us', '-s', String(speed), '-w', wav, text], { stdio: 'ignore' });
        soxToUlaw(wav, tmp);
      }
      // Rename so concurrent simulators never read a half-written file.
      renameSync(tmp, out);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, prompt: name }, 'could not generate speech; using synthetic audio');
      writeFileSync(out, pseudoSpeech(text));
    } finally {
      rmSync(wav, { force: true });
    }
    return readFileSync(out);
  }
}
