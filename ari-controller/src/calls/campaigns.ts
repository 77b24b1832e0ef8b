import { fromJson, type Clock, type Store } from '@dialer/core';

/** The campaign settings the call flows use. */
export interface CampaignSettings {
  readonly id: string;
  readonly name: string;
  readonly amd: boolean;
  readonly amdAction: 'hangup' | 'voicemail_drop' | 'connect';
  readonly dropTimeoutMs: number;
  readonly ringTimeoutS: number;
  readonly callerId: string | undefined;
  readonly voicemailMedia: string | undefined;
  readonly abandonMedia: string | undefined;
  readonly holdMedia: string | undefined;
  readonly recording: 'none' | 'gateway' | 'bridge';
  readonly consentMode: 'none' | 'announce' | 'by_jurisdiction';
  readonly consentMedia: string | undefined;
  readonly wrapUpS: number;
  readonly sttProviders: string[];
  readonly sttLanguage: string | undefined;
  readonly script: string | undefined;
  readonly queueTimeoutS: number;
  readonly queuePriority: number;
  readonly queueFallback: { kind: 'voicemail' | 'queue' | 'hangup'; campaignId?: string; media?: string };
  /** A skill an agent must hold to take the campaign's calls. */
  readonly requiredSkill: string | undefined;
}

const TTL_MS = 10_000;

function oneOf<T extends string>(v: string, allowed: readonly T[], dflt: T): T {
  return (allowed as readonly string[]).includes(v) ? (v as T) : dflt;
}

/**
 * Campaign settings and inbound routes, read through tenant scopes and cached
 * for a few seconds (a busy dialer reads them for every call).
 */
export class CampaignCache {
  private readonly campaigns = new Map<string, { at: number; value: CampaignSettings | undefined }>();
  private routes: { at: number; byDid: Map<string, { tenantId: string; campaignId: string }> } | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async campaign(tenantId: string, campaignId: string | undefined): Promise<CampaignSettings | undefined> {
    if (!campaignId) return undefined;
    const key = `${tenantId}/${campaignId}`;
    const hit = this.campaigns.get(key);
    const now = this.clock.now();
    if (hit && now - hit.at < TTL_MS) return hit.value;
    const r = await this.store.tenant(tenantId).selectFrom('campaigns').selectAll().where('id', '=', campaignId).executeTakeFirst();
    const value: CampaignSettings | undefined = r && {
      id: r.id,
      name: r.name,
      amd: r.amd_enabled === 1,
      amdAction: oneOf(r.amd_action, ['hangup', 'voicemail_drop', 'connect'] as const, 'hangup'),
      dropTimeoutMs: r.drop_timeout_ms,
      ringTimeoutS: r.ring_timeout_s,
      callerId: r.caller_id ?? undefined,
      voicemailMedia: r.voicemail_media ?? undefined,
      abandonMedia: r.abandon_media ?? undefined,
      holdMedia: r.hold_media ?? undefined,
      recording: oneOf(r.recording_mode, ['none', 'gateway', 'bridge'] as const, 'none'),
      consentMode: oneOf(r.consent_mode, ['none', 'announce', 'by_jurisdiction'] as const, 'none'),
      consentMedia: r.consent_media ?? undefined,
      wrapUpS: r.wrapup_s,
      sttProviders: fromJson<string[]>(r.stt_providers, []),
      sttLanguage: r.stt_language ?? undefined,
      script: r.script ?? undefined,
      queueTimeoutS: r.queue_timeout_s,
      queuePriority: r.queue_priority,
      queueFallback: fromJson(r.queue_fallback, { kind: 'hangup' as const }),
      requiredSkill: r.required_skill?.trim() || undefined,
    };
    this.campaigns.set(key, { at: now, value });
    return value;
  }

  /**
   * The required skill of a campaign as last read, without waiting (agent
   * selection and the dialer's counts are synchronous). Campaigns are read
   * before their calls are placed or queued and when agents log in to them.
   */
  requiredSkill(tenantId: string, campaignId: string | undefined): string | undefined {
    return campaignId === undefined ? undefined : this.campaigns.get(`${tenantId}/${campaignId}`)?.value?.requiredSkill;
  }

  /** The tenant and campaign a DID routes to (inbound_routes, read tenant by tenant). */
  async route(did: string): Promise<{ tenantId: string; campaignId: string } | undefined> {
    const now = this.clock.now();
    if (!this.routes || now - this.routes.at >= TTL_MS) {
      const byDid = new Map<string, { tenantId: string; campaignId: string }>();
      const tenants = await this.store.db.selectFrom('tenants').select('id').execute();
      for (const t of tenants) {
        const rows = await this.store.tenant(t.id).selectFrom('inbound_routes').select(['did', 'campaign_id']).execute();
        for (const r of rows) byDid.set(r.did, { tenantId: t.id, campaignId: r.campaign_id });
      }
      this.routes = { at: now, byDid };
    }
    return this.routes.byDid.get(did) ?? this.routes.byDid.get(did.replace(/^\+/, '')) ?? this.routes.byDid.get(`+${did}`);
  }

  /** The lead's details for the call pop-up, and its region for consent rules. */
  async lead(tenantId: string, leadId: number | undefined): Promise<Record<string, unknown> | undefined> {
    if (leadId === undefined) return undefined;
    const r = await this.store.tenant(tenantId).selectFrom('leads').selectAll().where('id', '=', leadId).executeTakeFirst();
    if (!r) return undefined;
    return {
      id: r.id,
      firstName: r.first_name,
      lastName: r.last_name,
      phone: r.phone,
      email: r.email,
      address: r.address,
      city: r.city,
      state: r.state,
      postalCode: r.postal_code,
      country: r.country,
      timezone: r.timezone,
      attempts: r.attempts,
      custom: fromJson<Record<string, unknown>>(r.custom, {}),
    };
  }
}
