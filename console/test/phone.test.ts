import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPhone, formatPhone } from '../src/lib/phone.js';

const ok = (input: string, country?: string) => {
  const r = checkPhone(input, country);
  assert.equal(r.ok, true, `${input}: ${!r.ok ? r.error : ''}`);
  return r.ok ? r.e164 : '';
};
const bad = (input: string, re: RegExp, country?: string) => {
  const r = checkPhone(input, country);
  assert.equal(r.ok, false, `${input} should be refused`);
  if (!r.ok) assert.match(r.error, re);
};

test('national US numbers in the usual notations become E.164', () => {
  assert.equal(ok('(212) 555-0100'), '+12125550100');
  assert.equal(ok('212.555.0100'), '+12125550100');
  assert.equal(ok('1 212 555 0100'), '+12125550100');
});

test('international numbers with + or 00', () => {
  assert.equal(ok('+44 20 7946 0958'), '+442079460958');
  assert.equal(ok('0044 20 7946 0958'), '+442079460958');
  assert.equal(ok('+33 6 12 34 56 78'), '+33612345678');
});

test('national numbers of another default country drop the trunk prefix', () => {
  assert.equal(ok('020 7946 0958', 'GB'), '+442079460958');
  assert.equal(ok('06 12 34 56 78', 'FR'), '+33612345678');
});

test('typing mistakes are refused with a reason', () => {
  bad('', /Enter/);
  bad('212-555-01OO', /Only digits/);
  bad('212 555 010', /Too short/);
  bad('212 555 01000', /Too long/);
  bad('+1 212 555 0100 ext 12', /Extensions/);
  bad('212+5550100', /\+ may only start/);
  bad('+0 123 456 789', /country code/);
  bad('+1234567890123456', /at most 15/);
  bad('+12', /Too short/);
});

test('North American numbering rules', () => {
  bad('(112) 555-0100', /area code/);
  bad('(212) 155-0100', /exchange/);
  bad('911 555 0100', /N11/);
  bad('+1 212 555 010', /10 digits/);
});

test('a country the console has no plan for needs the + form', () => {
  bad('0612345678', /country code/, 'ZZ');
});

test('display grouping', () => {
  assert.equal(formatPhone('+12125550100'), '+1 212 555 0100');
  assert.equal(formatPhone('+442079460958'), '+44 207 946 0958');
  assert.equal(formatPhone('not a number'), 'not a number');
});
