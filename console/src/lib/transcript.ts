import type { Speaker, TranscriptSegment } from '@dialer/core';

/** One line of the live transcript: the latest text of one utterance. */
export interface TranscriptLine {
  /** `<legId>/<segmentId>`: interims and the final of an utterance share it. */
  readonly key: string;
  readonly speaker: Speaker;
  readonly text: string;
  readonly final: boolean;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * The live transcript of one call. Interim text of an utterance is replaced in
 * place by the next interim and then by its final; an interim that arrives
 * after the final (messages can cross on the wire) is ignored. Lines keep the
 * order in which their utterance first appeared, so text never jumps around
 * while the agent reads it. The oldest lines are dropped past `maxLines`.
 */
export class TranscriptBuffer {
  private readonly byKey = new Map<string, number>();
  private items: TranscriptLine[] = [];
  /** Bumped on every change: a cheap way for a view to know it must re-render. */
  version = 0;

  constructor(private readonly maxLines = 1000) {}

  /** Applies one segment. Returns true when the transcript changed. */
  apply(kind: 'interim' | 'final', seg: Pick<TranscriptSegment, 'legId' | 'segmentId' | 'speaker' | 'text' | 'startMs' | 'endMs'>): boolean {
    const key = `${seg.legId}/${seg.segmentId}`;
    const final = kind === 'final';
    const text = seg.text.trim();
    const at = this.byKey.get(key);
    if (at !== undefined) {
      const old = this.items[at]!;
      if (old.final && !final) return false;
      if (old.text === text && old.final === final) return false;
      if (text === '' && final) {
        // A final with no words (noise): the utterance vanishes.
        this.removeAt(at);
        return true;
      }
      this.items[at] = { ...old, text, final, startMs: seg.startMs, endMs: seg.endMs };
      this.version++;
      return true;
    }
    if (text === '') return false;
    this.byKey.set(key, this.items.length);
    this.items.push({ key, speaker: seg.speaker, text, final, startMs: seg.startMs, endMs: seg.endMs });
    if (this.items.length > this.maxLines) this.removeAt(0);
    this.version++;
    return true;
  }

  private removeAt(i: number): void {
    this.items.splice(i, 1);
    this.byKey.clear();
    this.items.forEach((l, j) => this.byKey.set(l.key, j));
    this.version++;
  }

  /** The lines, oldest first. */
  lines(): readonly TranscriptLine[] {
    return this.items;
  }

  /** Final text only, one `speaker: text` line each (for notes and copying). */
  plainText(): string {
    return this.items
      .filter((l) => l.final)
      .map((l) => `${l.speaker}: ${l.text}`)
      .join('\n');
  }

  clear(): void {
    this.items = [];
    this.byKey.clear();
    this.version++;
  }
}
