import { silentLogger, type Logger } from '@dialer/core';
import type { Bridge, Channel } from '../ari/generated/models.js';
import type { AriOperationId } from '../ari/generated/operations.js';
import { SimApi } from './api.js';
import { PromptStore } from './audio.js';
import { fail, SimDialplan, type SimReply } from './dialplan.js';
import { SimEngine } from './engine.js';
import type { SentEvent } from './hub.js';
import { SimMedia } from './media.js';
import { runningModules } from './modules.js';
import { isPartyKind, type PartyKind, type PartySpec } from './parties.js';
import { SimPlaybacks } from './playback.js';
import type { RtpFaults, RtpStats } from './rtp.js';
import { SimServer, type InjectedFailure, type SimRequestLog } from './server.js';

/** Options for {@link AriSimulator.start}. */
export interface AriSimulatorOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Port; 0 picks a free one (default 0). */
  port?: number;
  /** ARI user and password (default `dialer` / `dialer`, as in the traces). */
  username?: string;
  password?: string;
  /** Simulated time per real time: 0.1 runs parties ten times faster (ring, talk, AMD). RTP stays real-time paced. Default 1. */
  timeScale?: number;
  /** Address the ExternalMedia channels' RTP sockets bind to (UNICASTRTP_LOCAL_ADDRESS). Default: host. */
  rtpHost?: string;
  /** Who answers a dialled number: `{ '+15550001': 'busy' }`. `Local/<kind>@sim-leads` always works. */
  leads?: Record<string, PartyKind | PartySpec>;
  /** Who answers numbers not in `leads` (default `human`). */
  defaultParty?: PartyKind | PartySpec;
  /** Directory of `<prompt>.wav` files to use instead of generated speech. */
  audioDir?: string;
  /** Real milliseconds an ExternalMedia channel takes to enter Stasis after its 200 (default 5). */
  externalMediaStasisDelayMs?: number;
  asteriskId?: string;
  log?: Logger;
}

/** Faults a test or `dialerctl doctor` can inject. */
export interface SimFaults {
  /** Added to every REST request. */
  latencyMs: number;
  /** The events WebSocket upgrade is refused with 503. */
  refuseWebSockets: boolean;
  /** When false, `chan_rtp` is "not loaded": ExternalMedia fails and the module is missing. */
  chanRtpLoaded: boolean;
  /**
   * Modules left out (`noload` in modules.conf), e.g. `res_stasis_snoop.so`:
   * missing from the module list with every module that depends on them, and
   * the ARI resources those served answer 404 (Asterisk never registered them).
   */
  noload: string[];
  /** How far Asterisk's clock is off (ms, positive: ahead): its `Date` headers and the times in its events and replies. */
  clockOffsetMs: number;
  /** What goes wrong with the RTP sent to ExternalMedia hosts. */
  rtp: RtpFaults;
}

function spec(p: PartyKind | PartySpec): PartySpec {
  return typeof p === 'string' ? { kind: p } : p;
}

/**
 * A faithful stand-in for Asterisk 22's ARI, for tests, demos and
 * `dialerctl simulate-pbx`: the REST operations the controller uses
 * (validated against the schema table), the events WebSocket with app-only
 * and subscribeAll rules, simulated callees and callers, and real paced RTP
 * to ExternalMedia hosts.
 */
export class AriSimulator {
  readonly faults: SimFaults = { latencyMs: 0, refuseWebSockets: false, chanRtpLoaded: true, noload: [], clockOffsetMs: 0, rtp: {} };
  /** Every REST request answered (bounded to the last 20,000). */
  readonly requests: SimRequestLog[] = [];
  /** Client mistakes Asterisk would silently ignore (unknown parameters). */
  readonly violations: string[] = [];
  private readonly engine: SimEngine;
  private readonly dialplan: SimDialplan;
  private readonly playbacks: SimPlaybacks;
  private readonly media: SimMedia;
  private readonly server: SimServer;
  private readonly leads = new Map<string, PartySpec>();
  private readonly failures: InjectedFailure[] = [];
  private readonly users: Record<string, string>;
  private defaultParty: PartySpec;
  private running = false;

  private constructor(private readonly o: AriSimulatorOptions) {
    const log = o.log ?? silentLogger();
    const host = o.host ?? '127.0.0.1';
    this.users = { [o.username ?? 'dialer']: o.password ?? 'dialer' };
    const prompts = new PromptStore(log, o.audioDir);
    this.engine = new SimEngine({
      log,
      prompts,
      rtpHost: o.rtpHost ?? host,
      timeScale: o.timeScale ?? 1,
      asteriskId: o.asteriskId ?? '02:fc:00:00:00:01',
      rtpFaults: () => this.faults.rtp,
      now: () => Date.now() + this.faults.clockOffsetMs,
      externalMediaStasisDelayMs: o.externalMediaStasisDelayMs ?? 5,
    });
    for (const [n, p] of Object.entries(o.leads ?? {})) this.leads.set(n, spec(p));
    this.defaultParty = spec(o.defaultParty ?? 'human');
    this.dialplan = new SimDialplan(this.engine, (n) => this.leads.get(n), () => this.defaultParty);
    this.playbacks = new SimPlaybacks(this.engine);
    this.media = new SimMedia(this.engine, this.playbacks);
    const api = new SimApi(this.engine, this.dialplan, this.playbacks, {
      modules: () => this.modules(),
      version: '22.10.1',
      onExternalMedia: () => this.media.ensureRunning(),
    });
    this.server = new SimServer(
      {
        log,
        hub: this.engine.hub,
        users: () => this.users,
        handle: (op, params) => api.handle(op, params),
        control: (method, path, query, body) => this.control(method, path, query, body),
        latencyMs: () => this.faults.latencyMs,
        refuseWebSockets: () => this.faults.refuseWebSockets,
        moduleRunning: (m) => this.modules().includes(m),
        now: () => Date.now() + this.faults.clockOffsetMs,
        takeFailure: (op, method, path) => this.takeFailure(op, method, path),
        recordRequest: (r) => {
          this.requests.push(r);
          if (this.requests.length > 20_000) this.requests.splice(0, this.requests.length - 20_000);
        },
        recordViolation: (v) => this.violations.push(v),
      },
      host,
    );
    prompts.warm();
  }

  /** Starts a simulator; `port: 0` (the default) picks a free port. */
  static async start(o: AriSimulatorOptions = {}): Promise<AriSimulator> {
    const sim = new AriSimulator(o);
    await sim.server.listen(o.port ?? 0);
    sim.running = true;
    return sim;
  }

  get port(): number {
    return this.server.port;
  }

  /** Base URL, as ARI_URL takes it (`http://127.0.0.1:<port>`). */
  get url(): string {
    return `http://${this.server.host}:${this.server.port}`;
  }

  get username(): string {
    return Object.keys(this.users)[0]!;
  }

  get password(): string {
    return Object.values(this.users)[0]!;
  }

  /** Changes the ARI password (the next requests with the old one get 401). */
  setPassword(password: string): void {
    this.users[this.username] = password;
  }

  /** Who answers `number` from now on. */
  setParty(number: string, p: PartyKind | PartySpec): void {
    this.leads.set(number, spec(p));
  }

  setDefaultParty(p: PartyKind | PartySpec): void {
    this.defaultParty = spec(p);
  }

  /** The modules running now: the stock list minus the `noload` faults and what depends on them. */
  modules(): string[] {
    return runningModules(this.faults.chanRtpLoaded ? this.faults.noload : [...this.faults.noload, 'chan_rtp.so']);
  }

  /** The next `times` requests matching get `reply` (e.g. `{ status: 500, body: { message: '...' } }`). */
  failNext(match: { op?: AriOperationId; method?: string; path?: RegExp }, reply: SimReply, times = 1): void {
    this.failures.push({ ...match, reply, times });
  }

  private takeFailure(op: AriOperationId | undefined, method: string, path: string): SimReply | undefined {
    const i = this.failures.findIndex((f) => (f.op === undefined || f.op === op) && (f.method === undefined || f.method === method) && (f.path === undefined || f.path.test(path)));
    if (i < 0) return undefined;
    const f = this.failures[i]!;
    if (--f.times <= 0) this.failures.splice(i, 1);
    return f.reply;
  }

  /** Cuts every events WebSocket without a close frame; the calls go on (ws-reconnect.jsonl). */
  dropWebSockets(): void {
    this.server.dropWebSockets();
  }

  /** Restarts "Asterisk": every connection cut, every channel and bridge gone, back after `downMs` on the same port. */
  async restart(downMs = 200): Promise<void> {
    await this.server.close();
    this.media.stop();
    this.playbacks.reset();
    this.engine.reset();
    await new Promise((r) => setTimeout(r, downMs));
    await this.server.listen(this.server.port);
  }

  /** Stops listening (Asterisk down) until {@link resume}. Channels stay. */
  async pause(): Promise<void> {
    await this.server.close();
  }

  async resume(): Promise<void> {
    await this.server.listen(this.server.port);
  }

  /** A SIP caller dials `did`; resolves with the channel id. The caller talks, then hangs up after `talkMs` (unless `stay`). */
  inboundCall(o: { did: string; from: string; callerName?: string; app?: string; talkMs?: number; stay?: boolean; endpoint?: string }): string {
    const app = o.app ?? [...this.engine.hub.activeApps()][0] ?? 'dialer';
    return this.dialplan.inbound({ app, did: o.did, from: o.from, callerName: o.callerName, talkMs: o.talkMs, stay: o.stay, endpoint: o.endpoint }).id;
  }

  /** The far end hangs up `channelId` (a Local party's Hangup, or a SIP BYE). */
  hangup(channelId: string, cause = 16): boolean {
    const ch = this.engine.channels.get(channelId);
    if (!ch) return false;
    this.engine.hangupByFarEnd(ch, cause);
    return true;
  }

  channels(): Channel[] {
    return [...this.engine.channels.values()].map((c) => c.json());
  }

  bridges(): Bridge[] {
    return [...this.engine.bridges.values()].map((b) => b.json());
  }

  /** Channels (with their kind) and bridges still alive: what a leak check looks at. */
  leaks(): { channels: Array<{ id: string; name: string; kind: string }>; bridges: Array<{ id: string; name: string; channels: string[] }> } {
    return {
      channels: [...this.engine.channels.values()].map((c) => ({ id: c.id, name: c.name, kind: c.kind })),
      bridges: [...this.engine.bridges.values()].map((b) => ({ id: b.id, name: b.name, channels: [...b.channels] })),
    };
  }

  rtpStats(channelId: string): RtpStats | undefined {
    return this.engine.channels.get(channelId)?.rtp?.stats;
  }

  /** Every event the simulator emits, whoever receives it; returns an unsubscribe. */
  onEvent(fn: (e: SentEvent) => void): () => void {
    const off = this.engine.hub.observe(fn);
    return () => void off();
  }

  /** Apps with an events WebSocket connected now. */
  connectedApps(): string[] {
    return [...this.engine.hub.activeApps()];
  }

  private async control(method: string, path: string, query: URLSearchParams, body: unknown): Promise<SimReply | undefined> {
    if (method === 'GET' && path === '/sim/state') return { status: 200, body: { ...this.leaks(), apps: this.connectedApps() } };
    if (method === 'POST' && path === '/sim/inbound') {
      const did = query.get('did');
      const from = query.get('from');
      if (!did || !from) return fail(400, 'did and from are required');
      const talk = query.get('talkMs');
      const id = this.inboundCall({ did, from, callerName: query.get('name') ?? undefined, talkMs: talk ? Number(talk) : undefined, stay: query.get('stay') === 'true' });
      return { status: 200, body: { channelId: id } };
    }
    const hang = /^\/sim\/hangup\/([^/]+)$/.exec(path);
    if (method === 'POST' && hang) return this.hangup(decodeURIComponent(hang[1]!), Number(query.get('cause') ?? 16)) ? { status: 204 } : fail(404, 'Channel not found');
    if (method === 'POST' && path === '/sim/drop-websockets') {
      this.dropWebSockets();
      return { status: 204 };
    }
    if (method === 'POST' && path === '/sim/faults') {
      const b = (body ?? {}) as Partial<SimFaults>;
      if (typeof b.latencyMs === 'number') this.faults.latencyMs = b.latencyMs;
      if (typeof b.refuseWebSockets === 'boolean') this.faults.refuseWebSockets = b.refuseWebSockets;
      if (typeof b.chanRtpLoaded === 'boolean') this.faults.chanRtpLoaded = b.chanRtpLoaded;
      if (Array.isArray(b.noload)) this.faults.noload = b.noload.filter((m): m is string => typeof m === 'string');
      if (typeof b.clockOffsetMs === 'number' && Number.isFinite(b.clockOffsetMs)) this.faults.clockOffsetMs = b.clockOffsetMs;
      if (b.rtp && typeof b.rtp === 'object') this.faults.rtp = { ...b.rtp };
      return { status: 204 };
    }
    const party = /^\/sim\/parties\/([^/]+)$/.exec(path);
    if (method === 'PUT' && party) {
      const kind = query.get('kind') ?? '';
      if (!isPartyKind(kind)) return fail(400, `unknown party kind ${kind}`);
      this.setParty(decodeURIComponent(party[1]!), kind);
      return { status: 204 };
    }
    return undefined;
  }

  /** Stops everything. Idempotent. */
  async close(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.server.close();
    this.media.stop();
    this.playbacks.reset();
    this.engine.stop();
  }
}
