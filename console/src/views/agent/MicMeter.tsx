import { useEffect, useRef } from 'preact/hooks';
import type { Softphone } from '../../webrtc/softphone.js';

/** The mic level bar; updated directly (20 times a second) without re-rendering the page. */
export function MicMeter({ phone }: { phone: Softphone }) {
  const bar = useRef<HTMLDivElement>(null);
  const meter = useRef<HTMLDivElement>(null);
  useEffect(
    () =>
      phone.on('level', (level) => {
        const pct = Math.round(level * 100);
        if (bar.current) bar.current.style.width = `${pct}%`;
        meter.current?.setAttribute('aria-valuenow', String(pct));
      }),
    [phone],
  );
  return (
    <div class="meter" ref={meter} role="meter" aria-label="Microphone level" aria-valuemin={0} aria-valuemax={100} aria-valuenow={0}>
      <div class="meter-bar" ref={bar} />
    </div>
  );
}
