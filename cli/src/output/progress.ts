import type { OutStream } from '../io.js';

/** Options of {@link ProgressBar}. */
export interface ProgressOptions {
  /** Total units (bytes); unknown totals show a counter instead of a bar. */
  total?: number;
  label: string;
  /** Formats a unit count, e.g. bytes as MiB. */
  format?: (n: number) => string;
  now?: () => number;
  /** Smallest interval between redraws. */
  intervalMs?: number;
  width?: number;
  /** Text after the bar, e.g. rows processed so far (read at every redraw). */
  suffix?: () => string;
}

/** Bytes as `512 B`, `1.5 KiB`, `12.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * A progress bar on stderr. On a terminal it redraws one line in place (at
 * most every `intervalMs`); elsewhere (a pipe, a log file) it prints nothing
 * until `done`, so scripts and CI logs stay clean.
 */
export class ProgressBar {
  private current = 0;
  private lastDraw = -Infinity;
  private finished = false;
  private readonly now: () => number;
  private readonly started: number;

  constructor(
    private readonly stream: OutStream,
    private readonly o: ProgressOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.started = this.now();
  }

  /** Sets the units done so far. */
  update(current: number): void {
    this.current = current;
    if (!this.stream.isTTY || this.finished) return;
    const t = this.now();
    if (t - this.lastDraw < (this.o.intervalMs ?? 100)) return;
    this.lastDraw = t;
    this.stream.write(`\r${this.line()}`);
  }

  /** The text of the bar as it would be drawn now. */
  line(): string {
    const fmt = this.o.format ?? String;
    const elapsedS = Math.max(0.001, (this.now() - this.started) / 1000);
    const rate = `${fmt(Math.round(this.current / elapsedS))}/s`;
    const total = this.o.total;
    const extra = this.o.suffix?.() ?? '';
    const suffix = extra ? ` ${extra}` : '';
    if (!total || total <= 0) return `${this.o.label} ${fmt(this.current)} ${rate}${suffix}`;
    const ratio = Math.min(1, this.current / total);
    const width = this.o.width ?? 30;
    const filled = Math.round(ratio * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    return `${this.o.label} [${bar}] ${(ratio * 100).toFixed(0).padStart(3)}% ${fmt(this.current)}/${fmt(total)} ${rate}${suffix}`;
  }

  /** Draws the final state and ends the line (on a terminal), once. */
  done(message?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.stream.isTTY) this.stream.write(`\r${this.line()}\n`);
    if (message) this.stream.write(`${message}\n`);
  }
}
