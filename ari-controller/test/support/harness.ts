// Runs the controller against the ARI simulator, on a real store and bus:
// seeds a tenant, agents and campaigns, records every bus message, and checks
// that nothing is left behind.
import { createMessage, MemoryBus, openStore, type AnyMessage, type DaemonContext, type EventBus, type MessageData, type MessageType, type Store } from '@dialer/core';
import { captureLogger, waitFor } from '@dialer/core/testing';
import { AriSimulator, type AriSimulatorOptions } from '@dialer/ari-controller/simulator';
import { ariSection, createAriDaemon, type AriConfig, type AriDaemon } from '@dialer/ari-controller';
import type { DialRequest } from '../../src/dialer/ports.js';
import { FakeGateway } from './fake-gateway.js';

export const TENANT = 'tenant-1';
export const CAMPAIGN = 'camp-1';

export interface HarnessOptions {
  sim?: AriSimulatorOptions;
  /** Run against this (already running) simulator instead of starting one; it is left running at close. */
  simulator?: AriSimulator;
  config?: Partial<AriConfig>;
  store?: Store;
  bus?: EventBus;
  nodeId?: string;
  /** Seed the tenant and campaign (default true), with these agents and campaign settings. */
  seed?: boolean;
  agents?: Array<{ id: string; sip?: string }>;
  campaign?: Record<string, unknown>;
  did?: string;
}

export interface Harness {
  sim: AriSimulator;
  daemon: AriDaemon;
  ctx: DaemonContext;
  store: Store;
  bus: EventBus;
  messages: AnyMessage[];
  lines: Array<Record<string, unknown>>;
  gateways: FakeGateway[];
  of<T extends MessageType>(type: T, callId?: string): Array<MessageData<T>>;
  /** Waits for a message of a type (for a call). */
  next<T extends MessageType>(type: T, pred?: (d: MessageData<T>) => boolean, timeoutMs?: number): Promise<MessageData<T>>;
  command<T extends 'cmd.agent.state' | `cmd.call.${string}`>(type: T, data: MessageData<T & MessageType>): Promise<unknown>;
  dial(phone: string, over?: Partial<DialRequest>): Promise<string>;
  loginSipAgent(agentId: string, campaignIds?: string[]): Promise<void>;
  gateway(id: string): Promise<FakeGateway>;
  cdrs(): Promise<Array<Record<string, unknown>>>;
  calls(): Promise<Array<Record<string, unknown>>>;
  /** Channels and bridges on the simulator that are not agent sessions. */
  leftovers(): { channels: string[]; bridges: string[] };
  close(): Promise<void>;
}

export async function seed(store: Store, agents: Array<{ id: string; sip?: string }> = [], extra: { campaign?: Record<string, unknown>; did?: string } = {}): Promise<void> {
  const now = Date.now();
  await store.db.insertInto('tenants').values({ id: TENANT, name: 'Tenant', slug: `t-${now}-${Math.random()}`, created_at: now, updated_at: now }).onConflict((oc) => oc.doNothing()).execute();
  const t = store.tenant(TENANT);
  for (const a of agents) {
    await t.insertInto('users', { id: `user-${a.id}`, email: `${a.id}@example.com`, name: a.id, role: 'agent', created_at: now, updated_at: now }).execute();
    await t
      .insertInto('agents', {
        id: a.id,
        user_id: `user-${a.id}`,
        extension: a.id,
        phone_kind: a.sip ? 'sip' : 'webrtc',
        sip_endpoint: a.sip ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  await t
    .insertInto('campaigns', {
      id: CAMPAIGN,
      name: 'Campaign',
      created_at: now,
      updated_at: now,
      wrapup_s: 0,
      queue_timeout_s: 30,
      ...extra.campaign,
    } as never)
    .onConflict((oc) => oc.doNothing())
    .execute();
  if (extra.did) await t.insertInto('inbound_routes', { id: `route-${extra.did}`, did: extra.did, campaign_id: CAMPAIGN, created_at: now }).execute();
}

export function dialRequest(phone: string, over: Partial<DialRequest> = {}): DialRequest {
  return {
    tenantId: TENANT,
    campaignId: CAMPAIGN,
    leadId: 1,
    phone,
    ringTimeoutS: 30,
    amd: false,
    amdAction: 'hangup',
    dropTimeoutMs: 2000,
    recording: 'none',
    sttProviders: [],
    ...over,
  };
}

export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const sim = o.simulator ?? await AriSimulator.start({ timeScale: 0.05, externalMediaStasisDelayMs: 20, leads: { stayer: { kind: 'human-long', stay: true } }, ...o.sim });
  const store = o.store ?? (await openStore({ dataDir: '.', sqliteFile: ':memory:' }));
  const bus = o.bus ?? new MemoryBus();
  const { log, lines } = captureLogger('info');
  const nodeId = o.nodeId ?? 'node-a';
  const ctx: DaemonContext = { nodeId, log, store, bus, clock: (await import('@dialer/core')).systemClock, close: async () => undefined };
  if (o.seed !== false) await seed(store, o.agents ?? [], { ...(o.campaign ? { campaign: o.campaign } : {}), ...(o.did ? { did: o.did } : {}) });
  const config: AriConfig = {
    url: sim.url,
    username: sim.username,
    password: sim.password,
    app: 'dialer',
    servers: undefined,
    subscribeAll: false,
    outboundEndpoint: 'Local/{digits}@sim-leads',
    amdContext: 'dialer-amd',
    tapFormat: 'ulaw',
    ...o.config,
  };
  void ariSection;
  const daemon = createAriDaemon(ctx, config, { initialDelayMs: 50, maxDelayMs: 200, gatewaySweepMs: 100 });
  const messages: AnyMessage[] = [];
  await bus.subscribe('*', (m) => void messages.push(m));
  await daemon.start();
  await waitFor(() => daemon.connected, 10_000);
  await daemon.whenSynced();
  const gateways: FakeGateway[] = [];
  const h: Harness = {
    sim,
    daemon,
    ctx,
    store,
    bus,
    messages,
    lines,
    gateways,
    of(type, callId) {
      return messages.filter((m) => m.type === type && (!callId || (m.data as { callId?: string }).callId === callId)).map((m) => m.data) as never;
    },
    async next(type, pred, timeoutMs = 10_000) {
      return waitFor(() => messages.find((m) => m.type === type && (!pred || pred(m.data as never)))?.data, timeoutMs) as never;
    },
    async command(type, data) {
      return bus.request(createMessage(type as never, TENANT, data as never), { timeoutMs: 5000 });
    },
    async dial(phone, over) {
      const r = await daemon.calls.originate(dialRequest(phone, over));
      return r.callId;
    },
    async loginSipAgent(agentId, campaignIds = [CAMPAIGN]) {
      await h.command('cmd.agent.state', { agentId, action: 'login', campaignIds });
      await waitFor(() => daemon.manager.agents.get(agentId)?.phone?.up, 10_000);
      await h.command('cmd.agent.state', { agentId, action: 'ready' });
    },
    async gateway(id) {
      const g = await new FakeGateway(bus, id).start();
      gateways.push(g);
      await waitFor(() => daemon.manager.gateways.get(id), 5000);
      return g;
    },
    async cdrs() {
      return (await store.tenant(TENANT).selectFrom('cdrs').selectAll().execute()) as never;
    },
    async calls() {
      return (await store.tenant(TENANT).selectFrom('calls').selectAll().execute()) as never;
    },
    leftovers() {
      const l = sim.leaks();
      const agentIds = new Set<string>();
      for (const a of daemon.manager.agents.all()) {
        agentIds.add(a.bridgeId);
        if (a.phone) agentIds.add(a.phone.channelId);
      }
      return {
        channels: l.channels.filter((c) => !agentIds.has(c.id) && !c.id.startsWith('dlr-phone-')).map((c) => `${c.id} ${c.name}`),
        bridges: l.bridges.filter((b) => !agentIds.has(b.id)).map((b) => `${b.id} ${b.name} [${b.channels.join(',')}]`),
      };
    },
    async close() {
      for (const g of gateways) await g.kill();
      await daemon.drain(AbortSignal.timeout(10));
      await daemon.close();
      if (!o.simulator) await sim.close();
      if (!o.bus) await bus.close();
      if (!o.store) await store.close();
    },
  };
  return h;
}

/** Waits until every call ended and its CDR is written, and nothing is left on the simulator. */
export async function settled(h: Harness, timeoutMs = 15_000): Promise<void> {
  await waitFor(() => h.daemon.manager.active === 0, timeoutMs);
  await h.daemon.manager.repo.flush();
  await waitFor(() => {
    const l = h.leftovers();
    return l.channels.length === 0 && l.bridges.length === 0;
  }, timeoutMs).catch(() => undefined);
}
