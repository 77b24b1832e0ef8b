import {
  DialerError,
  fromJson,
  parseCallWindow,
  parseRecycleRules,
  type CallWindow,
  type ComplianceMode,
  type ConsumerCaps,
  type DialMode,
  type LeadOrder,
  type RecyclePolicy,
  type Store,
} from '@dialer/core';

/** A campaign's settings as the dialer uses them, parsed and validated once per (re)load. */
export interface CampaignConfig {
  tenantId: string;
  campaignId: string;
  name: string;
  kind: 'outbound' | 'inbound' | 'blended';
  status: 'running' | 'paused' | 'stopped';
  dialMode: DialMode;
  dialRatio: number;
  maxDialLevel: number;
  targetAbandonRate: number;
  dropTimeoutMs: number;
  ringTimeoutS: number;
  callerId: string | undefined;
  window: CallWindow;
  complianceMode: ComplianceMode;
  leadOrder: LeadOrder;
  listMix: { listId: string; weight: number }[];
  recycle: RecyclePolicy;
  amd: boolean;
  amdAction: 'hangup' | 'voicemail_drop' | 'connect';
  voicemailMedia: string | undefined;
  abandonMedia: string | undefined;
  recording: 'none' | 'gateway' | 'bridge';
  consentMode: string;
  consentMedia: string | undefined;
  sttProviders: string[];
  sttLanguage: string | undefined;
  /** Tenant settings the dialer reads: reporting zone, consumer caps, AMD false-positive share. */
  reportZone: string;
  consumerCaps: ConsumerCaps;
  amdFalsePositiveShare: number;
}

const opt = (v: string | null): string | undefined => (v === null ? undefined : v);

/** Loads and validates a campaign; throws DIALER_ERR_NOT_FOUND or DIALER_ERR_VALIDATION. */
export async function loadCampaignConfig(store: Store, tenantId: string, campaignId: string): Promise<CampaignConfig> {
  const c = await store.tenant(tenantId).selectFrom('campaigns').selectAll().where('id', '=', campaignId).executeTakeFirst();
  if (!c) throw new DialerError('DIALER_ERR_NOT_FOUND', `campaign ${campaignId} not found`);
  const tenant = await store.db.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirst();
  const ts = fromJson<{ timezone?: string; consumerCaps?: ConsumerCaps; amdFalsePositiveShare?: number }>(tenant?.settings, {});
  const lists = c.lead_order === 'list_mix'
    ? await store.tenant(tenantId).selectFrom('lists').select(['id', 'mix_weight']).where('campaign_id', '=', campaignId).where('status', '=', 'active').execute()
    : [];
  const mix = fromJson<{ listId: string; weight: number }[] | null>(c.list_mix, null) ?? lists.map((l) => ({ listId: l.id, weight: l.mix_weight }));
  return {
    tenantId,
    campaignId,
    name: c.name,
    kind: c.kind as CampaignConfig['kind'],
    status: c.status as CampaignConfig['status'],
    dialMode: c.dial_mode as DialMode,
    dialRatio: c.dial_ratio,
    maxDialLevel: c.max_dial_level,
    targetAbandonRate: c.target_abandon_rate,
    dropTimeoutMs: c.drop_timeout_ms,
    ringTimeoutS: c.ring_timeout_s,
    callerId: opt(c.caller_id),
    window: parseCallWindow(fromJson<unknown>(c.call_window, {})),
    complianceMode: c.compliance_mode as ComplianceMode,
    leadOrder: c.lead_order as LeadOrder,
    listMix: mix,
    recycle: {
      rules: parseRecycleRules(fromJson<unknown>(c.recycle_rules, [])),
      maxAttempts: c.max_attempts,
      maxAttemptsPerDay: c.max_attempts_per_day,
      complianceMode: c.compliance_mode as ComplianceMode,
    },
    amd: c.amd_enabled === 1,
    amdAction: c.amd_action as CampaignConfig['amdAction'],
    voicemailMedia: opt(c.voicemail_media),
    abandonMedia: opt(c.abandon_media),
    recording: c.recording_mode as CampaignConfig['recording'],
    consentMode: c.consent_mode,
    consentMedia: opt(c.consent_media),
    sttProviders: fromJson<string[]>(c.stt_providers, []),
    sttLanguage: opt(c.stt_language),
    reportZone: ts.timezone ?? 'UTC',
    consumerCaps: ts.consumerCaps ?? {},
    amdFalsePositiveShare: ts.amdFalsePositiveShare ?? 0.03,
  };
}
