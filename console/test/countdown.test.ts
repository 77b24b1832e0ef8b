import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, wrapUpCountdown } from '../src/lib/countdown.js';

test('counts down whole seconds, rounding up', () => {
  const c = wrapUpCountdown(10_000, 30, 10_000 + 4_200);
  assert.equal(c?.remainingS, 26);
  assert.equal(c?.expired, false);
  assert.equal(c?.warning, false);
});

test('warns in the last seconds and expires at the limit, never going negative', () => {
  assert.equal(wrapUpCountdown(0, 30, 21_000)?.warning, true);
  const done = wrapUpCountdown(0, 30, 30_000)!;
  assert.equal(done.expired, true);
  assert.equal(done.remainingS, 0);
  assert.equal(done.warning, false);
  assert.equal(wrapUpCountdown(0, 30, 95_000)?.remainingS, 0);
  assert.equal(wrapUpCountdown(0, 30, 95_000)?.fraction, 1);
});

test('a start time slightly in the future (clock skew) never shows more than the limit', () => {
  const c = wrapUpCountdown(10_400, 30, 10_000)!;
  assert.equal(c.remainingS, 30);
  assert.equal(c.fraction, 0);
});

test('no limit (0 or unset) means no countdown', () => {
  assert.equal(wrapUpCountdown(0, 0, 5000), null);
  assert.equal(wrapUpCountdown(0, undefined, 5000), null);
});

test('the fraction grows from 0 to 1', () => {
  assert.equal(wrapUpCountdown(0, 20, 0)?.fraction, 0);
  assert.equal(wrapUpCountdown(0, 20, 5000)?.fraction, 0.25);
});

test('durations format as m:ss and h:mm:ss', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(65_400), '1:05');
  assert.equal(formatDuration(3_725_000), '1:02:05');
  assert.equal(formatDuration(-5), '0:00');
});
