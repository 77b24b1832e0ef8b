import { PhoneNumber, getCountryCallingCode, type CountryCode, type E164Number, type MetadataJson, type NumberType } from 'libphonenumber-js/core';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import metadataJson from 'libphonenumber-js/metadata.max.json';

const metadata = metadataJson as unknown as MetadataJson;

/** A number normalised to E.164, with what the numbering plan says about it. */
export interface NormalizedPhone {
  e164: string;
  /** ISO 3166-1 alpha-2 of the number's region, when the plan tells. */
  country: string | undefined;
}

/** The result of normalising one input. */
export type PhoneResult = { ok: true; phone: NormalizedPhone; lineType?: NumberType } | { ok: false; reason: string };

/** Options of {@link PhoneNormalizer}. */
export interface PhoneNormalizerOptions {
  /** Region for numbers written without a country code (default `US`). */
  defaultCountry?: string;
  /** When set, numbers of other line types are rejected (e.g. `['FIXED_LINE', 'FIXED_LINE_OR_MOBILE']`). */
  lineTypes?: readonly NumberType[];
}

const FORMATTING = /[\s().\-/]/g;
const DIGITS = /^\+?\d{4,17}$/;

/**
 * Normalises phone numbers to E.164 and validates them with the full
 * (`max`) metadata of libphonenumber-js. Clean inputs (E.164, or national
 * numbers of a +1 country) skip the general parser, which is several times
 * slower; anything else goes through `parsePhoneNumberFromString`.
 */
export class PhoneNormalizer {
  readonly defaultCountry: CountryCode;
  private readonly callingCode: string;
  private readonly lineTypes: ReadonlySet<NumberType> | undefined;
  private readonly countryByPrefix = new Map<string, string | undefined>();

  constructor(options: PhoneNormalizerOptions = {}) {
    const c = (options.defaultCountry ?? 'US').toUpperCase() as CountryCode;
    let cc: string;
    try {
      cc = getCountryCallingCode(c, metadata);
    } catch {
      throw new Error(`unknown default country ${c}`);
    }
    this.defaultCountry = c;
    this.callingCode = cc;
    this.lineTypes = options.lineTypes && options.lineTypes.length > 0 ? new Set(options.lineTypes) : undefined;
  }

  normalize(raw: string | null | undefined): PhoneResult {
    if (raw === null || raw === undefined) return { ok: false, reason: 'phone is missing' };
    const input = String(raw).trim();
    if (input === '') return { ok: false, reason: 'phone is missing' };
    const compact = input.replace(FORMATTING, '');
    let e164: string | undefined;
    if (DIGITS.test(compact)) {
      if (compact.startsWith('+')) e164 = compact;
      else if (this.callingCode === '1') {
        if (compact.length === 10) e164 = `+1${compact}`;
        else if (compact.length === 11 && compact.startsWith('1')) e164 = `+${compact}`;
      }
    }
    if (e164 !== undefined) {
      const p = new PhoneNumber(e164 as E164Number, metadata);
      if (!p.isValid()) return { ok: false, reason: `not a valid phone number: ${input.slice(0, 40)}` };
      return this.accept(p.number, p.countryCallingCode, p.nationalNumber, () => p.getType());
    }
    const parsed = parsePhoneNumberFromString(input, { defaultCountry: this.defaultCountry, extract: false });
    if (!parsed) return { ok: false, reason: `not a phone number: ${input.slice(0, 40)}` };
    if (!parsed.isValid()) return { ok: false, reason: `not a valid phone number: ${input.slice(0, 40)}` };
    this.countryByPrefix.set(`${parsed.countryCallingCode}:${parsed.nationalNumber.slice(0, 4)}`, parsed.country);
    return this.accept(parsed.number, parsed.countryCallingCode, parsed.nationalNumber, () => parsed.getType());
  }

  private accept(e164: string, cc: string, national: string, type: () => NumberType): PhoneResult {
    let lineType: NumberType | undefined;
    if (this.lineTypes) {
      lineType = type();
      if (!lineType || !this.lineTypes.has(lineType)) {
        return { ok: false, reason: `line type ${lineType ?? 'unknown'} is not allowed` };
      }
    }
    const key = `${cc}:${national.slice(0, 4)}`;
    let country = this.countryByPrefix.get(key);
    if (country === undefined && !this.countryByPrefix.has(key)) {
      country = parsePhoneNumberFromString(e164)?.country;
      this.countryByPrefix.set(key, country);
    }
    const result: PhoneResult = { ok: true, phone: { e164, country } };
    if (lineType) result.lineType = lineType;
    return result;
  }
}

/**
 * Parses a DNC entry: an E.164 number, or an area-code wildcard written with a
 * trailing `*` (`+1212*`, `1212*`, `+44 20*`). Returns the stored form
 * (`+1212`) and whether it is a prefix.
 */
export function parseDncPattern(raw: string, normalizer: PhoneNormalizer): { phone: string; isPrefix: boolean } | { error: string } {
  const input = String(raw ?? '').trim();
  if (input.endsWith('*')) {
    const digits = input.slice(0, -1).replace(FORMATTING, '');
    if (!/^\+?\d{1,14}$/.test(digits)) return { error: `not a number prefix: ${input.slice(0, 40)}` };
    const withPlus = digits.startsWith('+') ? digits : `+${digits}`;
    if (withPlus.length < 3) return { error: 'a prefix needs a country code and at least one more digit' };
    return { phone: withPlus, isPrefix: true };
  }
  const r = normalizer.normalize(input);
  if (!r.ok) return { error: r.reason };
  return { phone: r.phone.e164, isPrefix: false };
}
