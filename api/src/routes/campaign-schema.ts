import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Selectable } from 'kysely';
import { fromJson, toJson, type CampaignsTable } from '@dialer/core';
import { JsonObject, StrOrNull } from '../http/schemas.js';

type Kind = 'plain' | 'json' | 'flag';

/** Campaign fields: API name, column, how it is stored, and its schema. */
const FIELDS: [string, keyof CampaignsTable, Kind, TSchema][] = [
  ['kind', 'kind', 'plain', Type.Union([Type.Literal('outbound'), Type.Literal('inbound'), Type.Literal('blended')])],
  ['dialMode', 'dial_mode', 'plain', Type.Union(['manual', 'preview', 'progressive', 'ratio', 'predictive'].map((x) => Type.Literal(x)))],
  ['teamId', 'team_id', 'plain', Type.Union([Type.String(), Type.Null()])],
  ['dialRatio', 'dial_ratio', 'plain', Type.Number({ minimum: 0.1, maximum: 20 })],
  ['maxDialLevel', 'max_dial_level', 'plain', Type.Number({ minimum: 1, maximum: 20 })],
  ['targetAbandonRate', 'target_abandon_rate', 'plain', Type.Number({ minimum: 0, maximum: 1 })],
  ['dropTimeoutMs', 'drop_timeout_ms', 'plain', Type.Integer({ minimum: 0, maximum: 60_000 })],
  ['ringTimeoutS', 'ring_timeout_s', 'plain', Type.Integer({ minimum: 5, maximum: 300 })],
  ['callerId', 'caller_id', 'plain', Type.Union([Type.String({ maxLength: 32 }), Type.Null()])],
  ['callWindow', 'call_window', 'json', JsonObject],
  ['complianceMode', 'compliance_mode', 'plain', Type.Union([Type.Literal('us'), Type.Literal('uk'), Type.Literal('none')])],
  ['leadOrder', 'lead_order', 'plain', Type.Union(['priority', 'oldest_call', 'newest', 'random', 'list_mix'].map((x) => Type.Literal(x)))],
  ['listMix', 'list_mix', 'json', Type.Union([Type.Array(Type.Unknown()), JsonObject, Type.Null()])],
  ['recycleRules', 'recycle_rules', 'json', Type.Array(Type.Unknown(), { maxItems: 50 })],
  ['maxAttempts', 'max_attempts', 'plain', Type.Integer({ minimum: 1, maximum: 1000 })],
  ['maxAttemptsPerDay', 'max_attempts_per_day', 'plain', Type.Integer({ minimum: 1, maximum: 100 })],
  ['amdEnabled', 'amd_enabled', 'flag', Type.Boolean()],
  ['amdAction', 'amd_action', 'plain', Type.Union([Type.Literal('hangup'), Type.Literal('voicemail_drop'), Type.Literal('connect')])],
  ['voicemailMedia', 'voicemail_media', 'plain', Type.Union([Type.String({ maxLength: 500 }), Type.Null()])],
  ['abandonMedia', 'abandon_media', 'plain', Type.Union([Type.String({ maxLength: 500 }), Type.Null()])],
  ['holdMedia', 'hold_media', 'plain', Type.Union([Type.String({ maxLength: 500 }), Type.Null()])],
  ['recordingMode', 'recording_mode', 'plain', Type.Union([Type.Literal('none'), Type.Literal('gateway'), Type.Literal('bridge')])],
  ['consentMode', 'consent_mode', 'plain', Type.Union([Type.Literal('none'), Type.Literal('announce'), Type.Literal('by_jurisdiction')])],
  ['consentMedia', 'consent_media', 'plain', Type.Union([Type.String({ maxLength: 500 }), Type.Null()])],
  ['dispositionSetId', 'disposition_set_id', 'plain', Type.Union([Type.String(), Type.Null()])],
  ['wrapupS', 'wrapup_s', 'plain', Type.Integer({ minimum: 0, maximum: 3600 })],
  ['sttProviders', 'stt_providers', 'json', Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10 })],
  ['sttLanguage', 'stt_language', 'plain', Type.Union([Type.String({ maxLength: 32 }), Type.Null()])],
  ['script', 'script', 'plain', Type.Union([Type.String({ maxLength: 100_000 }), Type.Null()])],
  ['queueTimeoutS', 'queue_timeout_s', 'plain', Type.Integer({ minimum: 1, maximum: 3600 })],
  ['queueFallback', 'queue_fallback', 'json', JsonObject],
  ['queuePriority', 'queue_priority', 'plain', Type.Integer({ minimum: -1000, maximum: 1000 })],
  ['requiredSkill', 'required_skill', 'plain', Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])],
];

/** Writable campaign fields (all optional; `name` is required on create). */
export const CampaignFields = Object.fromEntries(FIELDS.map(([k, , , sch]) => [k, Type.Optional(sch)])) as Record<string, TSchema>;

export const Campaign = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Type.String(),
  ...Object.fromEntries(FIELDS.map(([k, , kind, sch]) => [k, kind === 'plain' ? Type.Union([sch, Type.Null()]) : sch])),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
  teamId: StrOrNull,
});

/** A row as the API shows it. */
export function toCampaign(r: Selectable<CampaignsTable>): Static<typeof Campaign> {
  const out: Record<string, unknown> = { id: r.id, name: r.name, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at };
  for (const [k, col, kind] of FIELDS) {
    const v = r[col];
    out[k] = kind === 'json' ? fromJson(v as string | null, null) : kind === 'flag' ? v === 1 : v;
  }
  return out as Static<typeof Campaign>;
}

/** API fields to columns, for insert or update. */
export function campaignColumns(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, col, kind] of FIELDS) {
    if (!(k in body) || body[k] === undefined) continue;
    const v = body[k];
    out[col] = kind === 'json' ? (v === null ? null : toJson(v)) : kind === 'flag' ? (v ? 1 : 0) : v;
  }
  return out;
}
