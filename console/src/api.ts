import type { AgentState, CampaignHistoryPoint, MessageData } from '@dialer/core';
import type { ApiClient } from './lib/api-client.js';

/** A page of a list route. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Campaign {
  id: string;
  name: string;
  status: string;
  kind?: string | null;
  dialMode?: string | null;
  targetAbandonRate?: number | null;
  wrapupS?: number | null;
  dispositionSetId?: string | null;
  script?: string | null;
  [k: string]: unknown;
}

export interface AgentRow {
  id: string;
  userId: string;
  name: string;
  email: string;
  teamId: string | null;
  extension: string;
  status: string;
  campaignIds: string[];
  phoneKind: string;
}

export interface CallRow {
  id: string;
  campaignId: string | null;
  leadId: number | null;
  agentId: string | null;
  direction: string;
  phone: string;
  state: string;
  outcome: string | null;
  disposition: string | null;
  notes: string | null;
  createdAt: number;
  connectAt: number | null;
  endAt: number | null;
}

export interface Disposition {
  id: string;
  code: string;
  label: string;
  isSale?: boolean;
  isDnc?: boolean;
  isCallback?: boolean;
  callbackScope?: string | null;
  isFinal?: boolean;
  hotkey?: string | null;
  sortOrder?: number;
}

export interface Lead {
  id: number;
  phone: string;
  firstName?: string | null;
  lastName?: string | null;
  status?: string;
  disposition?: string | null;
  attempts?: number;
  custom?: Record<string, unknown>;
  [k: string]: unknown;
}

/** `POST /campaigns/:id/preview/next`: the lead reserved for the agent, the number to dial, and the callback that brought it. */
export interface PreviewLead {
  lead: Lead | null;
  dialPhone: string | null;
  callback: { id: string; dueAt: number; notes: string | null; agentOnly: boolean } | null;
  reservedUntil: number | null;
}

/** What the disposition form sends (`POST /calls/:id/disposition`). */
export interface DispositionInput {
  code: string;
  notes?: string;
  /** Epoch ms, for callback codes. */
  callbackAt?: number;
  callbackScope?: 'agent' | 'anyone';
}

/** The result of disposing of a call. */
export interface DispositionResult {
  callId: string;
  leadId: number | null;
  code: string;
  leadStatus: string | null;
  callbackId: string | null;
  dncAdded: boolean;
  sale: boolean;
}

export type AgentAction = 'login' | 'logout' | 'ready' | 'pause' | 'wrap_up_done';

const enc = encodeURIComponent;

/**
 * The REST routes the console calls, in one place. Each is a thin typed
 * wrapper: the API's OpenAPI document (`/api/docs`) is the reference.
 */
export class Api {
  constructor(readonly c: ApiClient) {}

  // Agents and their state
  agent(id: string): Promise<AgentRow> {
    return this.c.get(`/api/v1/agents/${enc(id)}`);
  }
  agents(query: { limit?: number; cursor?: string } = {}): Promise<Page<AgentRow>> {
    return this.c.get('/api/v1/agents', { limit: 500, ...query });
  }
  agentState(agentId: string, action: AgentAction, extra: { reason?: string; campaignIds?: string[] } = {}): Promise<{ ok: true; result?: unknown }> {
    return this.c.post(`/api/v1/agents/${enc(agentId)}/state`, { action, ...extra });
  }
  /** Live agent figures (state and time in state) from the API's counters. */
  agentStats(): Promise<{ items: { agentId: string; state: AgentState | null; sinceMs: number | null; callId: string | null }[] }> {
    return this.c.get('/api/v1/stats/agents');
  }

  /** Visible agents by state over a UTC day (default today), a point every `stepMinutes`. */
  agentStateHistory(query: { day?: string; stepMinutes?: number } = {}): Promise<{ day: string; stepMs: number; points: { t: number; ready: number; paused: number; onCall: number; wrapUp: number }[] }> {
    return this.c.get('/api/v1/stats/agents/history', query);
  }

  // Campaigns
  /** A campaign's figures minute by minute over a UTC day (default today). */
  campaignHistory(id: string, query: { day?: string } = {}): Promise<{ campaignId: string; day: string; stepMs: number; points: CampaignHistoryPoint[] }> {
    return this.c.get(`/api/v1/stats/campaigns/${enc(id)}/history`, query);
  }
  /** Live figures of the visible campaigns: the dialer's latest snapshot (or null) and today's counters. */
  campaignStats(): Promise<{ items: { campaignId: string; live: MessageData<'campaign.stats'> | null }[] }> {
    return this.c.get('/api/v1/stats/campaigns');
  }
  campaigns(): Promise<Page<Campaign>> {
    return this.c.get('/api/v1/campaigns', { limit: 500 });
  }
  campaign(id: string): Promise<Campaign> {
    return this.c.get(`/api/v1/campaigns/${enc(id)}`);
  }
  campaignAction(id: string, action: 'start' | 'pause' | 'stop'): Promise<Campaign> {
    return this.c.post(`/api/v1/campaigns/${enc(id)}/${action}`);
  }
  updateCampaign(id: string, patch: Record<string, unknown>): Promise<Campaign> {
    return this.c.patch(`/api/v1/campaigns/${enc(id)}`, patch);
  }
  createCampaign(body: Record<string, unknown>): Promise<Campaign> {
    return this.c.post('/api/v1/campaigns', body);
  }

  // Calls
  liveCalls(query: { agentId?: string; campaignId?: string } = {}): Promise<Page<CallRow>> {
    return this.c.get('/api/v1/calls', { state: 'live', limit: 500, ...query });
  }
  callsOfLead(leadId: number): Promise<Page<CallRow>> {
    return this.c.get('/api/v1/calls', { state: 'all', leadId, limit: 20 });
  }
  dial(body: { phone: string; campaignId?: string; leadId?: number }): Promise<{ ok: true; result?: unknown }> {
    return this.c.post('/api/v1/calls', body);
  }
  callAction(callId: string, action: 'hangup' | 'hold' | 'mute' | 'dtmf' | 'transfer' | 'listen' | 'whisper' | 'barge' | 'monitor/stop' | 'record', body?: Record<string, unknown>): Promise<{ ok: true; result?: unknown }> {
    // Always a JSON object: routes with an optional body still validate that it is one.
    return this.c.post(`/api/v1/calls/${enc(callId)}/${action}`, body ?? {});
  }
  dispose(callId: string, input: DispositionInput): Promise<DispositionResult> {
    return this.c.post(`/api/v1/calls/${enc(callId)}/disposition`, input);
  }

  // Softphone signalling: the browser's SDP offer, relayed to a media gateway.
  webrtcOffer(body: { sdp: string; role: 'agent' | 'supervisor'; callId?: string; sessionId?: string }): Promise<{ sdp: string; sessionId: string; legId?: string }> {
    return this.c.post('/api/v1/webrtc/offer', body);
  }
  webrtcClose(sessionId: string): Promise<unknown> {
    return this.c.del(`/api/v1/webrtc/sessions/${enc(sessionId)}`);
  }

  // Leads, dispositions, DNC
  lead(id: number): Promise<Lead> {
    return this.c.get(`/api/v1/leads/${id}`);
  }
  /** Preview mode: reserves the agent's next lead (`lead: null` when none may be called now). */
  nextPreviewLead(campaignId: string): Promise<PreviewLead> {
    return this.c.post(`/api/v1/campaigns/${enc(campaignId)}/preview/next`, {});
  }
  skipLead(campaignId: string, leadId: number): Promise<{ leadId: number; nextCallAfter: number }> {
    return this.c.post(`/api/v1/campaigns/${enc(campaignId)}/preview/skip`, { leadId });
  }
  /** Dials the reserved preview lead (checked again for DNC and the call window on the server). */
  previewDial(campaignId: string, leadId: number): Promise<{ ok: true; result?: unknown }> {
    return this.c.post(`/api/v1/campaigns/${enc(campaignId)}/preview/dial`, { leadId });
  }
  /** A disposition set with its codes (a campaign names its set in `dispositionSetId`). */
  dispositionSet(id: string): Promise<{ id: string; name: string; dispositions: Disposition[] }> {
    return this.c.get(`/api/v1/disposition-sets/${enc(id)}`);
  }
  dncCheck(phone: string, campaignId?: string): Promise<{ phone: string; dnc: boolean; scope?: string }> {
    return this.c.post('/api/v1/dnc/check', campaignId ? { phone, campaignId } : { phone });
  }
  dncRemove(entry: { phone: string; scope: string; campaignId: string | null }): Promise<unknown> {
    return this.c.request('DELETE', '/api/v1/dnc', { query: { phone: entry.phone, scope: entry.scope, campaignId: entry.campaignId } });
  }

  // Lists and imports
  lists(): Promise<Page<{ id: string; name: string; campaignId: string | null; status: string }>> {
    return this.c.get('/api/v1/lists', { limit: 500 });
  }
  createList(body: { name: string; campaignId?: string }): Promise<{ id: string; name: string }> {
    return this.c.post('/api/v1/lists', body);
  }
  /**
   * Streams a CSV file into a list. The request returns when the import is
   * done, with its report; meanwhile {@link runningImports} shows progress.
   */
  importCsv(listId: string, csv: Blob | string, mapping: ImportMapping, fileName: string): Promise<ImportReport> {
    return this.c.request('POST', `/api/v1/lists/${enc(listId)}/imports`, {
      raw: { data: csv, contentType: 'text/csv' },
      query: { mapping: JSON.stringify(mapping), fileName },
    });
  }
  /** The imports of a list, newest first (the running one shows progress). */
  imports(listId: string): Promise<Page<ImportStatus>> {
    return this.c.get('/api/v1/imports', { listId, limit: 5 });
  }
  importErrors(importId: string): Promise<{ items: ImportRowError[]; nextAfterRow: number | null }> {
    return this.c.get(`/api/v1/imports/${enc(importId)}/errors`, { limit: 200 });
  }

  // Generic admin lists
  list<T>(path: string): Promise<Page<T>> {
    return this.c.get(`/api/v1/${path}`, { limit: 200 });
  }
  create<T>(path: string, body: Record<string, unknown>): Promise<T> {
    return this.c.post(`/api/v1/${path}`, body);
  }
  remove(path: string, id: string): Promise<unknown> {
    return this.c.del(`/api/v1/${path}/${enc(id)}`);
  }
}

/** The mapping the import route takes: CSV header to lead field or `custom.<name>`. */
export interface ImportMapping {
  columns: Record<string, string>;
  defaultCountry?: string;
}

/** One row that was not imported. */
export interface ImportRowError {
  row: number;
  kind: string;
  reason: string;
}

/** The final report of an import. */
export interface ImportReport extends ImportStatus {
  errors: ImportRowError[];
  errorsTruncated: boolean;
}

export interface ImportStatus {
  id: string;
  listId: string;
  /** running, completed, cancelled or failed. */
  status: string;
  fileName?: string | null;
  totalRows: number;
  processedRows: number;
  imported: number;
  duplicates: number;
  invalid: number;
  dnc: number;
  error?: string | null;
}
