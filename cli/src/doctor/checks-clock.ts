import { execFile } from 'node:child_process';
import { DEFAULT_TOLERANCE_S, generateWebhookSecret, signWebhook, verifyWebhook, type Clock } from '@dialer/core';
import { pass, skip, warn, fail, type CheckResult } from './types.js';

/** One reading of a peer's clock: its Date header and when we sent and received. */
export interface ClockSample {
  peer: string;
  serverDateMs: number;
  sentAtMs: number;
  receivedAtMs: number;
}

/** Skew of the peer against us (positive: the peer is ahead), and how much of it is measurement noise. */
export function skewOf(s: ClockSample): { skewMs: number; uncertaintyMs: number } {
  const mid = (s.sentAtMs + s.receivedAtMs) / 2;
  // Date has one-second resolution (it is truncated), so the peer's true time lies in [date, date + 1000).
  return { skewMs: s.serverDateMs + 500 - mid, uncertaintyMs: 500 + (s.receivedAtMs - s.sentAtMs) / 2 };
}

/** Above this skew a clock is not synchronised; above half the tolerance, delayed webhooks start to fail. */
const WARN_MS = 5_000;
const FAIL_MS = (DEFAULT_TOLERANCE_S * 1000) / 2;

function fixed(ms: number): Clock {
  return { now: () => ms } as Clock;
}

/**
 * Compares this host's clock with each peer's, and shows the consequence
 * with the real verifier: a webhook signed here now, checked on the peer's
 * clock. Standard Webhooks reject timestamps more than 5 minutes off.
 */
export async function clockChecks(samples: readonly ClockSample[], now: () => number, out: (r: CheckResult) => void): Promise<void> {
  if (samples.length === 0) {
    out(skip('clock.skew', 'no peer answered with a Date header'));
    return;
  }
  for (const sample of samples) {
    const id = `clock.${sample.peer}`;
    const { skewMs, uncertaintyMs } = skewOf(sample);
    const beyond = Math.max(0, Math.abs(skewMs) - uncertaintyMs);
    const secs = Math.abs(skewMs / 1000).toFixed(0);
    if (beyond >= FAIL_MS) {
      const secret = generateWebhookSecret();
      const body = '{"type":"doctor.probe"}';
      const headers = signWebhook({ secret, id: 'msg_doctor', body }, fixed(now()));
      let verdict = 'accepted';
      try {
        await verifyWebhook({ secret, headers, body, clock: fixed(now() + skewMs) });
      } catch (err) {
        verdict = `rejected (${(err as { code?: string }).code ?? (err as Error).message})`;
      }
      out(
        fail(
          id,
          `${sample.peer} clock is ${secs} s ${skewMs > 0 ? 'ahead of' : 'behind'} this host: a webhook signed here now would be ${verdict}`,
          'synchronise both clocks with NTP: `timedatectl set-ntp true` (systemd-timesyncd) or install chrony',
        ),
      );
    } else if (beyond >= WARN_MS) {
      out(warn(id, `${sample.peer} clock is ${secs} s ${skewMs > 0 ? 'ahead of' : 'behind'} this host`, 'synchronise the clocks with NTP (`timedatectl set-ntp true` or chrony) before the skew reaches the 300 s webhook tolerance'));
    } else {
      out(pass(id, `${sample.peer} clock within ${Math.max(1, Math.round((Math.abs(skewMs) + uncertaintyMs) / 1000))} s of this host`));
    }
  }
}

/** Whether systemd says this host's clock is NTP-synchronised (undefined when timedatectl is missing). */
export function ntpSynchronised(): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    execFile('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 2000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      const v = stdout.trim();
      resolve(v === 'yes' ? true : v === 'no' ? false : undefined);
    });
  });
}

/** The local NTP state as a check (a warning when systemd reports the clock unsynchronised). */
export async function ntpCheck(out: (r: CheckResult) => void, probe: () => Promise<boolean | undefined> = ntpSynchronised): Promise<void> {
  const synced = await probe();
  if (synced === true) out(pass('clock.ntp', 'this host\'s clock is NTP-synchronised'));
  else if (synced === false) out(warn('clock.ntp', 'this host\'s clock is not NTP-synchronised', 'enable NTP: `timedatectl set-ntp true` (or install chrony)'));
  else out(skip('clock.ntp', 'timedatectl not available'));
}

/**
 * The real thing: a signed probe to `POST /ai/events`, the way a gateway
 * signs its transcripts (this host's clock, the first AI_EVENTS_SECRET). The
 * body is deliberately not a message, so the API checks the timestamp and the
 * signature and then refuses the body (400) without storing anything. A 401
 * names the exact cause: clock skew or a secret mismatch.
 */
export async function aiEventsCheck(o: { url: string | undefined; secret: string | undefined; now: () => number }, out: (r: CheckResult) => void): Promise<void> {
  const id = 'clock.webhook-signature';
  if (!o.url) {
    out(skip(id, 'AI_EVENTS_URL is not set here (and no API URL to derive it from)'));
    return;
  }
  if (!o.secret) {
    out(skip(id, 'AI_EVENTS_SECRET is not set here: run doctor on a media gateway host to check its signatures'));
    return;
  }
  const body = JSON.stringify({ doctor: 'signature probe; not a message' });
  let headers: Record<string, string>;
  try {
    headers = signWebhook({ secret: o.secret, id: `doctor_${Math.floor(o.now())}`, body }, fixed(o.now()));
  } catch (err) {
    out(fail(id, `AI_EVENTS_SECRET is not a valid signing secret: ${(err as Error).message}`, 'generate one: echo "whsec_$(openssl rand -base64 32)", and set it on the API and every gateway'));
    return;
  }
  let res: Response;
  try {
    res = await fetch(o.url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    out(fail(id, `cannot reach ${o.url} (${code})`, 'check AI_EVENTS_URL and that the API is reachable from this gateway'));
    return;
  }
  const answer = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  const code = answer.error?.code;
  if (code === 'DIALER_ERR_WEBHOOK_TIMESTAMP') {
    out(fail(id, `the API rejects this host's webhook timestamps: ${answer.error?.message ?? 'outside tolerance'}`, 'synchronise the clocks of this host and the API hosts with NTP (`timedatectl set-ntp true` or chrony)'));
  } else if (code === 'DIALER_ERR_WEBHOOK_SIGNATURE') {
    out(fail(id, 'the API rejects the signature: AI_EVENTS_SECRET differs between this host and the API', 'set the same AI_EVENTS_SECRET on the API and every gateway (during a rotation the API lists both, space-separated)'));
  } else if (res.status === 503) {
    out(fail(id, `the API does not accept /ai/events: ${answer.error?.message ?? 'HTTP 503'}`, 'set AI_EVENTS_SECRET on the API'));
  } else if (res.status === 400 && (code === 'DIALER_ERR_MESSAGE_INVALID' || code === 'DIALER_ERR_VALIDATION')) {
    out(pass(id, `the API at ${o.url} accepts this host's signatures and clock (probe refused after the checks, as intended)`));
  } else {
    out(warn(id, `unexpected answer from ${o.url}: HTTP ${res.status} ${code ?? ''}`.trim(), 'check that AI_EVENTS_URL points at the API\'s POST /ai/events'));
  }
}
