import { randomBytes } from 'node:crypto';
import { createBus, createMessage, DialerError, type AgentState, type AnyMessage, type EventBus, type MessageData, type MessageType, type Store } from '@dialer/core';
import { testRedisUrl } from '@dialer/core/testing';

/** A command the stand-in received, for assertions. */
export interface Received {
  type: string;
  data: Record<string, unknown>;
}

/**
 * Stands in for the call controller on the shared Redis bus, for the console
 * tests that run before (or without) the real controller: it answers the
 * agent and call commands the API relays, the way the controller's contract
 * says (an `agent.state` for every state change, `call.hold`, `call.ended`),
 * and lets the test play the other side of a call (pop-up, transcript).
 */
export class StandInController {
  readonly received: Received[] = [];
  private states = new Map<string, { state: AgentState; campaignIds: string[] }>();
  /** Seconds of wrap-up announced when a call ends. */
  wrapUpS = 30;
  /** The stack's store: the controller owns the `calls` rows, which the API's call routes read. */
  store: Store | undefined;

  private constructor(
    readonly bus: EventBus,
    readonly tenantId: () => string,
  ) {}

  /** Connects to Redis with a fresh prefix; pass `prefix` to the stack as BUS_PREFIX. */
  static async start(tenantId: () => string): Promise<{ controller: StandInController; prefix: string; redisUrl: string }> {
    const prefix = `e2e${randomBytes(4).toString('hex')}`;
    const redisUrl = testRedisUrl();
    const bus = await createBus({ redisUrl, prefix, nodeId: 'e2e-standin' });
    const c = new StandInController(bus, tenantId);
    await c.wire();
    return { controller: c, prefix, redisUrl };
  }

  async publish<T extends MessageType>(type: T, data: MessageData<T>): Promise<void> {
    await this.bus.publish(createMessage(type, this.tenantId(), data, { source: 'e2e-standin' }) as AnyMessage);
  }

  async setState(agentId: string, state: AgentState, extra: { reason?: string; callId?: string; wrapUpS?: number } = {}): Promise<void> {
    const prev = this.states.get(agentId);
    const campaignIds = prev?.campaignIds ?? [];
    this.states.set(agentId, { state, campaignIds });
    const data: MessageData<'agent.state'> = { agentId, state, sinceMs: Date.now(), campaignIds };
    if (prev) data.previous = prev.state;
    if (extra.reason) data.reason = extra.reason;
    if (extra.callId) data.callId = extra.callId;
    if (extra.wrapUpS !== undefined) data.wrapUpS = extra.wrapUpS;
    await this.publish('agent.state', data);
  }

  private async wire(): Promise<void> {
    const calls = new Map<string, { agentId: string; connectedAt: number }>();
    const log = (type: string, data: unknown) => this.received.push({ type, data: data as Record<string, unknown> });
    await this.bus.handle('cmd.agent.state', async (m) => {
      log(m.type, m.data);
      const d = m.data;
      if (d.action === 'login') {
        this.states.set(d.agentId, { state: 'logged_out', campaignIds: d.campaignIds ?? [] });
        await this.setState(d.agentId, 'paused', { reason: 'LOGIN' });
      } else if (d.action === 'ready' || d.action === 'wrap_up_done') await this.setState(d.agentId, 'ready');
      else if (d.action === 'pause') await this.setState(d.agentId, 'paused', d.reason ? { reason: d.reason } : {});
      else if (d.action === 'logout') await this.setState(d.agentId, 'logged_out');
      return { state: this.states.get(d.agentId)?.state };
    });
    await this.bus.handle('cmd.call.hold', async (m) => {
      log(m.type, m.data);
      await this.publish('call.hold', { callId: m.data.callId, held: m.data.hold });
      return {};
    });
    await this.bus.handle('cmd.call.mute', (m) => (log(m.type, m.data), {}));
    await this.bus.handle('cmd.call.dtmf', (m) => (log(m.type, m.data), {}));
    // Transfers, as the controller's transfers answer them: the reply's `state`, and a
    // `call.transferred` event (blind: completed; warm: started, then completed or cancelled;
    // three-way: completed) with the target the consult was placed to.
    const consults = new Map<string, MessageData<'call.transferred'>['target']>();
    await this.bus.handle('cmd.call.transfer', async (m) => {
      log(m.type, m.data);
      const { callId, action, target } = m.data;
      const announce = (kind: 'blind' | 'warm' | 'three_way', state: 'started' | 'completed' | 'cancelled', t: MessageData<'call.transferred'>['target']) =>
        this.publish('call.transferred', { callId, kind, state, target: t, ...(calls.get(callId) ? { fromAgentId: calls.get(callId)!.agentId } : {}) });
      if (action === 'blind' || action === 'warm') {
        if (!target) throw new DialerError('DIALER_ERR_VALIDATION', `a ${action} transfer needs a target`);
        if (action === 'blind') {
          await announce('blind', 'completed', target);
          return { state: 'completed' };
        }
        consults.set(callId, target);
        await announce('warm', 'started', target);
        return { state: 'started' };
      }
      const t = consults.get(callId);
      if (!t) throw new DialerError('DIALER_ERR_CALL_STATE', 'no transfer in progress on this call');
      consults.delete(callId);
      if (action === 'complete') await announce('warm', 'completed', t);
      else if (action === 'cancel') await announce('warm', 'cancelled', t);
      else await announce('three_way', 'completed', t);
      return { state: action === 'complete' ? 'completed' : action === 'cancel' ? 'cancelled' : 'three_way' };
    });
    // Supervisor monitoring, as the controller's monitors answer it: `{ active }` and a `call.monitor` event.
    const monitoring = new Map<string, 'listen' | 'whisper' | 'barge'>();
    await this.bus.handle('cmd.call.monitor', async (m) => {
      log(m.type, m.data);
      const { callId, supervisorId, mode } = m.data;
      const key = `${callId}/${supervisorId}`;
      const was = monitoring.get(key);
      if (was) {
        monitoring.delete(key);
        await this.publish('call.monitor', { callId, supervisorId, mode: was, active: false });
      }
      if (mode === 'stop') return { active: false };
      if (!calls.has(callId)) throw new DialerError('DIALER_ERR_CALL_STATE', 'only a call connected to an agent can be monitored');
      monitoring.set(key, mode);
      await this.publish('call.monitor', { callId, supervisorId, mode, active: true });
      return { active: true };
    });
    await this.bus.handle('cmd.call.hangup', async (m) => {
      log(m.type, m.data);
      const c = calls.get(m.data.callId);
      await this.endCall(m.data.callId, c?.agentId ?? '', 'agent', c ? Date.now() - c.connectedAt : 0);
      return {};
    });
    this.connect = async (callId, agentId, popup) => {
      const now = Date.now();
      calls.set(callId, { agentId, connectedAt: now });
      const phone = typeof popup.lead?.['phone'] === 'string' ? (popup.lead['phone'] as string) : '+10000000000';
      await this.store?.tenant(this.tenantId()).insertInto('calls', {
        id: callId,
        campaign_id: popup.campaignId ?? null,
        lead_id: typeof popup.leadId === 'number' ? popup.leadId : null,
        agent_id: agentId,
        direction: 'outbound',
        phone,
        caller_id: null,
        state: 'connected',
        node_id: 'e2e-standin',
        asterisk_id: null,
        channel_id: null,
        bridge_id: null,
        dial_status: null,
        amd_status: null,
        amd_cause: null,
        outcome: null,
        hangup_cause: null,
        hangup_cause_text: null,
        hangup_by: null,
        disposition: null,
        notes: null,
        recording_id: null,
        created_at: now,
        ring_at: now,
        answer_at: now,
        connect_at: now,
        end_at: null,
        updated_at: now,
      }).execute();
      await this.publish('call.popup', { callId, agentId, direction: 'outbound', ...popup });
      await this.publish('call.connected', { callId, agentId, waitMs: 250, ...(popup.campaignId ? { campaignId: popup.campaignId } : {}), ...(popup.leadId !== undefined ? { leadId: popup.leadId } : {}) });
      await this.setState(agentId, 'on_call', { callId });
    };
  }

  /** Puts a call through to an agent: pop-up, connected, on call. */
  connect: (callId: string, agentId: string, popup: Omit<MessageData<'call.popup'>, 'callId' | 'agentId' | 'direction'>) => Promise<void> = async () => undefined;

  /** Ends a call (customer or agent hung up) and starts the wrap-up. */
  async endCall(callId: string, agentId: string, hangupBy: 'customer' | 'agent', talkMs: number): Promise<void> {
    const now = Date.now();
    await this.store?.tenant(this.tenantId()).updateTable('calls').set({ state: 'ended', outcome: 'human', hangup_by: hangupBy, end_at: now, updated_at: now }).where('id', '=', callId).execute();
    await this.publish('call.ended', { callId, agentId, direction: 'outbound', outcome: 'human', hangupBy, abandoned: false, durationMs: talkMs + 5000, talkMs });
    await this.setState(agentId, 'wrap_up', { callId, wrapUpS: this.wrapUpS });
  }

  /** One transcript segment, interim or final. */
  async say(callId: string, speaker: 'customer' | 'agent', segmentId: string, text: string, final: boolean): Promise<void> {
    await this.publish(final ? 'transcript.final' : 'transcript.interim', {
      callId,
      legId: `${callId}-${speaker}`,
      speaker,
      segmentId,
      text,
      startMs: 0,
      endMs: 1000,
      provider: 'fake',
    });
  }

  async close(): Promise<void> {
    await this.bus.close();
  }
}
