import { duration, percent, when } from '../output/table.js';

/** The body of `GET /api/v1/system` (admins and supervisors). */
export interface SystemReply {
  view: 'platform' | 'tenant';
  generatedAtMs: number;
  api: { nodeId: string; uptimeS: number; draining: boolean };
  db: { ok: boolean; kind: string; location: string | null; latencyMs: number | null; error: string | null };
  bus: { ok: boolean; kind: string };
  controllers: Array<{ nodeId: string; state: NodeState; heartbeat: boolean; startedAtMs: number | null; activeCalls: number | null; draining: boolean; app: string | null; servers: number; lastSeenAgoMs: number }>;
  asterisk: Array<{ id: string; nodeId: string; url: string | null; state: 'connected' | 'disconnected' | 'stale'; synced: boolean | null; asteriskId: string | null; version: string | null; sinceMs: number | null; lastError: string | null; calls: number | null }>;
  gateways: Array<{ gatewayId: string; nodeId: string | null; address: string | null; legs: number; maxLegs: number; draining: boolean; state: NodeState; startedAtMs: number; lastSeenAgoMs: number }>;
  stt: Array<{ provider: string; state: 'ok' | 'degraded' | 'down' | 'unused'; gateways: { ok: number; down: number; unused: number }; streams: number; downUntilMs: number | null; lastErrorAtMs: number | null; lastError: { code: string; message: string } | null }>;
}

export type NodeState = 'up' | 'draining' | 'stale' | 'unknown';

/** What `status` gathers. */
export interface StatusReport {
  api: { url: string; nodeId?: string; uptimeS?: number; ready: boolean };
  /** The API's /ready checks (db, bus, asterisk, gateway, ...). */
  components: Record<string, { ok: boolean; reason?: string; required?: boolean; lastContactAgoMs?: number }>;
  /** Every daemon and dependency in detail (GET /api/v1/system); null without an admin or supervisor login. */
  system: SystemReply | null;
  campaigns: { running: number; paused: number; dialing: number; queued: number; abandonRateMax: number | null } | null;
  agents: Record<string, number> | null;
  liveCalls: number | null;
  /** Components that are down or stale, one line each (also what makes `--strict` exit 9). */
  problems: string[];
}

const COMPONENT_LABEL: Record<string, string> = {
  db: 'database',
  bus: 'event bus',
  asterisk: 'asterisk (controller)',
  gateway: 'media gateways',
  draining: 'draining',
};

const LABEL_WIDTH = 16;
const label = (s: string): string => s.padEnd(LABEL_WIDTH);
const ago = (ms: number): string => `heard ${duration(ms / 1000)} ago`;
const STATE: Record<NodeState, string> = { up: 'up', draining: 'draining', stale: 'STALE', unknown: 'unknown' };

/** The problems a report shows: failing components, stale or draining nodes, disconnected servers, providers down. */
export function problemsOf(r: Omit<StatusReport, 'problems'>): string[] {
  const out: string[] = [];
  const sys = r.system;
  if (!sys) {
    for (const [name, c] of Object.entries(r.components)) if (!c.ok) out.push(`${COMPONENT_LABEL[name] ?? name}: ${c.reason ?? 'failing'}`);
    return out;
  }
  if (!sys.db.ok) out.push(`database: ${sys.db.error ?? 'unavailable'}`);
  if (!sys.bus.ok) out.push(`event bus (${sys.bus.kind}): not connected`);
  if (sys.controllers.length === 0) out.push('controllers: none heard since this API node started');
  for (const c of sys.controllers) if (c.state === 'stale') out.push(`controller ${c.nodeId}: silent for ${duration(c.lastSeenAgoMs / 1000)}`);
  for (const s of sys.asterisk) if (s.state !== 'connected') out.push(`asterisk ${s.id}: ${s.state === 'stale' ? `its controller ${s.nodeId} is silent` : `disconnected${s.lastError ? ` (${s.lastError})` : ''}`}`);
  if (sys.gateways.length === 0) out.push('media gateways: none heard since this API node started');
  for (const g of sys.gateways) if (g.state === 'stale') out.push(`gateway ${g.gatewayId}: silent for ${duration(g.lastSeenAgoMs / 1000)}`);
  for (const p of sys.stt) if (p.state === 'down' || p.state === 'degraded') out.push(`stt ${p.provider}: ${p.state}${p.lastError ? ` (${p.lastError.code})` : ''}`);
  return out;
}

function renderSystem(sys: SystemReply, now: number): string {
  let s = '';
  s += `${label('database')}${sys.db.ok ? 'ok' : 'FAIL'}  ${sys.db.kind}${sys.db.latencyMs !== null ? ` (${sys.db.latencyMs} ms)` : ''}${sys.db.location ? `  ${sys.db.location}` : ''}${sys.db.error ? `  ${sys.db.error}` : ''}\n`;
  s += `${label('event bus')}${sys.bus.ok ? 'ok' : 'FAIL'}  ${sys.bus.kind}\n`;

  const up = (xs: ReadonlyArray<{ state: NodeState }>) => xs.filter((x) => x.state === 'up' || x.state === 'draining').length;
  s += `${label('controllers')}${sys.controllers.length === 0 ? 'none heard (is dialer-ari running?)' : `${up(sys.controllers)} of ${sys.controllers.length} up`}\n`;
  for (const c of sys.controllers) {
    const calls = c.activeCalls !== null ? `  ${c.activeCalls} calls` : '';
    const how = c.heartbeat ? '' : '  (no heartbeat: known from its events)';
    s += `  ${c.nodeId.padEnd(LABEL_WIDTH - 2)}${STATE[c.state].padEnd(9)}${ago(c.lastSeenAgoMs)}${calls}${c.draining ? '  draining' : ''}${how}\n`;
  }

  const connected = sys.asterisk.filter((a) => a.state === 'connected').length;
  s += `${label('asterisk')}${sys.asterisk.length === 0 ? (sys.controllers.some((c) => c.heartbeat) ? 'no servers reported' : 'not reported (controllers publish no heartbeat)') : `${connected} of ${sys.asterisk.length} connected`}\n`;
  for (const a of sys.asterisk) {
    const state = a.state === 'connected' ? 'connected' : a.state === 'stale' ? 'STALE' : 'DOWN';
    const since = a.sinceMs !== null ? `  since ${when(a.sinceMs)}` : '';
    s += `  ${`${a.id} @${a.nodeId}`.padEnd(LABEL_WIDTH - 2)}${state.padEnd(10)}${a.version ? `Asterisk ${a.version}  ` : ''}${a.url ?? ''}${a.calls !== null ? `  ${a.calls} calls` : ''}${since}${a.lastError ? `  ${a.lastError}` : ''}\n`.replace(/ +\n$/, '\n');
  }

  s += `${label('media gateways')}${sys.gateways.length === 0 ? 'none heard (is dialer-media running?)' : `${up(sys.gateways)} of ${sys.gateways.length} up`}\n`;
  for (const g of sys.gateways) {
    s += `  ${g.gatewayId.padEnd(LABEL_WIDTH - 2)}${STATE[g.state].padEnd(9)}${g.address ? `${g.address}  ` : ''}${g.legs}/${g.maxLegs} legs  ${ago(g.lastSeenAgoMs)}\n`;
  }

  s += `${label('stt providers')}${sys.stt.length === 0 ? 'none reported by the live gateways' : sys.stt.map((p) => `${p.provider} ${p.state}`).join(', ')}\n`;
  for (const p of sys.stt) {
    const on = [`ok on ${p.gateways.ok}`, p.gateways.down ? `down on ${p.gateways.down}` : '', p.gateways.unused ? `unused on ${p.gateways.unused}` : ''].filter(Boolean).join(', ');
    const until = p.downUntilMs !== null && p.downUntilMs > now ? `  retried after ${when(p.downUntilMs)}` : '';
    s += `  ${p.provider.padEnd(LABEL_WIDTH - 2)}${(p.state === 'ok' || p.state === 'unused' ? p.state : p.state.toUpperCase()).padEnd(9)}${on} gateways, ${p.streams} streams${p.lastError ? `  last error ${p.lastError.code}: ${p.lastError.message}` : ''}${until}\n`;
  }
  return s;
}

/** The human report: API, then every component, then campaigns, agents and calls, then the problems. */
export function renderStatus(r: StatusReport, notes: readonly string[], now: number): string {
  let s = `${label('api')}${r.api.url}  ${r.api.ready ? 'ready' : 'NOT READY'}${r.api.nodeId ? `  node ${r.api.nodeId}` : ''}${r.api.uptimeS !== undefined ? `  up ${duration(r.api.uptimeS)}` : ''}\n`;
  if (r.system) s += renderSystem(r.system, now);
  else {
    for (const [name, c] of Object.entries(r.components)) {
      const state = c.ok ? 'ok' : c.required === false ? 'warn' : 'FAIL';
      const heard = c.lastContactAgoMs !== undefined ? ` (heard ${Math.round(c.lastContactAgoMs / 1000)} s ago)` : '';
      s += `${(COMPONENT_LABEL[name] ?? name).padEnd(22)} ${state}${c.ok ? heard : `  ${c.reason ?? ''}`}\n`;
    }
  }
  if (r.campaigns) {
    const c = r.campaigns;
    s += `${label('campaigns')}${c.running} running, ${c.paused} paused; ${c.dialing} calls dialing, ${c.queued} queued${c.abandonRateMax !== null ? `; worst abandon rate today ${percent(c.abandonRateMax)}` : ''}\n`;
  }
  if (r.agents) s += `${label('agents')}${Object.entries(r.agents).map(([k, v]) => `${v} ${k}`).join(', ') || 'none seen today'}\n`;
  if (r.liveCalls !== null) s += `${label('live calls')}${r.liveCalls}${r.liveCalls === 500 ? '+' : ''}\n`;
  if (r.problems.length > 0) s += `\nproblems:\n${r.problems.map((p) => `  - ${p}\n`).join('')}`;
  for (const n of notes) s += `${n}\n`;
  return s;
}
