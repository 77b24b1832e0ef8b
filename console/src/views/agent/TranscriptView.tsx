import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AutoScroll } from '../../lib/autoscroll.js';
import type { TranscriptBuffer } from '../../lib/transcript.js';

const WHO: Record<string, string> = { customer: 'Customer', agent: 'You', supervisor: 'Supervisor' };

/**
 * The live transcript, customer and agent in two colours. It follows new
 * lines until the agent scrolls up to read, then shows "n new lines" to jump back.
 */
export function TranscriptView({ buffer, version }: { buffer: TranscriptBuffer; version: number }) {
  const box = useRef<HTMLDivElement>(null);
  const scroll = useMemo(() => new AutoScroll(), [buffer]);
  const [, setTick] = useState(0);
  const lines = buffer.lines();
  const lastCount = useRef(0);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const added = Math.max(1, lines.length - lastCount.current);
    lastCount.current = lines.length;
    if (scroll.onContent(added)) el.scrollTop = el.scrollHeight;
    else setTick((n) => n + 1);
  }, [version]);

  return (
    <div class="transcript-wrap">
      <div
        class="transcript"
        ref={box}
        tabIndex={0}
        role="log"
        aria-label="Live transcript"
        aria-live="off"
        onScroll={(e) => {
          const wasPaused = scroll.paused;
          scroll.onScroll(e.currentTarget);
          if (wasPaused !== scroll.paused) setTick((n) => n + 1);
        }}
      >
        {lines.length === 0 && <p class="muted">Waiting for speech…</p>}
        {lines.map((l) => (
          <p key={l.key} class={`line speaker-${l.speaker} ${l.final ? 'final' : 'interim'}`} data-final={l.final ? 'yes' : 'no'}>
            <span class="who">{WHO[l.speaker] ?? l.speaker}</span>
            <span class="text">{l.text}</span>
          </p>
        ))}
      </div>
      {scroll.paused && (
        <button
          type="button"
          class="jump"
          onClick={() => {
            scroll.resume();
            if (box.current) box.current.scrollTop = box.current.scrollHeight;
            setTick((n) => n + 1);
          }}
        >
          {scroll.unseenCount > 0 ? `${scroll.unseenCount} new line${scroll.unseenCount > 1 ? 's' : ''} ↓` : 'Back to live ↓'}
        </button>
      )}
    </div>
  );
}
