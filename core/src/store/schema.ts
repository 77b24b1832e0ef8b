import type { ColumnType, Generated } from 'kysely';

/**
 * Column conventions, the same on SQLite and PostgreSQL:
 * - times are epoch milliseconds (`integer` / `bigint`), suffix `_at`;
 * - flags are integers 0/1, prefix `is_` or `_enabled`;
 * - JSON is stored as text (parse with `fromJson`), so both dialects behave alike;
 * - ids are UUIDv7 text, except `leads.id`, an integer for a compact hot index.
 * Every tenant-owned table has `tenant_id`; query it through `store.tenant(id)`.
 *
 * SQLite has no DEFAULT keyword in multi-row VALUES: rows inserted together
 * must all set the same columns, or the missing ones become NULL.
 */
export type Ms = number;
/** A 0/1 flag. */
export type Flag = number;
/** A JSON document stored as text. */
export type JsonText = string;

type CreatedAt = ColumnType<Ms, Ms, never>;

export interface TenantsTable {
  id: string;
  name: string;
  slug: string;
  status: Generated<string>;
  settings: Generated<JsonText>;
  created_at: CreatedAt;
  updated_at: Ms;
}

export type Role = 'admin' | 'supervisor' | 'agent' | 'developer';

export interface UsersTable {
  id: string;
  tenant_id: string;
  email: string;
  name: string;
  role: Role;
  /** scrypt: `scrypt$N$r$p$salt$hash` (base64). Null for users who cannot log in with a password. */
  password_hash: string | null;
  status: Generated<string>;
  failed_logins: Generated<number>;
  locked_until: Ms | null;
  last_login_at: Ms | null;
  created_at: CreatedAt;
  updated_at: Ms;
}

export interface RefreshTokensTable {
  id: string;
  tenant_id: string;
  user_id: string;
  token_hash: string;
  /** Rotation family: reuse of a rotated token revokes the family. */
  family_id: string;
  expires_at: Ms;
  revoked_at: Ms | null;
  replaced_by: string | null;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  user_id: string | null;
  name: string;
  /** First characters of the key, shown in lists and used to find the row. */
  prefix: string;
  key_hash: string;
  role: Role;
  scopes: Generated<JsonText>;
  expires_at: Ms | null;
  revoked_at: Ms | null;
  last_used_at: Ms | null;
  created_at: CreatedAt;
}

export interface TeamsTable {
  id: string;
  tenant_id: string;
  name: string;
  created_at: CreatedAt;
  updated_at: Ms;
}

export interface TeamSupervisorsTable {
  tenant_id: string;
  team_id: string;
  user_id: string;
}

export interface AgentsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  team_id: string | null;
  extension: string;
  /** `[{ "skill": "spanish", "level": 5 }]` */
  skills: Generated<JsonText>;
  /** `webrtc` (through the media gateway) or `sip` (a PJSIP endpoint). */
  phone_kind: Generated<string>;
  sip_endpoint: string | null;
  status: Generated<string>;
  created_at: CreatedAt;
  updated_at: Ms;
}

export interface AgentStateLogTable {
  id: string;
  tenant_id: string;
  agent_id: string;
  state: string;
  reason: string | null;
  call_id: string | null;
  campaign_id: string | null;
  started_at: Ms;
  ended_at: Ms | null;
}

export interface DispositionSetsTable {
  id: string;
  tenant_id: string;
  name: string;
  created_at: CreatedAt;
}

export interface DispositionsTable {
  id: string;
  tenant_id: string;
  set_id: string;
  code: string;
  label: string;
  is_sale: Generated<Flag>;
  /** Disposing with it adds the number to the campaign's or tenant's DNC. */
  is_dnc: Generated<Flag>;
  is_callback: Generated<Flag>;
  /** `agent` (only this agent) or `anyone`, for callbacks. */
  callback_scope: string | null;
  /** Final: the lead is not dialled again. Otherwise the recycle rules apply. */
  is_final: Generated<Flag>;
  /** A human answered (counts toward contact and abandon rates). */
  is_human: Generated<Flag>;
  recycle_delay_s: number | null;
  hotkey: string | null;
  sort_order: Generated<number>;
  created_at: CreatedAt;
}

export interface CampaignsTable {
  id: string;
  tenant_id: string;
  name: string;
  /** `outbound`, `inbound` or `blended`. */
  kind: Generated<string>;
  dial_mode: Generated<string>;
  status: Generated<string>;
  team_id: string | null;
  /** Lines per agent in `ratio` mode. */
  dial_ratio: Generated<number>;
  /** Upper bound of lines per agent in `predictive` mode. */
  max_dial_level: Generated<number>;
  target_abandon_rate: Generated<number>;
  drop_timeout_ms: Generated<number>;
  ring_timeout_s: Generated<number>;
  caller_id: string | null;
  /** `{ "days": [1..7], "start": "09:00", "end": "21:00", "byRegion": { "US-TX": {...} } }` in the lead's local time. */
  call_window: Generated<JsonText>;
  /** `us` (TSR, 30-day rolling), `uk` (Ofcom, 24 h, 72 h after abandon) or `none`. */
  compliance_mode: Generated<string>;
  /** `priority`, `oldest_call`, `newest`, `random` or `list_mix`. */
  lead_order: Generated<string>;
  list_mix: JsonText | null;
  /** `[{ "outcome": "busy", "delayS": 600, "maxAttempts": 3 }]` */
  recycle_rules: Generated<JsonText>;
  max_attempts: Generated<number>;
  max_attempts_per_day: Generated<number>;
  amd_enabled: Generated<Flag>;
  /** `hangup`, `voicemail_drop` or `connect`. */
  amd_action: Generated<string>;
  voicemail_media: string | null;
  abandon_media: string | null;
  hold_media: string | null;
  /** `none`, `gateway` (stereo WAV) or `bridge` (ARI bridge recording). */
  recording_mode: Generated<string>;
  /** `none`, `announce` or `by_jurisdiction`. */
  consent_mode: Generated<string>;
  consent_media: string | null;
  disposition_set_id: string | null;
  wrapup_s: Generated<number>;
  /** Provider chain, e.g. `["deepgram","assemblyai","openai-batch"]`. Empty: no transcription. */
  stt_providers: Generated<JsonText>;
  stt_language: string | null;
  script: string | null;
  queue_timeout_s: Generated<number>;
  /** `{ "kind": "voicemail" | "queue" | "hangup", "campaignId"?: string, "media"?: string }` */
  queue_fallback: Generated<JsonText>;
  queue_priority: Generated<number>;
  /** A skill agents must hold (level above 0) to take this campaign's calls; null: any agent of the campaign. */
  required_skill: string | null;
  created_at: CreatedAt;
  updated_at: Ms;
}

export interface CampaignAgentsTable {
  tenant_id: string;
  campaign_id: string;
  agent_id: string;
}

export interface InboundRoutesTable {
  id: string;
  tenant_id: string;
  did: string;
  campaign_id: string;
  created_at: CreatedAt;
}

export interface ListsTable {
  id: string;
  tenant_id: string;
  campaign_id: string | null;
  name: string;
  status: Generated<string>;
  mix_weight: Generated<number>;
  created_at: CreatedAt;
  updated_at: Ms;
}

export type LeadStatus = 'new' | 'callable' | 'in_progress' | 'callback' | 'done' | 'dnc' | 'invalid';

export interface LeadsTable {
  id: Generated<number>;
  tenant_id: string;
  list_id: string;
  campaign_id: string | null;
  /** E.164. */
  phone: string;
  alt_phones: Generated<JsonText>;
  /** Which number to dial next: 0 is `phone`, n is `alt_phones[n-1]`. */
  phone_index: Generated<number>;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  /** IANA time zone, used for the call window. */
  timezone: string | null;
  status: Generated<LeadStatus>;
  disposition: string | null;
  attempts: Generated<number>;
  day_attempts: Generated<number>;
  /** Local date (YYYY-MM-DD) that `day_attempts` counts. */
  day_key: string | null;
  last_call_at: Ms | null;
  next_call_after: Generated<Ms>;
  priority: Generated<number>;
  custom: Generated<JsonText>;
  /** Hopper claim: the dialer node holding the lead, and until when. */
  claimed_by: string | null;
  claimed_until: Ms | null;
  created_at: CreatedAt;
  updated_at: Ms;
}

export interface LeadImportsTable {
  id: string;
  tenant_id: string;
  list_id: string;
  status: Generated<string>;
  file_name: string | null;
  mapping: Generated<JsonText>;
  total_rows: Generated<number>;
  processed_rows: Generated<number>;
  imported: Generated<number>;
  duplicates: Generated<number>;
  invalid: Generated<number>;
  dnc: Generated<number>;
  /** Last data row committed, to resume an interrupted import. */
  resume_row: Generated<number>;
  error: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  started_at: Ms | null;
  finished_at: Ms | null;
}

export interface LeadImportErrorsTable {
  id: Generated<number>;
  tenant_id: string;
  import_id: string;
  row_number: number;
  /** `invalid`, `duplicate` or `dnc`. */
  kind: string;
  reason: string;
  raw: string | null;
}

export interface DncTable {
  id: string;
  /** Null for the global list. */
  tenant_id: string | null;
  /** `global`, `tenant` or `campaign`. */
  scope: string;
  campaign_id: string | null;
  /** `<scope>:<tenant>:<campaign>`: one unique key across dialects. */
  scope_key: string;
  /** E.164 number, or a prefix such as `+1212` when `is_prefix` (an area-code wildcard). */
  phone: string;
  is_prefix: Generated<Flag>;
  source: Generated<string>;
  reason: string | null;
  created_by: string | null;
  expires_at: Ms | null;
  created_at: CreatedAt;
}

export interface CallsTable {
  id: string;
  tenant_id: string;
  campaign_id: string | null;
  lead_id: number | null;
  agent_id: string | null;
  direction: string;
  phone: string;
  caller_id: string | null;
  state: string;
  /** Controller node that owns the call. */
  node_id: string | null;
  asterisk_id: string | null;
  channel_id: string | null;
  bridge_id: string | null;
  dial_status: string | null;
  amd_status: string | null;
  amd_cause: string | null;
  outcome: string | null;
  hangup_cause: number | null;
  hangup_cause_text: string | null;
  hangup_by: string | null;
  disposition: string | null;
  notes: string | null;
  recording_id: string | null;
  abandoned: Generated<Flag>;
  meta: Generated<JsonText>;
  created_at: CreatedAt;
  ring_at: Ms | null;
  answer_at: Ms | null;
  connect_at: Ms | null;
  end_at: Ms | null;
  updated_at: Ms;
}

export interface CallLegsTable {
  id: string;
  tenant_id: string;
  call_id: string;
  role: string;
  channel_id: string | null;
  snoop_channel_id: string | null;
  bridge_id: string | null;
  gateway_id: string | null;
  codec: string;
  state: string;
  gap_ms: Generated<number>;
  created_at: CreatedAt;
  closed_at: Ms | null;
}

/** A logged-in agent's session: which controller node and Asterisk server hold its bridge and phone leg. */
export interface AgentSessionsTable {
  agent_id: string;
  tenant_id: string;
  node_id: string;
  server_id: string;
  bridge_id: string | null;
  phone_channel_id: string | null;
  phone_leg_id: string | null;
  gateway_id: string | null;
  webrtc_session_id: string | null;
  state: string;
  reason: string | null;
  call_id: string | null;
  campaign_ids: Generated<JsonText>;
  since_at: Ms;
  updated_at: Ms;
}

export interface CdrsTable {
  id: string;
  tenant_id: string;
  call_id: string;
  campaign_id: string | null;
  lead_id: number | null;
  agent_id: string | null;
  direction: string;
  phone: string;
  caller_id: string | null;
  start_at: Ms;
  ring_at: Ms | null;
  answer_at: Ms | null;
  bridge_at: Ms | null;
  end_at: Ms;
  duration_ms: number;
  talk_ms: number;
  wait_ms: number | null;
  hangup_cause: number | null;
  hangup_cause_text: string | null;
  hangup_by: string | null;
  dial_status: string | null;
  outcome: string | null;
  amd_status: string | null;
  abandoned: Generated<Flag>;
  disposition: string | null;
  recording_id: string | null;
  has_transcript: Generated<Flag>;
  created_at: CreatedAt;
}

export interface CallbacksTable {
  id: string;
  tenant_id: string;
  lead_id: number;
  campaign_id: string;
  /** Set for agent-only callbacks. */
  agent_id: string | null;
  scope: string;
  due_at: Ms;
  status: Generated<string>;
  notes: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Ms;
}

export interface TranscriptSegmentsTable {
  id: string;
  tenant_id: string;
  call_id: string;
  leg_id: string;
  speaker: string;
  segment_id: string;
  /** The message id it came in: makes storing idempotent. */
  event_id: string;
  start_ms: number;
  end_ms: number;
  text: string;
  is_final: Flag;
  confidence: number | null;
  language: string | null;
  provider: string;
  latency_ms: number | null;
  words: JsonText | null;
  created_at: CreatedAt;
}

export interface RecordingsTable {
  id: string;
  tenant_id: string;
  call_id: string;
  path: string | null;
  format: Generated<string>;
  channels: Generated<number>;
  duration_ms: number | null;
  size_bytes: number | null;
  /** `none`, `announced`, `given` or `declined`. */
  consent: Generated<string>;
  status: Generated<string>;
  started_at: Ms | null;
  ended_at: Ms | null;
  created_at: CreatedAt;
  updated_at: Ms;
}

export interface SttUsageTable {
  id: string;
  tenant_id: string;
  call_id: string;
  leg_id: string;
  campaign_id: string | null;
  provider: string;
  audio_ms: number;
  created_at: CreatedAt;
}

export interface AuditLogTable {
  id: string;
  tenant_id: string;
  /** `user`, `api_key` or `system`. */
  actor_type: string;
  actor_id: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  before: JsonText | null;
  after: JsonText | null;
  ip: string | null;
  request_id: string | null;
  created_at: CreatedAt;
}

export interface EventOutboxTable {
  /** The message id: the idempotency key at the receiver. */
  id: string;
  tenant_id: string;
  destination: string;
  type: string;
  payload: string;
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: Ms;
  last_error: string | null;
  created_at: CreatedAt;
  delivered_at: Ms | null;
  /** Order of events to one destination (a node's outbox is the only writer of its destination). */
  seq: Generated<number>;
}

export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  url: string;
  description: string | null;
  secret: string;
  event_types: Generated<JsonText>;
  enabled: Generated<Flag>;
  created_at: CreatedAt;
  updated_at: Ms;
}

export interface WebhookDeliveriesTable {
  /** Sent as `webhook-id`. */
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payload: string;
  /** Order of deliveries to one endpoint. */
  seq: number;
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: Ms;
  last_status_code: number | null;
  last_error: string | null;
  created_at: CreatedAt;
  delivered_at: Ms | null;
  /** After this, a failing delivery is dead-lettered (status `dead`); a manual replay resets it. */
  give_up_at: Ms | null;
}

export interface WebhookAttemptsTable {
  id: string;
  tenant_id: string;
  delivery_id: string;
  attempt: number;
  at: Ms;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** Keys that sign the API's access tokens; not tenant-owned. The newest unretired key signs, every unretired key verifies. */
export interface ApiSigningKeysTable {
  id: string;
  secret: string;
  created_at: CreatedAt;
  retired_at: Ms | null;
}

export interface ReplayGuardTable {
  id: string;
  expires_at: Ms;
}

export interface CampaignDailyStatsTable {
  tenant_id: string;
  campaign_id: string;
  /** YYYY-MM-DD in the tenant's reporting time zone. */
  day: string;
  calls: Generated<number>;
  human_answered: Generated<number>;
  machine: Generated<number>;
  abandoned: Generated<number>;
  /** Estimated AMD false positives (humans hung up on as machines), for UK Ofcom accounting. */
  amd_false_positive_est: Generated<number>;
  talk_ms: Generated<number>;
  wait_ms: Generated<number>;
}

export interface NodesTable {
  /** `<kind>:<node id>` */
  id: string;
  kind: string;
  node_id: string;
  address: string | null;
  info: Generated<JsonText>;
  started_at: Ms;
  last_seen_at: Ms;
}

/** The whole database, for Kysely. */
export interface Database {
  tenants: TenantsTable;
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  api_keys: ApiKeysTable;
  teams: TeamsTable;
  team_supervisors: TeamSupervisorsTable;
  agents: AgentsTable;
  agent_state_log: AgentStateLogTable;
  disposition_sets: DispositionSetsTable;
  dispositions: DispositionsTable;
  campaigns: CampaignsTable;
  campaign_agents: CampaignAgentsTable;
  inbound_routes: InboundRoutesTable;
  lists: ListsTable;
  leads: LeadsTable;
  lead_imports: LeadImportsTable;
  lead_import_errors: LeadImportErrorsTable;
  dnc: DncTable;
  calls: CallsTable;
  call_legs: CallLegsTable;
  agent_sessions: AgentSessionsTable;
  cdrs: CdrsTable;
  callbacks: CallbacksTable;
  transcript_segments: TranscriptSegmentsTable;
  recordings: RecordingsTable;
  stt_usage: SttUsageTable;
  audit_log: AuditLogTable;
  event_outbox: EventOutboxTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  replay_guard: ReplayGuardTable;
  api_signing_keys: ApiSigningKeysTable;
  campaign_daily_stats: CampaignDailyStatsTable;
  nodes: NodesTable;
}

/** Tables whose rows belong to one tenant (all queries on them go through a tenant scope). */
export const TENANT_TABLES = [
  'users',
  'refresh_tokens',
  'api_keys',
  'teams',
  'team_supervisors',
  'agents',
  'agent_state_log',
  'disposition_sets',
  'dispositions',
  'campaigns',
  'campaign_agents',
  'inbound_routes',
  'lists',
  'leads',
  'lead_imports',
  'lead_import_errors',
  'calls',
  'call_legs',
  'agent_sessions',
  'cdrs',
  'callbacks',
  'transcript_segments',
  'recordings',
  'stt_usage',
  'audit_log',
  'event_outbox',
  'webhook_endpoints',
  'webhook_deliveries',
  'webhook_attempts',
  'campaign_daily_stats',
] as const satisfies readonly (keyof Database)[];

export type TenantTable = (typeof TENANT_TABLES)[number];
