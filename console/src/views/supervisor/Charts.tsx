import { binStates, type Point, type StateSample } from '../../lib/wallboard.js';

const W = 220;
const H = 48;

/** Abandon rate over the day, with the target as a dashed line. */
export function AbandonChart({ series, target }: { series: Point[]; target: number }) {
  if (series.length < 2) return <svg class="chart" width={W} height={H} role="img" aria-label="Abandon rate over the day: not enough data yet" data-points={series.length} />;
  const t0 = series[0]!.t;
  const t1 = series[series.length - 1]!.t;
  const max = Math.max(target * 1.5, ...series.map((p) => p.v), 0.001);
  const x = (t: number) => ((t - t0) / Math.max(1, t1 - t0)) * (W - 2) + 1;
  const y = (v: number) => H - 1 - (v / max) * (H - 2);
  const path = series.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  const last = series[series.length - 1]!.v;
  return (
    <svg class="chart" width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" data-points={series.length} aria-label={`Abandon rate over the day from ${hhmm(t0)}, now ${(last * 100).toFixed(1)}% against a target of ${(target * 100).toFixed(1)}%`}>
      <line x1={0} x2={W} y1={y(target)} y2={y(target)} class="target" stroke-dasharray="4 3" />
      <path d={path} class={last > target ? 'line over' : 'line'} fill="none" />
    </svg>
  );
}

/** Local time of day, 24-hour. */
const hhmm = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** Agents by state over the day, as stacked bars. */
export function StateChart({ samples }: { samples: StateSample[] }) {
  const data = binStates(samples);
  const max = Math.max(1, ...data.map((s) => s.ready + s.onCall + s.wrapUp + s.paused));
  const bw = W / Math.max(data.length, 30);
  const label = samples.length > 0 ? `Agents by state from ${hhmm(samples[0]!.t)} to ${hhmm(samples[samples.length - 1]!.t)}` : 'Agents by state over time: no data yet';
  return (
    <svg class="chart state-chart" width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} data-points={data.length}>
      {data.map((s, i) => {
        let y0 = H;
        return (['onCall', 'wrapUp', 'ready', 'paused'] as const).map((k) => {
          const h = (s[k] / max) * H;
          y0 -= h;
          return h > 0 ? <rect key={`${i}-${k}`} x={i * bw} y={y0} width={Math.max(1, bw - 1)} height={h} class={`bar-${k}`} /> : null;
        });
      })}
    </svg>
  );
}
