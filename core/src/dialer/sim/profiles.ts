/** How dialled numbers answer during one part of the day (shares of all dials; the rest ring out). */
export interface AnswerMix {
  fromMs: number;
  human: number;
  machine: number;
  busy: number;
  congestion: number;
}

/** A distribution given by its mean and coefficient of variation (lognormal). */
export interface Dist {
  meanMs: number;
  cv: number;
}

/** A traffic profile of the pacing simulator. */
export interface TrafficProfile {
  name: string;
  seed: number;
  durationMs: number;
  agents: number;
  /** Piecewise answer mix, by time of day (sorted by `fromMs`). */
  mix: AnswerMix[];
  /** Dial to a person picking up. */
  humanRing: Dist;
  /** Dial to an answering machine picking up. */
  machineRing: Dist;
  ringTimeoutMs: number;
  talk: Dist;
  wrap: Dist;
  amd: {
    enabled: boolean;
    /** Time from answer to a HUMAN verdict (the end of the greeting). */
    humanDetect: Dist;
    machineDetect: Dist;
    /** Humans classified as machines (hung up on). */
    falsePositive: number;
    /** Machines classified as humans (passed to an agent). */
    falseNegative: number;
  };
  /** Talk time when an agent gets a machine. */
  machineTalk: Dist;
  /** Per agent: login and logout times, and breaks (start, duration). */
  schedule?: (agent: number) => { loginMs: number; logoutMs: number; breaks: { startMs: number; durationMs: number }[] };
  targetAbandonRate: number;
}

const HOUR = 3_600_000;
const MIN = 60_000;

const base = {
  durationMs: 8 * HOUR,
  humanRing: { meanMs: 9000, cv: 0.45 },
  machineRing: { meanMs: 17_000, cv: 0.25 },
  ringTimeoutMs: 25_000,
  talk: { meanMs: 150_000, cv: 0.9 },
  wrap: { meanMs: 15_000, cv: 0.5 },
  amd: {
    enabled: true,
    humanDetect: { meanMs: 2500, cv: 0.35 },
    machineDetect: { meanMs: 3500, cv: 0.3 },
    falsePositive: 0.04,
    falseNegative: 0.1,
  },
  machineTalk: { meanMs: 7000, cv: 0.4 },
  targetAbandonRate: 0.03,
} as const;

const mix = (human: number, machine: number, busy = 0.06, congestion = 0.02, fromMs = 0): AnswerMix => ({ fromMs, human, machine, busy, congestion });

/** The profiles of `bench:pacing`: small and large teams, low contact, drift, breaks, long talks, many machines. */
export const PACING_PROFILES: readonly TrafficProfile[] = [
  { ...base, name: 'small-team', seed: 11, agents: 6, mix: [mix(0.3, 0.15)] },
  { ...base, name: 'large-team', seed: 12, agents: 120, mix: [mix(0.3, 0.15)] },
  { ...base, name: 'low-contact', seed: 13, agents: 25, mix: [mix(0.07, 0.1)] },
  {
    ...base,
    name: 'changing-answer-rate',
    seed: 14,
    agents: 25,
    mix: [mix(0.32, 0.12), mix(0.12, 0.2, 0.06, 0.02, 2 * HOUR), mix(0.38, 0.1, 0.06, 0.02, 4 * HOUR), mix(0.18, 0.18, 0.06, 0.02, 6 * HOUR)],
  },
  {
    ...base,
    name: 'breaks',
    seed: 15,
    agents: 25,
    mix: [mix(0.3, 0.15)],
    schedule: (a) => {
      const stagger = (a % 8) * 4 * MIN;
      const late = a % 5 === 0;
      return {
        loginMs: late ? HOUR : 0,
        logoutMs: a % 5 === 1 ? 7 * HOUR : 8 * HOUR,
        breaks: [
          { startMs: 2 * HOUR + stagger, durationMs: 15 * MIN },
          { startMs: 4 * HOUR + stagger, durationMs: 30 * MIN },
          { startMs: 6 * HOUR + stagger, durationMs: 15 * MIN },
        ],
      };
    },
  },
  { ...base, name: 'long-talk', seed: 16, agents: 25, mix: [mix(0.3, 0.15)], talk: { meanMs: 600_000, cv: 0.8 } },
  { ...base, name: 'many-machines', seed: 17, agents: 25, mix: [mix(0.14, 0.45)] },
];
