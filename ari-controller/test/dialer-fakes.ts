import { createMessage, newId, type AnyMessage, type EventBus, type MessageData, type Store } from '@dialer/core';
import type { AgentCounts, AgentPool, CallControl, DialRequest } from '../src/dialer/ports.js';

/** Records originates; each call gets an id; tests drive its progress with {@link FakeCallControl.progress}. */
export class FakeCallControl implements CallControl {
  readonly requests: (DialRequest & { callId: string })[] = [];
  failNext: Error | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly store: Store,
  ) {}

  async originate(req: DialRequest): Promise<{ callId: string }> {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    const callId = newId();
    this.requests.push({ ...req, callId });
    // The call flows write the call row, as the ARI side does.
    await this.store
      .tenant(req.tenantId)
      .insertInto('calls', { id: callId, campaign_id: req.campaignId, lead_id: req.leadId, direction: 'outbound', phone: req.phone, state: 'dialing', created_at: Date.now(), updated_at: Date.now() })
      .execute();
    return { callId };
  }

  /** Publishes a call message for a placed call (campaign and lead filled in). */
  async progress<T extends 'call.answered' | 'call.amd' | 'call.connected' | 'call.ended'>(callId: string, type: T, data: Omit<MessageData<T>, 'callId' | 'campaignId' | 'leadId'>): Promise<void> {
    const r = this.requests.find((x) => x.callId === callId);
    if (!r) throw new Error(`unknown call ${callId}`);
    if (type === 'call.ended') {
      const d = data as unknown as MessageData<'call.ended'>;
      await this.store.tenant(r.tenantId).updateTable('calls').set({ state: 'ended', outcome: d.outcome, abandoned: d.abandoned ? 1 : 0 }).where('id', '=', callId).execute();
    }
    const full = { ...data, callId, campaignId: r.campaignId, leadId: r.leadId } as unknown as MessageData<T>;
    await this.bus.publish(createMessage(type, r.tenantId, full) as unknown as AnyMessage);
  }

  /** Ends a call with an outcome. */
  end(callId: string, outcome: MessageData<'call.ended'>['outcome'], abandoned = false): Promise<void> {
    return this.progress(callId, 'call.ended', { direction: 'outbound', outcome, hangupBy: 'customer', abandoned, durationMs: 10_000, talkMs: outcome === 'human' ? 5000 : 0 });
  }
}

/** Agent counts set by the test. */
export class FakeAgentPool implements AgentPool {
  value: AgentCounts = { available: 0, ready: 0, onCall: 0, wrapUp: 0, paused: 0 };

  counts(): AgentCounts {
    return this.value;
  }

  set(ready: number, onCall = 0, wrapUp = 0, paused = 0): void {
    this.value = { available: ready + onCall + wrapUp, ready, onCall, wrapUp, paused };
  }
}
