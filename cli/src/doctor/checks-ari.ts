import { AriNetworkError, type DoctorAri } from './ari.js';
import type { DoctorSettings } from './settings.js';
import { fail, pass, skip, warn, type CheckResult } from './types.js';

/** What the ARI checks learned, for the checks after them. */
export interface AriState {
  reachable: boolean;
  authenticated: boolean;
  version?: string;
  /** The Date header and round trip of one ARI reply (for the clock check). */
  clockSample?: { serverDateMs: number; sentAtMs: number; receivedAtMs: number };
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/i;

/** True when `host` is a loopback name or address. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

function netFix(code: string | undefined, url: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return `start Asterisk, and in http.conf set enabled=yes with bindaddr/bindport matching ARI_URL (${url})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host of ARI_URL (${url}) does not resolve: fix ARI_URL`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `nothing answers at ${url}: check that a firewall allows the controller to reach Asterisk's HTTP port`;
    default:
      return `check ARI_URL (${url}) and that Asterisk's HTTP server (http.conf) is enabled`;
  }
}

/** ARI reachable, credentials accepted, version, modules, the controller's Stasis app registered. */
export async function ariChecks(s: DoctorSettings, ari: DoctorAri, out: (r: CheckResult) => void): Promise<AriState> {
  const state: AriState = { reachable: false, authenticated: false };
  let url: URL | undefined;
  try {
    url = new URL(s.ariUrl);
  } catch {
    out(fail('ari.url', `ARI_URL ${JSON.stringify(s.ariUrl)} is not a URL`, 'set ARI_URL to Asterisk\'s HTTP server, e.g. http://127.0.0.1:8088'));
    return state;
  }
  if (!isLoopback(url.hostname) && url.protocol === 'http:') {
    out(warn('ari.url', `ARI_URL ${s.ariUrl} crosses the network in clear text (credentials and call control)`, 'keep ARI on localhost (http.conf bindaddr=127.0.0.1, controller on the Asterisk host) or enable TLS in http.conf and use https://'));
  } else {
    out(pass('ari.url', `ARI_URL ${s.ariUrl}${isLoopback(url.hostname) ? ' (localhost only)' : ' (TLS)'}`));
  }
  if (!s.ariPassword) {
    out(fail('ari.password', 'ARI_PASSWORD is not set', 'set ARI_PASSWORD (or ARI_PASSWORD_FILE) to the password of the ARI user in ari.conf'));
  }

  let info;
  try {
    info = await ari.request<{ system?: { version?: string }; message?: string }>('GET', '/asterisk/info');
  } catch (err) {
    const e = err as AriNetworkError;
    out(fail('ari.reachable', `cannot reach ARI at ${s.ariUrl}: ${e.message}`, netFix(e.code, s.ariUrl)));
    for (const id of ['ari.auth', 'ari.modules', 'ari.app']) out(skip(id, 'ARI unreachable'));
    return state;
  }
  if (info.serverDateMs !== undefined) state.clockSample = { serverDateMs: info.serverDateMs, sentAtMs: info.sentAtMs, receivedAtMs: info.receivedAtMs };
  if (info.status === 404) {
    out(fail('ari.reachable', `${s.ariUrl} answers but has no /ari (HTTP 404)`, 'load res_ari.so and the res_ari_* modules (modules.conf), and enable ARI in ari.conf (enabled = yes)'));
    return state;
  }
  state.reachable = true;
  out(pass('ari.reachable', `Asterisk's HTTP server answers at ${s.ariUrl}`));
  if (info.status === 401 || info.status === 403) {
    out(fail('ari.auth', `ARI rejected user ${JSON.stringify(s.ariUsername)} (HTTP ${info.status})`, 'make ARI_USERNAME/ARI_PASSWORD match a user in ari.conf ([<user>] type=user, password=...), then `asterisk -rx "module reload res_ari.so"`'));
    for (const id of ['ari.modules', 'ari.app']) out(skip(id, 'ARI credentials rejected'));
    return state;
  }
  if (info.status !== 200) {
    out(fail('ari.auth', `GET /ari/asterisk/info answered HTTP ${info.status}`, 'check the Asterisk log (`asterisk -rvvv`) for the ARI error'));
    return state;
  }
  state.authenticated = true;
  state.version = info.body?.system?.version;
  const major = Number((state.version ?? '').split('.')[0]);
  if (Number.isFinite(major) && major > 0 && major < 20) {
    out(warn('ari.auth', `logged in as ${s.ariUsername}; Asterisk ${state.version} is older than the supported 22`, 'upgrade to Asterisk 22 (ExternalMedia and the events the controller relies on changed since)'));
  } else {
    out(pass('ari.auth', `logged in as ${s.ariUsername}; Asterisk ${state.version ?? '(unknown version)'}`));
  }

  // Root causes first: res_ari_channels does not load without every res_stasis_* helper it drives,
  // so a missing snoop module shows as both, and the fix names the snoop module.
  const needed: Array<{ module: string; level: 'fail' | 'warn'; why: string }> = [
    { module: 'chan_rtp.so', level: 'fail', why: 'ExternalMedia (audio to the media gateway) needs it' },
    { module: 'res_stasis_snoop.so', level: 'fail', why: 'tapping calls for speech-to-text, recording and supervisor listen/whisper (ARI snoop) needs it, and res_ari_channels.so does not load without it' },
    { module: 'app_stasis.so', level: 'fail', why: 'the dialplan\'s Stasis() (inbound calls, AMD results) needs it' },
    { module: 'res_ari_channels.so', level: 'fail', why: 'call control needs it' },
    { module: 'res_ari_bridges.so', level: 'fail', why: 'bridging calls to agents needs it' },
    { module: 'app_amd.so', level: 'warn', why: 'answering-machine detection needs it' },
  ];
  const missing: typeof needed = [];
  for (const m of needed) {
    const r = await ari.request('GET', `/asterisk/modules/${m.module}`).catch(() => undefined);
    if (r && r.status === 200) continue;
    if (r && r.status !== 404 && r.status !== 409) continue; // Module listing not allowed or not supported: no evidence of absence.
    missing.push(m);
  }
  const hard = missing.filter((m) => m.level === 'fail');
  if (hard.length > 0) {
    const names = hard.map((m) => m.module).join(', ');
    out(fail('ari.modules', `${names} not loaded: ${hard[0]!.why}`, `add \`load = ${hard[0]!.module}\` to modules.conf (or remove its noload), then \`asterisk -rx "module load ${hard[0]!.module}"\``));
  } else if (missing.length > 0) {
    out(warn('ari.modules', `${missing.map((m) => m.module).join(', ')} not loaded: ${missing[0]!.why}`, `add \`load = ${missing[0]!.module}\` to modules.conf, then \`asterisk -rx "module load ${missing[0]!.module}"\``));
  } else {
    out(pass('ari.modules', needed.map((m) => m.module).join(', ') + ' loaded'));
  }

  const app = await ari.request<{ name?: string }>('GET', `/applications/${encodeURIComponent(s.ariApp)}`).catch(() => undefined);
  if (app?.status === 200) out(pass('ari.app', `Stasis application ${JSON.stringify(s.ariApp)} is registered (the controller is connected)`));
  else if (app?.status === 404)
    out(
      fail(
        'ari.app',
        `Stasis application ${JSON.stringify(s.ariApp)} is not registered: no controller is connected to Asterisk`,
        `start the controller (\`systemctl start dialer-ari\`, see \`journalctl -u dialer-ari\`), and make ARI_APP match the app in extensions.conf's Stasis() calls`,
      ),
    );
  else out(warn('ari.app', `could not list Stasis applications (HTTP ${app?.status ?? 'error'})`, 'see the Asterisk log (`asterisk -rvvv`) for why GET /ari/applications failed'));
  return state;
}
