import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { abandonRate, estimateAmdFalsePositives, type AbandonCounters, type ComplianceMode } from '../dialer/compliance.js';
import type { Store } from '../store/store.js';

/** One finished outbound attempt, as the compliance counters see it. */
export interface CallResult {
  tenantId: string;
  campaignId: string;
  atMs: number;
  /** A live person answered (including those then abandoned). */
  human: boolean;
  /** AMD said machine. */
  machine: boolean;
  abandoned: boolean;
  talkMs: number;
  waitMs: number;
  /** The AMD false-positive share assumed for UK accounting (default 0.03). */
  amdFalsePositiveShare?: number;
  /** The tenant's reporting zone (default UTC). */
  zone?: string;
}

/** The reporting day (`YYYY-MM-DD`) of an instant in a zone. */
export function reportDay(atMs: number, zone = 'UTC'): string {
  return DateTime.fromMillis(atMs, { zone }).toISODate() ?? DateTime.fromMillis(atMs, { zone: 'UTC' }).toISODate()!;
}

/** Adds one attempt to `campaign_daily_stats` (an atomic upsert, safe across nodes). */
export async function recordCallResult(store: Store, r: CallResult): Promise<void> {
  const day = reportDay(r.atMs, r.zone);
  const fp = r.machine ? Math.round(estimateAmdFalsePositives(1, r.amdFalsePositiveShare) * 1000) : 0;
  const v = { h: r.human ? 1 : 0, m: r.machine ? 1 : 0, a: r.abandoned ? 1 : 0 };
  // amd_false_positive_est is kept in thousandths of a call so estimates add up exactly.
  await sql`insert into campaign_daily_stats (tenant_id, campaign_id, day, calls, human_answered, machine, abandoned, amd_false_positive_est, talk_ms, wait_ms)
    values (${r.tenantId}, ${r.campaignId}, ${day}, 1, ${v.h}, ${v.m}, ${v.a}, ${fp}, ${Math.round(r.talkMs)}, ${Math.round(r.waitMs)})
    on conflict (campaign_id, day) do update set
      calls = campaign_daily_stats.calls + 1,
      human_answered = campaign_daily_stats.human_answered + excluded.human_answered,
      machine = campaign_daily_stats.machine + excluded.machine,
      abandoned = campaign_daily_stats.abandoned + excluded.abandoned,
      amd_false_positive_est = campaign_daily_stats.amd_false_positive_est + excluded.amd_false_positive_est,
      talk_ms = campaign_daily_stats.talk_ms + excluded.talk_ms,
      wait_ms = campaign_daily_stats.wait_ms + excluded.wait_ms`.execute(store.db);
}

/** A campaign's abandon figures for the API, the CLI and the pacer. */
export interface AbandonReport {
  mode: ComplianceMode;
  /** The regulated window: 30 days (US), 24 hours (UK), or today (none). */
  window: '30d' | '24h' | 'today';
  counters: AbandonCounters;
  rate: number;
  today: AbandonCounters & { rate: number };
  rate30d: number;
}

async function sumDays(store: Store, tenantId: string, campaignId: string, fromDay: string): Promise<AbandonCounters & { calls: number }> {
  const r = await store
    .tenant(tenantId)
    .selectFrom('campaign_daily_stats')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>('calls'), sql<number>`0`).as('calls'),
      eb.fn.coalesce(eb.fn.sum<number>('human_answered'), sql<number>`0`).as('humans'),
      eb.fn.coalesce(eb.fn.sum<number>('abandoned'), sql<number>`0`).as('abandoned'),
      eb.fn.coalesce(eb.fn.sum<number>('amd_false_positive_est'), sql<number>`0`).as('fp'),
    ])
    .where('campaign_id', '=', campaignId)
    .where('day', '>=', fromDay)
    .executeTakeFirst();
  return { calls: Number(r?.calls ?? 0), humans: Number(r?.humans ?? 0), abandoned: Number(r?.abandoned ?? 0), amdFalsePositiveEst: Number(r?.fp ?? 0) / 1000 };
}

/**
 * Abandon rates of a campaign: over the regulated window of its compliance
 * mode (US: rolling 30 days of daily counters; UK: the last 24 hours of
 * calls, counting estimated AMD false positives), and today.
 */
export async function abandonReport(
  store: Store,
  input: { tenantId: string; campaignId: string; mode: ComplianceMode; nowMs: number; zone?: string; amdFalsePositiveShare?: number },
): Promise<AbandonReport> {
  const zone = input.zone ?? 'UTC';
  const todayDay = reportDay(input.nowMs, zone);
  const from30 = DateTime.fromMillis(input.nowMs, { zone }).minus({ days: 29 }).toISODate()!;
  const today = await sumDays(store, input.tenantId, input.campaignId, todayDay);
  const d30 = await sumDays(store, input.tenantId, input.campaignId, from30);
  const rate30d = abandonRate('us', d30);
  let counters: AbandonCounters = d30;
  let window: AbandonReport['window'] = input.mode === 'none' ? 'today' : '30d';
  if (input.mode === 'uk') {
    window = '24h';
    const since = input.nowMs - 24 * 3_600_000;
    const r = await store
      .tenant(input.tenantId)
      .selectFrom('calls')
      .select((eb) => [
        eb.fn.sum<number>(sql`case when outcome in ('human', 'abandoned') or abandoned = 1 then 1 else 0 end`).as('humans'),
        eb.fn.sum<number>(sql`case when abandoned = 1 or outcome = 'abandoned' then 1 else 0 end`).as('abandoned'),
        eb.fn.sum<number>(sql`case when outcome = 'machine' then 1 else 0 end`).as('machine'),
      ])
      .where('campaign_id', '=', input.campaignId)
      .where('created_at', '>=', since)
      .executeTakeFirst();
    counters = {
      humans: Number(r?.humans ?? 0),
      abandoned: Number(r?.abandoned ?? 0),
      amdFalsePositiveEst: estimateAmdFalsePositives(Number(r?.machine ?? 0), input.amdFalsePositiveShare),
    };
  } else if (input.mode === 'none') counters = today;
  return {
    mode: input.mode,
    window,
    counters,
    rate: abandonRate(input.mode, counters),
    today: { ...today, rate: abandonRate(input.mode, today) },
    rate30d,
  };
}
