import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callbackTime, checkCallback } from '../src/lib/callback.js';

// A zone with daylight saving time, so the skipped hour can be checked (Node applies TZ at once).
process.env['TZ'] = 'America/New_York';

test('a callback date and time become the local moment', () => {
  assert.equal(callbackTime('2026-11-23', '14:30'), new Date(2026, 10, 23, 14, 30).getTime());
  assert.equal(callbackTime('2028-02-29', '00:00'), new Date(2028, 1, 29, 0, 0).getTime(), 'a leap day');
});

test('impossible or incomplete dates and times are refused, never moved to another day', () => {
  for (const [d, t] of [
    ['2026-02-31', '10:00'],
    ['2027-02-29', '10:00'],
    ['2026-13-01', '10:00'],
    ['2026-11-23', '24:00'],
    ['2026-11-23', '23:60'],
    ['2026-11-23', '9:00'],
    ['23/11/2026', '10:00'],
    ['', '10:00'],
    ['2026-11-23', ''],
    // 02:30 does not exist on 8 March 2026 in New York: the clocks go from 02:00 to 03:00.
    ['2026-03-08', '02:30'],
  ] as const)
    assert.equal(callbackTime(d, t), undefined, `${d} ${t}`);
});

test('the form gets a sentence for each mistake, and the moment when it is fine', () => {
  const now = new Date(2026, 10, 22, 12, 0).getTime();
  assert.deepEqual(checkCallback('', '', now), { error: 'Enter the callback date and time.' });
  assert.deepEqual(checkCallback('2026-02-31', '10:00', now), { error: '2026-02-31 10:00 is not a valid date and time.' });
  assert.deepEqual(checkCallback('2026-11-22', '11:59', now), { error: 'The callback time must be in the future.' });
  assert.deepEqual(checkCallback('2026-11-22', '12:00', now), { error: 'The callback time must be in the future.' });
  assert.deepEqual(checkCallback('2026-11-23', '09:15', now), { at: new Date(2026, 10, 23, 9, 15).getTime() });
});
