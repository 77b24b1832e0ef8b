import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  PhoneNormalizer,
  UK_ABANDON_HOLD_S,
  abandonLevel,
  abandonRate,
  consumerCapReached,
  deriveTimezone,
  isDialerError,
  isInCallWindow,
  nextCallWindowOpen,
  parseCallWindow,
  parseDncPattern,
  parseRecycleRules,
  recycleAfter,
  zonesForPhone,
  type RecyclePolicy,
} from '@dialer/core';

const NY = { timezone: 'America/New_York', country: 'US', state: 'NY' };

describe('call windows (luxon, local time, DST)', () => {
  const w = parseCallWindow({ days: [1, 2, 3, 4, 5, 6], start: '09:00', end: '21:00' });

  test('open and closed by the lead\'s local time', () => {
    // 13:59 UTC = 08:59 EST (before DST): closed; 14:00 UTC = 09:00: open.
    assert.equal(isInCallWindow(w, NY, Date.UTC(2026, 2, 6, 13, 59)), false);
    assert.equal(isInCallWindow(w, NY, Date.UTC(2026, 2, 6, 14, 0)), true);
    // Same instant, Los Angeles is 06:00: closed.
    assert.equal(isInCallWindow(w, { timezone: 'America/Los_Angeles' }, Date.UTC(2026, 2, 6, 14, 0)), false);
    // Sunday is not in `days`.
    assert.equal(isInCallWindow(w, NY, Date.UTC(2026, 2, 8, 16, 0)), false);
  });

  test('DST: after the spring change 09:00 New York is 13:00 UTC', () => {
    // DST starts Sunday 8 March 2026 in the US.
    assert.equal(isInCallWindow(w, NY, Date.UTC(2026, 2, 9, 13, 0)), true);
    assert.equal(isInCallWindow(w, NY, Date.UTC(2026, 2, 9, 12, 59)), false);
    // Next opening from Saturday night (after 21:00) is Monday 09:00 EDT = 13:00 UTC.
    assert.equal(nextCallWindowOpen(w, NY, Date.UTC(2026, 2, 8, 2, 30)), Date.UTC(2026, 2, 9, 13, 0));
  });

  test('regional rules, forbidden regions, ambiguous zones and holidays', () => {
    const rw = parseCallWindow({ start: '08:00', end: '21:00', byRegion: { 'US-FL': { start: '08:00', end: '20:00' }, 'US-XX': null }, holidays: ['2026-07-04'] });
    const at2030 = Date.UTC(2026, 5, 2, 0, 30); // 20:30 EDT, 1 June
    assert.equal(isInCallWindow(rw, NY, at2030), true);
    assert.equal(isInCallWindow(rw, { timezone: 'America/New_York', country: 'US', state: 'FL' }, at2030), false);
    assert.equal(isInCallWindow(rw, { timezone: 'America/New_York', country: 'US', state: 'XX' }, at2030), false);
    assert.equal(nextCallWindowOpen(rw, { timezone: 'America/New_York', country: 'US', state: 'XX' }, at2030), null);
    // Open in New York but not yet in Chicago: an ambiguous lead waits for both.
    const at0830ny = Date.UTC(2026, 5, 1, 12, 30);
    assert.equal(isInCallWindow(rw, { timezone: 'America/New_York&America/Chicago' }, at0830ny), false);
    assert.equal(nextCallWindowOpen(rw, { timezone: 'America/New_York&America/Chicago' }, at0830ny), Date.UTC(2026, 5, 1, 13, 0));
    assert.equal(isInCallWindow(rw, NY, Date.UTC(2026, 6, 4, 15, 0)), false);
    // No zone and no fallback: never callable.
    assert.equal(isInCallWindow(rw, { timezone: null }, at0830ny), false);
  });

  test('invalid windows get a coded error', () => {
    for (const bad of [{ start: '9', end: '21:00' }, { start: '21:00', end: '09:00' }, { start: '09:00', end: '17:00', days: [0] }, { start: '09:00', end: '17:00', timezone: 'Mars/Base' }]) {
      assert.throws(() => parseCallWindow(bad), (e: unknown) => isDialerError(e) && e.code === 'DIALER_ERR_VALIDATION');
    }
  });
});

describe('recycling and attempt caps', () => {
  const policy: RecyclePolicy = {
    rules: parseRecycleRules([
      { outcome: 'busy', delayS: 600, maxAttempts: 3 },
      { outcome: 'no_answer', delayS: 7200 },
      { outcome: 'machine', delayS: 86_400 },
    ]),
    maxAttempts: 6,
    maxAttemptsPerDay: 3,
    complianceMode: 'us',
  };
  const now = 1_000_000_000_000;
  const nextDay = now + 10 * 3600_000;
  const st = { attempts: 1, dayAttempts: 1, outcomeAttempts: 1, phoneIndex: 0, phoneCount: 1 };

  test('busy after 10 min up to 3 times; no answer after 2 h; machine next day', () => {
    assert.deepEqual(recycleAfter(policy, st, 'busy', now, nextDay), { status: 'callable', nextCallAfter: now + 600_000, phoneIndex: 0, reason: 'recycle' });
    assert.equal(recycleAfter(policy, { ...st, attempts: 3, outcomeAttempts: 3 }, 'busy', now, nextDay).status, 'done');
    assert.equal(recycleAfter(policy, st, 'no_answer', now, nextDay).nextCallAfter, now + 7_200_000);
    assert.equal(recycleAfter(policy, st, 'machine', now, nextDay).nextCallAfter, now + 86_400_000);
  });

  test('total and per-day caps', () => {
    assert.equal(recycleAfter(policy, { ...st, attempts: 6 }, 'no_answer', now, nextDay).reason, 'max_attempts');
    const d = recycleAfter(policy, { ...st, dayAttempts: 3 }, 'busy', now, nextDay);
    assert.equal(d.nextCallAfter, nextDay);
    assert.equal(d.reason, 'day_limit');
  });

  test('UK mode holds an abandoned number for 72 hours', () => {
    const d = recycleAfter({ ...policy, complianceMode: 'uk' }, st, 'abandoned', now, nextDay);
    assert.equal(d.nextCallAfter, now + UK_ABANDON_HOLD_S * 1000);
    assert.equal(d.reason, 'abandon_hold');
  });

  test('alternate numbers are dialled in turn', () => {
    const a = recycleAfter(policy, { ...st, phoneCount: 3 }, 'no_answer', now, nextDay);
    assert.equal(a.phoneIndex, 1);
    assert.equal(a.reason, 'alternate');
    const b = recycleAfter(policy, { ...st, phoneIndex: 2, phoneCount: 3 }, 'no_answer', now, nextDay);
    assert.equal(b.phoneIndex, 0);
    assert.equal(b.nextCallAfter, now + 7_200_000);
    // A human answer stays on the same number.
    assert.equal(recycleAfter(policy, { ...st, phoneCount: 3 }, 'human', now, nextDay).phoneIndex, 0);
  });

  test('consumer caps across campaigns', () => {
    assert.equal(consumerCapReached({ perDay: 2 }, { lastDay: 2, lastWeek: 2 }), true);
    assert.equal(consumerCapReached({ perDay: 2, perWeek: 5 }, { lastDay: 1, lastWeek: 4 }), false);
  });

  test('bad rules are rejected', () => {
    assert.throws(() => parseRecycleRules([{ outcome: 'maybe', delayS: 1 }]), (e: unknown) => isDialerError(e) && e.code === 'DIALER_ERR_VALIDATION');
  });
});

describe('compliance accounting', () => {
  test('US counts abandons over humans; UK adds estimated AMD false positives', () => {
    const c = { humans: 1000, abandoned: 25, amdFalsePositiveEst: 6 };
    assert.equal(abandonRate('us', c), 0.025);
    assert.ok(Math.abs(abandonRate('uk', c) - 31 / 1006) < 1e-12);
    assert.equal(abandonLevel(0.025, 0.03), 'warning');
    assert.equal(abandonLevel(0.01, 0.03), 'ok');
    assert.equal(abandonLevel(0.031, 0.03), 'exceeded');
  });
});

describe('phones and time zones', () => {
  const n = new PhoneNormalizer({ defaultCountry: 'US' });

  test('normalises to E.164 with max metadata, fast path and general parser agree', () => {
    for (const raw of ['(212) 736-5000', '212-736-5000', '2127365000', '12127365000', '+1 212 736 5000', '+1-212-736-5000 ']) {
      const r = n.normalize(raw);
      assert.ok(r.ok, raw);
      assert.equal(r.phone.e164, '+12127365000');
      assert.equal(r.phone.country, 'US');
    }
    const uk = n.normalize('+44 20 7946 0958');
    assert.ok(uk.ok && uk.phone.e164 === '+442079460958' && uk.phone.country === 'GB');
    const gb = new PhoneNormalizer({ defaultCountry: 'GB' }).normalize('020 7946 0958');
    assert.ok(gb.ok && gb.phone.e164 === '+442079460958');
  });

  test('invalid numbers get a reason', () => {
    for (const raw of ['', '555-0100', '12345', 'call me', '+1 999 555 0100']) {
      const r = n.normalize(raw);
      assert.equal(r.ok, false, raw);
      if (!r.ok) assert.ok(r.reason.length > 0);
    }
  });

  test('line types where rules need them', () => {
    const landlineOnly = new PhoneNormalizer({ defaultCountry: 'GB', lineTypes: ['FIXED_LINE'] });
    assert.equal(landlineOnly.normalize('+447700900123').ok, false);
    assert.equal(landlineOnly.normalize('+442079460958').ok, true);
  });

  test('DNC patterns: numbers and area-code wildcards', () => {
    assert.deepEqual(parseDncPattern('+1 212*', n), { phone: '+1212', isPrefix: true });
    assert.deepEqual(parseDncPattern('1212*', n), { phone: '+1212', isPrefix: true });
    assert.deepEqual(parseDncPattern('(212) 736-5000', n), { phone: '+12127365000', isPrefix: false });
    assert.ok('error' in parseDncPattern('abc*', n));
  });

  test('time zone from the number, narrowed by the state, or given', () => {
    assert.deepEqual([...zonesForPhone('+12127365000')], ['America/New_York']);
    assert.equal(deriveTimezone({ e164: '+14155550123' }), 'America/Los_Angeles');
    assert.equal(deriveTimezone({ e164: '+442079460958' }), 'Europe/London');
    // 605 (South Dakota) spans two zones; the state alone spans two: together they give one.
    assert.equal(deriveTimezone({ e164: '+16055550123', country: 'US', state: 'SD' }), 'America/Denver');
    assert.equal(deriveTimezone({ given: 'Europe/Paris', e164: '+12127365000' }), 'Europe/Paris');
    assert.equal(deriveTimezone({ country: 'US', state: 'AZ' }), 'America/Phoenix');
    assert.equal(deriveTimezone({}), null);
  });
});
