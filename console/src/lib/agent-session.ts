import type { AgentState, AnyMessage, CallDirection, MessageData, Target } from '@dialer/core';
import { Observable, timeOf } from './store.js';
import { TranscriptBuffer } from './transcript.js';

/** The call on the agent's screen, from the pop-up to the disposition. */
export interface AgentCall {
  callId: string;
  campaignId?: string | undefined;
  leadId?: string | number | undefined;
  direction: CallDirection;
  phone?: string | undefined;
  lead?: Record<string, unknown> | undefined;
  script?: string | undefined;
  /** When the customer was connected to the agent (the call timer starts). */
  connectedAtMs?: number | undefined;
  held: boolean;
  /** Set by `call.ended`. */
  ended?: { atMs: number; outcome: string; hangupBy: string; talkMs: number } | undefined;
  transfer?: { kind: string; state: string; target: Target } | undefined;
  /** A supervisor barged in (listen and whisper are not shown to the agent). */
  bargedBy?: string | undefined;
  disposition?: string | undefined;
  readonly transcript: TranscriptBuffer;
}

/**
 * What an agent's console knows, folded from the messages of its `agent:<id>`
 * topic (and the call topics it follows). Pure: it never talks to the
 * network, so the agent flow can be tested message by message.
 */
export class AgentSession extends Observable {
  state: AgentState = 'logged_out';
  reason: string | undefined;
  sinceMs = 0;
  /** Wrap-up limit of the current wrap-up, in seconds (from the campaign). */
  wrapUpS: number | undefined;
  campaignIds: string[] = [];
  call: AgentCall | undefined;
  /** Calls of this session, newest first (ids and outcomes), for the history panel. */
  readonly recent: { callId: string; phone?: string | undefined; outcome?: string | undefined; disposition?: string | undefined; atMs: number }[] = [];

  constructor(
    readonly agentId: string,
    private readonly now: () => number = () => Date.now(),
  ) {
    super();
  }

  /** Sets the state from a REST read (initial load or resync). */
  load(s: { state: AgentState; reason?: string | null | undefined; sinceMs?: number | null | undefined; callId?: string | null | undefined; wrapUpS?: number | null | undefined }): void {
    this.state = s.state;
    this.reason = s.reason ?? undefined;
    this.sinceMs = s.sinceMs ?? this.now();
    this.wrapUpS = s.wrapUpS ?? this.wrapUpS;
    if (s.callId && !this.call) this.call = newCall(s.callId, 'outbound');
    this.changed();
  }

  /** Folds one message; returns true when something changed. */
  apply(msg: AnyMessage): boolean {
    const at = timeOf(msg, this.now());
    switch (msg.type) {
      case 'agent.state': {
        const d = msg.data;
        if (d.agentId !== this.agentId) return false;
        this.state = d.state;
        this.reason = d.reason;
        this.sinceMs = d.sinceMs;
        if (d.campaignIds) this.campaignIds = d.campaignIds;
        if (d.state === 'wrap_up') this.wrapUpS = d.wrapUpS;
        if (d.callId && (!this.call || this.call.callId !== d.callId) && (d.state === 'on_call' || d.state === 'wrap_up')) {
          this.archive();
          this.call = newCall(d.callId, 'outbound');
        }
        // Back to ready or paused after a disposed call: the screen is free for the next one.
        if ((d.state === 'ready' || d.state === 'paused' || d.state === 'logged_out') && this.call && (this.call.ended || this.call.disposition)) this.archive();
        break;
      }
      case 'call.dialing': {
        const d = msg.data;
        if (d.agentId !== this.agentId) return false;
        this.ensure(d.callId, d.direction);
        Object.assign(this.call!, pick({ phone: d.phone, campaignId: d.campaignId, leadId: d.leadId }));
        break;
      }
      case 'call.popup': {
        const d = msg.data;
        if (d.agentId !== this.agentId) return false;
        this.ensure(d.callId, d.direction);
        const lead = d.lead ?? {};
        const phone = typeof lead['phone'] === 'string' ? (lead['phone'] as string) : undefined;
        Object.assign(this.call!, pick({ lead: d.lead, script: d.script, campaignId: d.campaignId, leadId: d.leadId, phone: this.call!.phone ?? phone, direction: d.direction }));
        break;
      }
      case 'call.connected': {
        const d = msg.data;
        if (d.agentId !== this.agentId) return false;
        this.ensure(d.callId, 'outbound');
        Object.assign(this.call!, pick({ campaignId: d.campaignId, leadId: d.leadId }));
        this.call!.connectedAtMs = at;
        break;
      }
      case 'call.hold':
        if (!this.isMine(msg.data.callId)) return false;
        this.call!.held = msg.data.held;
        break;
      case 'call.transferred':
        if (!this.isMine(msg.data.callId)) return false;
        this.call!.transfer = { kind: msg.data.kind, state: msg.data.state, target: msg.data.target };
        break;
      case 'call.monitor':
        if (!this.isMine(msg.data.callId) || msg.data.mode !== 'barge') return false;
        this.call!.bargedBy = msg.data.active ? msg.data.supervisorId : undefined;
        break;
      case 'call.ended': {
        if (!this.isMine(msg.data.callId)) return false;
        const d: MessageData<'call.ended'> = msg.data;
        this.call!.ended = { atMs: at, outcome: d.outcome, hangupBy: d.hangupBy, talkMs: d.talkMs };
        this.call!.held = false;
        break;
      }
      case 'transcript.interim':
      case 'transcript.final':
        if (!this.isMine(msg.data.callId)) return false;
        if (!this.call!.transcript.apply(msg.type === 'transcript.final' ? 'final' : 'interim', msg.data)) return false;
        break;
      case 'lead.disposed':
        if (!msg.data.callId || !this.isMine(msg.data.callId)) return false;
        this.call!.disposition = msg.data.disposition;
        break;
      default:
        return false;
    }
    this.changed();
    return true;
  }

  /** Marks the current call disposed locally (the REST call succeeded). */
  disposed(code: string): void {
    if (!this.call) return;
    this.call.disposition = code;
    this.changed();
  }

  /** Shows a lead for preview dialling before any call exists. */
  preview(lead: Record<string, unknown> | undefined): void {
    this.previewLead = lead;
    this.changed();
  }
  previewLead: Record<string, unknown> | undefined;

  private isMine(callId: string): boolean {
    return this.call !== undefined && this.call.callId === callId;
  }

  private ensure(callId: string, direction: CallDirection): void {
    if (this.call && this.call.callId === callId) return;
    this.archive();
    this.call = newCall(callId, direction);
    this.previewLead = undefined;
  }

  private archive(): void {
    const c = this.call;
    if (!c) return;
    this.recent.unshift({ callId: c.callId, phone: c.phone, outcome: c.ended?.outcome, disposition: c.disposition, atMs: c.ended?.atMs ?? this.now() });
    this.recent.length = Math.min(this.recent.length, 20);
    this.call = undefined;
  }

  /** Seconds in the current state. */
  timeInStateMs(): number {
    return Math.max(0, this.now() - this.sinceMs);
  }
}

function newCall(callId: string, direction: CallDirection): AgentCall {
  return { callId, direction, held: false, transcript: new TranscriptBuffer() };
}

/** Drops undefined values, so Object.assign never erases what is known. */
function pick<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** A lead id as a number, or undefined (never NaN: NaN never equals itself, so as a hook dependency it would re-run an effect forever). */
export function leadIdOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^[1-9]\d*$/.test(v)) return Number(v);
  return undefined;
}
