import type { SimEngine } from './engine.js';
import type { SimChannel } from './state.js';

/** The behaviours a simulated callee can have (the `sim-leads` dialplan of the traces). */
export const PARTY_KINDS = [
  'human',
  'human-long',
  'human-hello',
  'machine',
  'busy',
  'congestion',
  'noanswer',
  'chanunavail',
  'echo',
  'agent',
] as const;
export type PartyKind = (typeof PARTY_KINDS)[number];

/** A party with its timing, in simulated milliseconds. */
export interface PartySpec {
  readonly kind: PartyKind;
  /** Ringing before answer (default 1000; agents 300). */
  readonly ringMs?: number;
  /** Humans: hang up this long after answering instead of following the script. */
  readonly hangupAfterMs?: number;
  /** Humans: never hang up (the app or a test ends the call). */
  readonly stay?: boolean;
}

export function isPartyKind(s: string): s is PartyKind {
  return (PARTY_KINDS as readonly string[]).includes(s);
}

/** What AMD() decides for a party, and after how long (the traces: 2.3 s human, 2.1 s machine). */
export function amdVerdict(kind: string | undefined): { status: string; cause: string; afterMs: number } {
  if (kind === 'machine') return { status: 'MACHINE', cause: 'MAXWORDS-3-2', afterMs: 2142 };
  return { status: 'HUMAN', cause: 'HUMAN-808-800', afterMs: 2333 };
}

const SOUNDS = '/var/lib/asterisk/sounds/sim';

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Runs the party's dialplan on the `;2` half (or directly on a PJSIP channel when there is no `;2`). */
export class PartyRunner {
  constructor(private readonly e: SimEngine) {}

  private ringing(ch1: SimChannel, ch2: SimChannel | undefined, wait: string): void {
    this.e.step(ch2, 'Ringing', '');
    this.e.setState(ch1, 'Ringing');
    this.e.step(ch2, 'Wait', wait);
    this.e.dial(ch1, 'RINGING');
  }

  /** The answer: ;2 Up, ;1 Up, Dial ANSWER, then StasisStart already Up (no /answer needed). */
  answer(ch1: SimChannel, ch2: SimChannel | undefined, stepAnswer = true): void {
    if (stepAnswer) this.e.step(ch2, 'Answer', '');
    if (ch2) this.e.setState(ch2, 'Up');
    this.e.setState(ch1, 'Up');
    this.e.dial(ch1, 'ANSWER');
    ch1.answered = true;
    this.e.cancel(ch1.ringTimer);
    ch1.ringTimer = undefined;
    if (ch1.homeApp) this.e.enterStasis(ch1, ch1.homeApp, ch1.appArgs);
  }

  /**
   * Answer() on a Local channel waits up to 500 ms for the first frame from the
   * other side: it ends early when the app plays something to ;1 or bridges it
   * with another channel (the traces show both).
   */
  private async answerDelay(ch1: SimChannel, signal: AbortSignal): Promise<void> {
    const heard = (): boolean => ch1.playbacks.length > 0 || (ch1.bridgeId !== undefined && (this.e.bridges.get(ch1.bridgeId)?.channels.length ?? 0) >= 2);
    const until = Date.now() + 500 * this.e.o.timeScale;
    while (Date.now() < until && !heard()) {
      if (signal.aborted) throw signal.reason;
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  private async play(ch1: SimChannel, ch2: SimChannel | undefined, prompt: string, signal: AbortSignal): Promise<void> {
    this.e.step(ch2, 'Playback', `${SOUNDS}/${prompt}`);
    const p = this.e.o.prompts.get(prompt);
    ch1.speech = { audio: p.ulaw, startedAt: Date.now() };
    if (ch2) ch2.inPlayback = true;
    try {
      await this.e.sleep(p.durationMs, signal);
    } finally {
      ch1.speech = undefined;
    }
    if (ch2) {
      ch2.inPlayback = false;
      this.e.setVar(ch2, 'PLAYBACKSTATUS', 'SUCCESS');
    }
  }

  private set(ch2: SimChannel | undefined, name: string, value: string): void {
    this.e.step(ch2, 'Set', `${name}=${value}`);
    if (ch2) this.e.setVar(ch2, name, value);
  }

  /** Starts the party; errors from a hangup (abort) end it quietly. */
  start(spec: PartySpec, ch1: SimChannel, ch2: SimChannel | undefined): void {
    const ac = new AbortController();
    (ch2 ?? ch1).script = ac;
    if (ch2) ch1.script = ac;
    this.run(spec, ch1, ch2, ac.signal).catch((err: unknown) => {
      if (!ac.signal.aborted) this.e.log.error({ err }, 'simulated party failed');
    });
  }

  private async talkThenHangup(spec: PartySpec, ch1: SimChannel, ch2: SimChannel | undefined, signal: AbortSignal, script: () => Promise<void>): Promise<void> {
    if (spec.stay) {
      await script();
      await aborted(signal);
      return;
    }
    if (spec.hangupAfterMs !== undefined) {
      void script().catch(() => undefined);
      await this.e.sleep(spec.hangupAfterMs, signal);
    } else {
      await script();
    }
    this.e.hangupByFarEnd(ch1, 16);
  }

  private async run(spec: PartySpec, ch1: SimChannel, ch2: SimChannel | undefined, signal: AbortSignal): Promise<void> {
    const e = this.e;
    const ringMs = spec.ringMs ?? (spec.kind === 'agent' ? 300 : 1000);
    switch (spec.kind) {
      case 'busy':
        e.dial(ch1, '');
        e.step(ch2, 'NoOp', 'sim lead: busy');
        e.step(ch2, 'Busy', '10');
        if (ch2) e.setState(ch2, 'Busy');
        e.dial(ch1, 'BUSY');
        if (ch2) e.hangupRequest(ch2, { cause: 0 });
        e.destroy(ch1, ch2 ? 0 : 17);
        if (ch2) {
          e.hangupRequest(ch2, { cause: 16, soft: true });
          e.destroy(ch2, 17);
        }
        return;
      case 'congestion':
        e.dial(ch1, '');
        e.step(ch2, 'NoOp', 'sim lead: congestion');
        e.step(ch2, 'Congestion', '5');
        e.dial(ch1, 'CONGESTION');
        if (ch2) e.hangupRequest(ch2, { cause: 0 });
        e.destroy(ch1, ch2 ? 0 : 34);
        if (ch2) {
          e.setState(ch2, 'Busy');
          e.hangupRequest(ch2, { cause: 16, soft: true });
          e.destroy(ch2, 34);
        }
        return;
      case 'chanunavail':
        e.dial(ch1, '');
        e.step(ch2, 'NoOp', 'sim lead: unavailable');
        e.dial(ch1, 'CHANUNAVAIL');
        if (ch2) e.hangupRequest(ch2, { cause: 0 });
        e.destroy(ch1, ch2 ? 0 : 20);
        if (ch2) {
          e.hangupRequest(ch2, { cause: 16, soft: true });
          e.destroy(ch2, 20);
        }
        return;
      case 'noanswer':
        e.dial(ch1, '');
        e.step(ch2, 'NoOp', 'sim lead: no answer');
        this.ringing(ch1, ch2, '600');
        // Rings until the originate timeout (SimEngine.ringTimeout) or a hangup.
        await aborted(signal);
        return;
      case 'echo':
      case 'agent': {
        if (spec.kind === 'agent') {
          e.dial(ch1, '');
          this.ringing(ch1, ch2, '1');
          await e.sleep(ringMs, signal);
          this.answer(ch1, ch2);
        } else {
          e.step(ch2, 'Answer', '');
          if (ch2) e.setState(ch2, 'Up');
          e.dial(ch1, '');
          this.answer(ch1, undefined, false);
        }
        await e.sleep(500, signal);
        e.step(ch2, spec.kind === 'echo' ? 'Echo' : 'Wait', spec.kind === 'echo' ? '' : '3600');
        ch1.echo = spec.kind === 'echo';
        await aborted(signal);
        return;
      }
      case 'human-long':
        e.dial(ch1, '');
        this.ringing(ch1, ch2, '1');
        await e.sleep(ringMs, signal);
        this.answer(ch1, ch2);
        await this.talkThenHangup(spec, ch1, ch2, signal, async () => {
          await this.answerDelay(ch1, signal);
          this.set(ch2, 'i', '0');
          for (let i = 1; i <= 5; i++) {
            await this.play(ch1, ch2, 'lead-speech', signal);
            await this.play(ch1, ch2, 'silence-1', signal);
            this.set(ch2, 'i', String(i));
            e.step(ch2, 'GotoIf', `${i < 5 ? 1 : 0}?loop`);
          }
        });
        return;
      case 'human':
      case 'human-hello':
      case 'machine': {
        e.dial(ch1, '');
        const label = spec.kind === 'human' ? 'human' : spec.kind === 'human-hello' ? 'human saying hello' : 'answering machine';
        e.step(ch2, 'NoOp', `sim lead: ${label}`);
        this.ringing(ch1, ch2, '1');
        await e.sleep(ringMs, signal);
        this.answer(ch1, ch2);
        await this.talkThenHangup(spec, ch1, ch2, signal, async () => {
          await this.answerDelay(ch1, signal);
          await this.play(ch1, ch2, 'silence-0.5', signal);
          if (spec.kind === 'machine') {
            await this.play(ch1, ch2, 'machine-greeting-beep', signal);
            // The mailbox records whatever is said (up to a minute), then hangs up.
            e.step(ch2, 'Wait', '60');
            await e.sleep(60_000, signal);
            return;
          }
          if (spec.kind === 'human-hello') {
            await this.play(ch1, ch2, 'lead-hello', signal);
            await this.play(ch1, ch2, 'silence-2.5', signal);
          }
          await this.play(ch1, ch2, 'lead-speech', signal);
          await this.play(ch1, ch2, 'silence-1', signal);
        });
        return;
      }
    }
  }

  /** An inbound SIP caller: speaks once answered, then sends BYE (unless it stays). */
  startCaller(ch: SimChannel, opts: { talkMs?: number; stay?: boolean; giveUpMs?: number }): void {
    const ac = new AbortController();
    ch.script = ac;
    const signal = ac.signal;
    const run = async (): Promise<void> => {
      const giveUp = opts.giveUpMs ?? 120_000;
      let waited = 0;
      while (!ch.answered && waited < giveUp) {
        await this.e.sleep(100, signal);
        waited += 100;
      }
      if (!ch.answered) {
        this.e.hangupByFarEnd(ch);
        return;
      }
      const speech = this.e.o.prompts.get('caller-speech');
      ch.speech = { audio: speech.ulaw, startedAt: Date.now() };
      if (opts.stay) return;
      await this.e.sleep(opts.talkMs ?? speech.durationMs + 2000, signal);
      this.e.hangupByFarEnd(ch);
    };
    run().catch((err: unknown) => {
      if (!signal.aborted) this.e.log.error({ err }, 'simulated caller failed');
    });
  }
}
