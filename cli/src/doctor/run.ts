import { DoctorAri } from './ari.js';
import type { WireFormat } from './audio.js';
import { ariChecks } from './checks-ari.js';
import { callChecks } from './checks-call.js';
import { aiEventsCheck, clockChecks, ntpCheck, type ClockSample } from './checks-clock.js';
import { mediaChecks } from './checks-media.js';
import { sttChecks } from './checks-stt.js';
import type { DoctorSettings } from './settings.js';
import { fail, pass, skip, warn, type CheckResult } from './types.js';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  settings: DoctorSettings;
  /** The API to check (its /ready and its clock); undefined skips those checks. */
  apiUrl?: string | undefined;
  format: WireFormat;
  testEndpoint: string;
  listenMs: number;
  answerTimeoutMs: number;
  /** Place the test call (default true). */
  call: boolean;
  tapPort?: number | undefined;
  /** Check-id prefixes to run (empty: all) and to leave out. */
  only: readonly string[];
  skip: readonly string[];
  now: () => number;
  signal: AbortSignal;
  /** How the local NTP state is read (tests replace it). */
  ntp?: () => Promise<boolean | undefined>;
  /** Called with each result as soon as it is known (the command prints as it goes). */
  onResult?: (r: CheckResult) => void;
}

function selected(id: string, o: Pick<DoctorOptions, 'only' | 'skip'>): boolean {
  const hit = (p: string): boolean => id === p || id.startsWith(`${p}.`);
  if (o.only.length > 0 && !o.only.some(hit)) return false;
  return !o.skip.some(hit);
}

async function apiChecks(url: string, now: () => number, out: (r: CheckResult) => void): Promise<ClockSample | undefined> {
  const sentAtMs = now();
  let res: Response;
  try {
    res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5000) });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    out(warn('api.ready', `cannot reach the API at ${url} (${code})`, 'start the API (`systemctl start dialer-api`) or pass --url; skip with --skip api'));
    return undefined;
  }
  const receivedAtMs = now();
  const body = (await res.json().catch(() => ({}))) as { checks?: Record<string, { ok: boolean; reason?: string; required?: boolean }> };
  const failing = Object.entries(body.checks ?? {}).filter(([, c]) => !c.ok);
  const hard = failing.filter(([, c]) => c.required !== false);
  if (res.status === 200 && failing.length === 0) out(pass('api.ready', `API at ${url} is ready (${Object.keys(body.checks ?? {}).join(', ')} ok)`));
  else if (hard.length > 0 || res.status !== 200)
    out(fail('api.ready', `API at ${url} is not ready: ${hard.map(([n, c]) => `${n}: ${c.reason ?? 'failing'}`).join('; ') || `HTTP ${res.status}`}`, 'see `dialerctl health` and `journalctl -u dialer-api`'));
  else out(warn('api.ready', `API at ${url} is ready, but ${failing.map(([n, c]) => `${n}: ${c.reason ?? 'failing'}`).join('; ')}`, 'start the missing component (dialer-ari, dialer-media) or check its journal'));
  const date = res.headers.get('date');
  return date ? { peer: 'api', serverDateMs: Date.parse(date), sentAtMs, receivedAtMs } : undefined;
}

/**
 * Runs the checks in order (configuration, API, ARI, media addresses, the
 * test call, speech-to-text, clocks) and returns every result. A check that
 * cannot run because an earlier one failed reports `skip`.
 */
export async function runDoctor(o: DoctorOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const out = (r: CheckResult): void => {
    if (!selected(r.id, o)) return;
    results.push(r);
    o.onResult?.(r);
  };
  const want = (prefix: string): boolean => selected(prefix, o) || o.only.some((p) => p.startsWith(`${prefix}.`));
  const s = o.settings;
  if (s.files.length > 0) out(pass('config.files', `read ${s.files.join(', ')}`));
  for (const p of s.problems) out(fail('config.files', `${p.env}: ${p.message}`, 'fix the file or the setting'));

  const clocks: ClockSample[] = [];
  if (o.apiUrl && want('api')) {
    const c = await apiChecks(o.apiUrl, o.now, out);
    if (c) clocks.push(c);
  }

  const many = s.servers.length > 1;
  for (const [i, server] of s.servers.entries()) {
    // Each Asterisk server gets its own ARI checks and test call; with several, ids carry `@<server>`.
    const tagged = (r: CheckResult): void => out(many ? { ...r, id: `${r.id}@${server.id}` } : r);
    const ss: DoctorSettings = { ...s, ariUrl: server.url, ariUsername: server.username, ariPassword: server.password };
    const ari = new DoctorAri(ss.ariUrl, ss.ariUsername, ss.ariPassword ?? '', o.now);
    const state = want('ari') || want('call') || want('rtp') || want('clock') ? await ariChecks(ss, ari, tagged) : undefined;
    if (state?.clockSample) clocks.push({ peer: many ? `asterisk@${server.id}` : 'asterisk', ...state.clockSample });

    if (want('media') || want('call') || want('rtp')) {
      // The gateway's own address and port are the same for every server: report them once.
      const mediaOut = (r: CheckResult): void => {
        if (i === 0 || r.id === 'media.advertise') tagged(r);
      };
      const plan = await mediaChecks(ss, mediaOut, { tapPort: o.tapPort });
      if (!(want('call') || want('rtp'))) {
        // Only the address checks were asked for.
      } else if (!o.call) {
        tagged(skip('call', 'test call not requested (--no-call)'));
      } else if (!state?.authenticated) {
        tagged(skip('call', 'ARI is not usable, so no test call'));
      } else if (!plan.usable) {
        tagged(skip('call', 'the gateway addresses are unusable, so no test call'));
      } else {
        await callChecks(ss, ari, plan, { format: o.format, endpoint: o.testEndpoint, listenMs: o.listenMs, answerTimeoutMs: o.answerTimeoutMs, signal: o.signal }, tagged);
      }
    }
  }

  if (want('stt')) await sttChecks(s, out);
  if (want('clock')) {
    await clockChecks(clocks, o.now, out);
    await aiEventsCheck({ url: s.aiEventsUrl ?? (o.apiUrl ? `${o.apiUrl}/ai/events` : undefined), secret: s.aiEventsSecret, now: o.now }, out);
    await ntpCheck(out, o.ntp);
  }
  return results;
}
