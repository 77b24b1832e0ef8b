// Replays a recorded ARI trace (../fixtures/traces) against the simulator:
// the same REST calls at the same (scaled) times, and the events that come
// back, normalised to roles so recorded and simulated ids can be compared.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { AriSimulator } from '@dialer/ari-controller/simulator';

type Json = Record<string, unknown>;
interface RestLine {
  t_ms: number;
  dir: 'rest';
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  response: unknown;
  sent_ms: number;
}
interface EventLine {
  t_ms: number;
  dir: 'event';
  event: Json & { type: string };
}
interface NoteLine {
  t_ms: number;
  dir: 'note';
  text: string;
}
type Line = RestLine | EventLine | NoteLine;

/** Gives channels, bridges and playbacks stable names: `Local/human@sim-leads;1#0`, `bridge#1`. */
class Roles {
  private readonly byId = new Map<string, string>();
  private readonly idByRole = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  private assign(id: string, prefix: string): string {
    const known = this.byId.get(id);
    if (known) return known;
    const k = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, k + 1);
    const role = `${prefix}#${k}`;
    this.byId.set(id, role);
    this.idByRole.set(role, id);
    return role;
  }

  channel(c: { id: string; name: string }): string {
    let prefix = c.name
      .replace(/-[0-9a-f]{8}(;[12])$/, '$1')
      .replace(/-0x[0-9a-f]+$/, '')
      .replace(/^(PJSIP\/[^-]+)-[0-9a-f]{8}$/, '$1');
    const snoop = /^Snoop\/(.+)-[0-9a-f]{8}$/.exec(c.name);
    if (snoop) prefix = `Snoop/${this.byId.get(snoop[1]!) ?? '?'}`;
    return this.assign(c.id, prefix);
  }

  other(kind: string, id: string): string {
    return this.assign(id, kind);
  }

  roleOf(id: string): string | undefined {
    return this.byId.get(id);
  }

  idOf(role: string): string | undefined {
    return this.idByRole.get(role);
  }
}

/** Variables whose values are the same run to run; others (ports, peer names, call ids) compare as set/empty. */
const STABLE_VARS = new Set(['STASISSTATUS', 'PLAYBACKSTATUS', 'AMDSTATUS', 'AMDCAUSE', 'i', 'SIPDOMAIN', 'UNICASTRTP_LOCAL_ADDRESS']);

/** The normalised key of an event: type plus the detail that matters for order checks. */
function describe(e: Json & { type: string }): string {
  switch (e.type) {
    case 'ChannelVarset': {
      const v = String(e['variable']);
      const value = String(e['value']);
      return `ChannelVarset(${v}${STABLE_VARS.has(v) ? `=${value}` : value === '' ? '=' : ''})`;
    }
    case 'ChannelDialplan':
      return `ChannelDialplan(${String(e['dialplan_app'])})`;
    case 'Dial':
      return `Dial(${String(e['dialstatus'])})`;
    case 'ChannelStateChange':
      return `ChannelStateChange(${String((e['channel'] as Json)['state'])})`;
    case 'ChannelHangupRequest':
      return `ChannelHangupRequest(${e['cause'] ?? '-'}${e['soft'] ? ',soft' : ''})`;
    case 'ChannelDestroyed':
      return `ChannelDestroyed(${String(e['cause'])})`;
    case 'StasisStart':
      return `StasisStart(${(e['args'] as string[]).join(',')})`;
    default:
      return e.type;
  }
}

/** Channel names that only the trace's racing requests produce; their outcome is timing-dependent by design. */
const RACE = /^race-/;

function eventRole(roles: Roles, e: Json & { type: string }): string | undefined {
  const ch = (e['channel'] ?? e['peer']) as { id: string; name: string } | undefined;
  if (ch) return RACE.test(ch.id) ? undefined : roles.channel(ch);
  const br = e['bridge'] as { id: string } | undefined;
  if (br) return roles.other('bridge', br.id);
  const pb = e['playback'] as { id: string } | undefined;
  if (pb) return roles.other('playback', pb.id);
  const rec = e['recording'] as { name: string } | undefined;
  if (rec) return `recording:${rec.name}`;
  return undefined;
}

/** Per-role event sequences. */
export type RoleSequences = Record<string, string[]>;

function sequences(roles: Roles, events: Array<Json & { type: string }>): RoleSequences {
  const out: RoleSequences = {};
  for (const e of events) {
    if (e.type === 'DeviceStateChanged') continue;
    const role = eventRole(roles, e);
    if (!role) continue;
    (out[role] ??= []).push(describe(e));
  }
  return out;
}

export interface ReplayResult {
  expected: RoleSequences;
  actual: RoleSequences;
  statusMismatches: string[];
  violations: string[];
}

function substitute(text: string, traceRoles: Roles, simRoles: Roles): string {
  return text.replace(/\d{10}\.\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => {
    const role = traceRoles.roleOf(id);
    return (role && simRoles.idOf(role)) ?? id;
  });
}

function learnFromResponse(roles: Roles, path: string, body: unknown): void {
  if (!body || typeof body !== 'object') return;
  const list = Array.isArray(body) ? body : [body];
  for (const item of list as Json[]) {
    if (typeof item['id'] !== 'string') continue;
    if (typeof item['name'] === 'string' && 'state' in item && 'dialplan' in item) roles.channel(item as { id: string; name: string });
    else if ('bridge_type' in item) roles.other('bridge', item['id']);
    else if ('media_uri' in item) roles.other('playback', item['id']);
  }
  void path;
}

/**
 * Replays one trace file. `scale` is simulated time per real time (0.1 runs
 * ten times faster than recorded).
 */
export async function replayTrace(file: string, subscribeAll: boolean, scale: number): Promise<ReplayResult> {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line);
  const sim = await AriSimulator.start({ timeScale: scale, externalMediaStasisDelayMs: 1 });
  const traceRoles = new Roles();
  const simRoles = new Roles();
  const got: Array<Json & { type: string }> = [];
  const expectedEvents: Array<Json & { type: string }> = [];
  const statusMismatches: string[] = [];
  const auth = `Basic ${Buffer.from('dialer:dialer').toString('base64')}`;
  let ws: WebSocket | undefined;

  const open = async (): Promise<void> => {
    const s = new WebSocket(`ws://127.0.0.1:${sim.port}/ari/events?app=dialer${subscribeAll ? '&subscribeAll=true' : ''}`, { headers: { authorization: auth } });
    s.on('message', (d) => {
      const e = JSON.parse(String(d)) as Json & { type: string };
      got.push(e);
      const role = counted(e, simRoles);
      if (role) simSeen.set(role, (simSeen.get(role) ?? 0) + 1);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('open', () => resolve());
      s.once('error', reject);
    });
    ws = s;
  };

  const start = Date.now();
  const at = (ms: number): number => start + ms * scale;
  const sleepUntil = async (t: number): Promise<void> => {
    const d = t - Date.now();
    if (d > 0) await new Promise((r) => setTimeout(r, d));
  };
  const counted = (e: Json & { type: string }, roles: Roles): string | undefined => (e.type === 'DeviceStateChanged' ? undefined : eventRole(roles, e));
  // Per role, the events the recorder had seen when it sent a request (earlier in the file and in time).
  const traceSeen = new Map<string, number>();
  const simSeen = new Map<string, number>();
  const pending = (): string[] => [...traceSeen].filter(([role, n]) => (simSeen.get(role) ?? 0) < n).map(([r]) => r);

  try {
    // A StasisStart in the same millisecond as a request is what the recorder reacted to (AMD result, then DELETE).
    const pendingTrace: Array<{ role: string; t: number; trigger: boolean }> = [];
    for (const line of lines) {
      if (line.dir === 'event') {
        expectedEvents.push(line.event);
        const role = counted(line.event, traceRoles);
        // Only events the recorder had seen before its next request gate that request.
        if (role) pendingTrace.push({ role, t: line.t_ms, trigger: line.event.type === 'StasisStart' });
        continue;
      }
      if (line.dir === 'note') {
        if (line.text.startsWith('events WebSocket open') && !ws) await open();
        else if (line.text.startsWith('recorder closes the events WebSocket')) {
          await sleepUntil(at(line.t_ms));
          ws?.close(1000);
          ws = undefined;
        } else if (line.text.startsWith('recorder reconnects')) {
          await sleepUntil(at(line.t_ms));
          await open();
        } else if (line.text.startsWith('SIPp started')) {
          await sleepUntil(at(line.t_ms));
          sim.inboundCall({ did: '1000', from: '5551234', callerName: 'Lead 5551234', endpoint: 'sipp', talkMs: 9000 });
        }
        continue;
      }
      // A REST line: wait for its time and for the events it reacts to.
      await sleepUntil(at(line.sent_ms));
      for (let i = 0; i < pendingTrace.length; ) {
        const p = pendingTrace[i]!;
        if (p.t < line.sent_ms || (p.trigger && p.t === line.sent_ms)) {
          traceSeen.set(p.role, (traceSeen.get(p.role) ?? 0) + 1);
          pendingTrace.splice(i, 1);
        } else i++;
      }
      const deadline = Date.now() + 1500;
      while (pending().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      if (process.env['REPLAY_DEBUG'] && pending().length > 0) console.error(`replay: ${line.method} ${line.path} sent still waiting for ${pending().join(', ')}`);
      if (line.path === '/ari/events') {
        // The WebSocket upgrade with a wrong password.
        const status = await new Promise<number>((resolve) => {
          const s = new WebSocket(`ws://127.0.0.1:${sim.port}/ari/events?app=dialer&api_key=dialer:wrongpassword`);
          s.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          s.on('open', () => {
            s.close();
            resolve(101);
          });
          s.on('error', () => undefined);
        });
        if (status !== line.status) statusMismatches.push(`WS upgrade: got ${status}, trace ${line.status}`);
        continue;
      }
      const path = substitute(line.path, traceRoles, simRoles);
      if (process.env['REPLAY_DEBUG']) console.error(`replay: ${line.method} ${line.path} -> ${path} at ${Date.now() - start} ms`);
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(line.query)) qs.append(k, substitute(v, traceRoles, simRoles));
      const headers: Record<string, string> = line.status === 401 ? { authorization: `Basic ${Buffer.from('dialer:wrongpassword').toString('base64')}` } : { authorization: auth };
      const res = await fetch(`http://127.0.0.1:${sim.port}${path}${qs.size ? `?${qs}` : ''}`, { method: line.method, headers });
      const text = await res.text();
      const body = text ? (JSON.parse(text) as unknown) : null;
      learnFromResponse(traceRoles, line.path, line.response);
      learnFromResponse(simRoles, path, body);
      const racing = Object.values(line.query).some((v) => RACE.test(v)) || RACE.test(line.path.split('/').pop() ?? '');
      if (!racing && res.status !== line.status) statusMismatches.push(`${line.method} ${line.path}: got ${res.status}, trace ${line.status}`);
      if (!racing && line.status >= 400) {
        const want = JSON.stringify(line.response);
        if (JSON.stringify(body) !== want) statusMismatches.push(`${line.method} ${line.path}: body ${JSON.stringify(body)}, trace ${want}`);
      }
    }
    const last = lines[lines.length - 1]!;
    await sleepUntil(at(last.t_ms) + 100);
  } finally {
    ws?.close();
    await sim.close();
  }
  return {
    expected: sequences(traceRoles, expectedEvents),
    actual: sequences(simRoles, got),
    statusMismatches,
    violations: [...sim.violations],
  };
}
