/** The result of checking a number typed by an agent. */
export type PhoneCheck = { ok: true; e164: string } | { ok: false; error: string };

/** Calling codes of the countries the console can complete a national number for. */
const NATIONAL: Record<string, { cc: string; nsnLengths: number[]; trunk?: string }> = {
  US: { cc: '1', nsnLengths: [10] },
  CA: { cc: '1', nsnLengths: [10] },
  GB: { cc: '44', nsnLengths: [9, 10], trunk: '0' },
  FR: { cc: '33', nsnLengths: [9], trunk: '0' },
  DE: { cc: '49', nsnLengths: [6, 7, 8, 9, 10, 11], trunk: '0' },
  ES: { cc: '34', nsnLengths: [9] },
  AU: { cc: '61', nsnLengths: [9], trunk: '0' },
};

/**
 * Validates a number for manual dial and returns it in E.164. Accepts the
 * usual punctuation (spaces, dots, dashes, brackets), a leading `+` or `00`,
 * and national numbers of `defaultCountry` (with or without the trunk 0).
 * The server validates again (with full numbering-plan data) before dialling;
 * this check only catches typing mistakes at once.
 */
export function checkPhone(input: string, defaultCountry = 'US'): PhoneCheck {
  const raw = input.trim();
  if (raw === '') return { ok: false, error: 'Enter a phone number.' };
  if (/[a-z]/i.test(raw.replace(/\s*(ext\.?|x)\s*\d+$/i, ''))) return { ok: false, error: 'Only digits, spaces, +, -, ( ) and . are allowed.' };
  if (/(ext\.?|x)\s*\d+$/i.test(raw)) return { ok: false, error: 'Extensions cannot be dialled; enter the main number.' };
  if (/[^0-9+\s().\-/]/.test(raw)) return { ok: false, error: 'Only digits, spaces, +, -, ( ) and . are allowed.' };
  if (raw.indexOf('+') > 0 || (raw.match(/\+/g)?.length ?? 0) > 1) return { ok: false, error: 'The + may only start the number.' };
  let digits = raw.replace(/[^0-9]/g, '');
  let international = raw.startsWith('+');
  if (!international && digits.startsWith('00')) {
    digits = digits.slice(2);
    international = true;
  }
  if (international) {
    if (digits.startsWith('0')) return { ok: false, error: 'A country code never starts with 0.' };
    if (digits.length < 8) return { ok: false, error: 'Too short for an international number.' };
    if (digits.length > 15) return { ok: false, error: 'Too long: at most 15 digits.' };
    if (digits.startsWith('1')) {
      const nanp = checkNanp(digits.slice(1));
      if (nanp) return { ok: false, error: nanp };
    }
    return { ok: true, e164: `+${digits}` };
  }
  const plan = NATIONAL[defaultCountry.toUpperCase()];
  if (!plan) return { ok: false, error: 'Start with + and the country code.' };
  if (plan.cc === '1' && digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  if (plan.trunk && digits.startsWith(plan.trunk)) digits = digits.slice(plan.trunk.length);
  const min = Math.min(...plan.nsnLengths);
  const max = Math.max(...plan.nsnLengths);
  if (digits.length < min) return { ok: false, error: `Too short for a ${defaultCountry.toUpperCase()} number.` };
  if (digits.length > max) return { ok: false, error: `Too long for a ${defaultCountry.toUpperCase()} number.` };
  if (!plan.nsnLengths.includes(digits.length)) return { ok: false, error: `Not a valid ${defaultCountry.toUpperCase()} number length.` };
  if (plan.cc === '1') {
    const nanp = checkNanp(digits);
    if (nanp) return { ok: false, error: nanp };
  }
  return { ok: true, e164: `+${plan.cc}${digits}` };
}

/** North American numbers: NXX-NXX-XXXX, where N is 2-9. */
function checkNanp(nsn: string): string | undefined {
  if (nsn.length !== 10) return 'North American numbers have 10 digits after the 1.';
  if (/^[01]/.test(nsn)) return 'An area code cannot start with 0 or 1.';
  if (/^[0-9]{3}[01]/.test(nsn)) return 'An exchange cannot start with 0 or 1.';
  if (/^[0-9]11/.test(nsn)) return 'N11 codes (such as 911) cannot be dialled from the console.';
  return undefined;
}

/** Groups an E.164 number for display: `+1 212 555 0100`. Other input is returned as it is. */
export function formatPhone(e164: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  if (m) return `+1 ${m[1]} ${m[2]} ${m[3]}`;
  if (/^\+\d{8,15}$/.test(e164)) return `${e164.slice(0, 3)} ${e164.slice(3).replace(/(\d{3})(?=\d{3,})/g, '$1 ')}`;
  return e164;
}
