import { DateTime } from 'luxon';
import { DialerError } from '../errors/index.js';

/** Calling hours on some days of the week, in the lead's local time. */
export interface CallWindowRule {
  /** ISO weekdays, 1 (Monday) to 7 (Sunday). Default: every day. */
  days?: number[];
  /** `HH:MM`, inclusive. */
  start: string;
  /** `HH:MM`, exclusive. */
  end: string;
}

/**
 * A campaign's calling window (`campaigns.call_window`): a default rule, rules
 * by region (`US-TX`, `TX`, `GB`, ...; `null` forbids the region), local
 * holidays, and a fallback zone for leads without one.
 */
export interface CallWindow extends CallWindowRule {
  byRegion?: Record<string, CallWindowRule | null>;
  /** Local dates (`YYYY-MM-DD`) with no calls. */
  holidays?: string[];
  /** IANA zone for leads whose zone is unknown. Without it, such leads are never callable. */
  timezone?: string;
}

/** What the window needs to know about a lead. */
export interface WindowLead {
  /** IANA zone, or several joined by `&` when the number's zone is ambiguous (all must be open). */
  timezone: string | null;
  country?: string | null;
  state?: string | null;
}

const HHMM = /^([01]\d|2[0-4]):([0-5]\d)$/;

function minutesOf(hhmm: string, field: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new DialerError('DIALER_ERR_VALIDATION', `call window ${field} must be HH:MM (got ${JSON.stringify(hhmm)})`);
  const v = Number(m[1]) * 60 + Number(m[2]);
  if (v > 24 * 60) throw new DialerError('DIALER_ERR_VALIDATION', `call window ${field} is past 24:00`);
  return v;
}

function checkRule(r: unknown, where: string): CallWindowRule {
  if (!r || typeof r !== 'object') throw new DialerError('DIALER_ERR_VALIDATION', `${where} must be an object`);
  const o = r as Record<string, unknown>;
  const start = String(o['start'] ?? '');
  const end = String(o['end'] ?? '');
  if (minutesOf(start, `${where}.start`) >= minutesOf(end, `${where}.end`)) {
    throw new DialerError('DIALER_ERR_VALIDATION', `${where}: start must be before end`);
  }
  const rule: CallWindowRule = { start, end };
  if (o['days'] !== undefined) {
    const days = o['days'];
    if (!Array.isArray(days) || days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) {
      throw new DialerError('DIALER_ERR_VALIDATION', `${where}.days must be ISO weekdays 1..7`);
    }
    rule.days = days as number[];
  }
  return rule;
}

/** Validates a call window (e.g. from `campaigns.call_window`); throws DIALER_ERR_VALIDATION. */
export function parseCallWindow(value: unknown): CallWindow {
  const w: CallWindow = checkRule(value, 'call_window');
  const o = value as Record<string, unknown>;
  if (o['byRegion'] !== undefined) {
    if (!o['byRegion'] || typeof o['byRegion'] !== 'object') throw new DialerError('DIALER_ERR_VALIDATION', 'call_window.byRegion must be an object');
    w.byRegion = {};
    for (const [k, r] of Object.entries(o['byRegion'] as Record<string, unknown>)) {
      w.byRegion[k.toUpperCase()] = r === null ? null : checkRule(r, `call_window.byRegion.${k}`);
    }
  }
  if (o['holidays'] !== undefined) {
    const h = o['holidays'];
    if (!Array.isArray(h) || h.some((d) => typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d))) {
      throw new DialerError('DIALER_ERR_VALIDATION', 'call_window.holidays must be YYYY-MM-DD dates');
    }
    w.holidays = h as string[];
  }
  if (o['timezone'] !== undefined) {
    const tz = String(o['timezone']);
    if (!DateTime.now().setZone(tz).isValid) throw new DialerError('DIALER_ERR_VALIDATION', `call_window.timezone ${tz} is not an IANA zone`);
    w.timezone = tz;
  }
  return w;
}

/** The rule that applies to a lead: `COUNTRY-STATE`, then `STATE`, then `COUNTRY`, then the default. `null` forbids. */
export function ruleFor(window: CallWindow, lead: WindowLead): CallWindowRule | null {
  const by = window.byRegion;
  if (by) {
    const country = lead.country?.toUpperCase();
    const state = lead.state?.toUpperCase();
    const keys = [country && state ? `${country}-${state}` : undefined, state, country].filter((k): k is string => !!k);
    for (const k of keys) if (k in by) return by[k] ?? null;
  }
  return window;
}

/** The zones a lead's `timezone` names (see {@link WindowLead}). */
export function leadZones(lead: WindowLead, window: CallWindow): string[] {
  const tz = lead.timezone ?? window.timezone;
  if (!tz) return [];
  return tz.split('&').filter(Boolean);
}

function openInZone(rule: CallWindowRule, holidays: string[] | undefined, zone: string, nowMs: number): boolean {
  const t = DateTime.fromMillis(nowMs, { zone });
  if (!t.isValid) return false;
  if (rule.days && !rule.days.includes(t.weekday)) return false;
  if (holidays && holidays.includes(t.toISODate() ?? '')) return false;
  const m = t.hour * 60 + t.minute;
  return m >= minutesOf(rule.start, 'start') && m < minutesOf(rule.end, 'end');
}

/** True when the lead may be called at `nowMs` (every one of its zones is inside its rule). */
export function isInCallWindow(window: CallWindow, lead: WindowLead, nowMs: number): boolean {
  const rule = ruleFor(window, lead);
  if (!rule) return false;
  const zones = leadZones(lead, window);
  if (zones.length === 0) return false;
  return zones.every((z) => openInZone(rule, window.holidays, z, nowMs));
}

/**
 * The next instant at or after `nowMs` when the lead may be called, or `null`
 * when none falls within `searchDays` (a forbidden region, no zone, no days).
 * Window starts are computed in local time with luxon, so DST shifts are exact.
 */
export function nextCallWindowOpen(window: CallWindow, lead: WindowLead, nowMs: number, searchDays = 10): number | null {
  if (isInCallWindow(window, lead, nowMs)) return nowMs;
  const rule = ruleFor(window, lead);
  if (!rule) return null;
  const zones = leadZones(lead, window);
  if (zones.length === 0) return null;
  const startMin = minutesOf(rule.start, 'start');
  const candidates: number[] = [];
  for (const zone of zones) {
    const today = DateTime.fromMillis(nowMs, { zone }).startOf('day');
    if (!today.isValid) return null;
    for (let d = 0; d <= searchDays; d++) {
      const day = today.plus({ days: d });
      const at = day.set({ hour: Math.floor(startMin / 60), minute: startMin % 60 }).toMillis();
      if (at > nowMs) candidates.push(at);
    }
  }
  candidates.sort((a, b) => a - b);
  for (const c of candidates) if (isInCallWindow(window, lead, c)) return c;
  return null;
}

/** The lead's local calendar date (`YYYY-MM-DD`) in its first zone, for per-day attempt caps. */
export function localDayKey(lead: WindowLead, window: CallWindow, nowMs: number): string {
  const zone = leadZones(lead, window)[0] ?? 'UTC';
  return DateTime.fromMillis(nowMs, { zone }).toISODate() ?? DateTime.fromMillis(nowMs, { zone: 'UTC' }).toISODate()!;
}

/** Start of the lead's next local day. */
export function nextLocalDayStart(lead: WindowLead, window: CallWindow, nowMs: number): number {
  const zone = leadZones(lead, window)[0] ?? 'UTC';
  return DateTime.fromMillis(nowMs, { zone }).startOf('day').plus({ days: 1 }).toMillis();
}
