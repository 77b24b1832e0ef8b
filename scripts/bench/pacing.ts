// bench:pacing — the predictive pacer against progressive, ratio and VICIdial's
// ADAPT_TAPERED on the deterministic simulator's traffic profiles.
// `-- --json` prints one JSON document on stdout; progress goes to stderr.
import {
  PACING_PROFILES,
  VicidialAdaptTaperedPacer,
  createPacer,
  simulatePacing,
  type Pacer,
  type PacingRunResult,
  type TrafficProfile,
} from '@dialer/core';

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.find((a) => a.startsWith('--profile='))?.slice('--profile='.length);
const hoursArg = args.find((a) => a.startsWith('--hours='))?.slice('--hours='.length);
const durationMs = hoursArg ? Number(hoursArg) * 3_600_000 : undefined;

const strategies: { name: string; make: (p: TrafficProfile) => Pacer }[] = [
  { name: 'progressive', make: (p) => createPacer({ mode: 'progressive', targetAbandonRate: p.targetAbandonRate }) },
  { name: 'ratio', make: (p) => createPacer({ mode: 'ratio', targetAbandonRate: p.targetAbandonRate, ratio: 1.5 }) },
  // ADAPT_TAPERED as VICIdial's help asks: the latest server time is when the campaign stops dialling (the shift's end).
  {
    name: 'vicidial-adapt-tapered',
    make: (p) => new VicidialAdaptTaperedPacer({ targetAbandonRate: p.targetAbandonRate, shiftDurationMs: durationMs ?? p.durationMs }),
  },
  { name: 'predictive', make: (p) => createPacer({ mode: 'predictive', targetAbandonRate: p.targetAbandonRate }) },
];

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
const runs: Record<string, number | string>[] = [];
const results: PacingRunResult[] = [];
for (const profile of PACING_PROFILES) {
  if (only && profile.name !== only) continue;
  for (const s of strategies) {
    const started = performance.now();
    const r = simulatePacing(profile, s.name, s.make(profile), durationMs ? { durationMs } : {});
    results.push(r);
    runs.push({
      profile: r.profile,
      strategy: r.strategy,
      abandonRate: round(r.abandonRate),
      worstHourAbandonRate: round(r.worstHourAbandonRate),
      occupancy: round(r.occupancy),
      talkMinutesPerAgentHour: round(r.talkMinutesPerAgentHour, 2),
      meanWaitToAgentMs: Math.round(r.meanWaitToAgentMs),
      p95WaitToAgentMs: Math.round(r.p95WaitToAgentMs),
    });
    process.stderr.write(
      `${profile.name.padEnd(22)} ${s.name.padEnd(24)} abandon ${(r.abandonRate * 100).toFixed(2).padStart(6)}%  worst hour ${(r.worstHourAbandonRate * 100).toFixed(2).padStart(6)}%  occupancy ${(r.occupancy * 100).toFixed(1).padStart(5)}%  talk ${r.talkMinutesPerAgentHour.toFixed(2).padStart(6)} min/agent-h  wait ${Math.round(r.meanWaitToAgentMs)}/${Math.round(r.p95WaitToAgentMs)} ms  (${r.dials} dials, ${Math.round(performance.now() - started)} ms)\n`,
    );
  }
}

if (json) {
  process.stdout.write(`${JSON.stringify({ runs })}\n`);
} else {
  // A human summary: predictive against the baseline, per profile.
  for (const profile of PACING_PROFILES) {
    const p = results.find((r) => r.profile === profile.name && r.strategy === 'predictive');
    const v = results.find((r) => r.profile === profile.name && r.strategy === 'vicidial-adapt-tapered');
    if (!p || !v) continue;
    const gain = v.talkMinutesPerAgentHour > 0 ? (p.talkMinutesPerAgentHour / v.talkMinutesPerAgentHour - 1) * 100 : 0;
    process.stdout.write(
      `${profile.name}: predictive ${p.talkMinutesPerAgentHour.toFixed(2)} talk min/agent-h at ${(p.abandonRate * 100).toFixed(2)}% abandon; ADAPT_TAPERED ${v.talkMinutesPerAgentHour.toFixed(2)} at ${(v.abandonRate * 100).toFixed(2)}% (${gain >= 0 ? '+' : ''}${gain.toFixed(1)}% talk)\n`,
    );
  }
}
