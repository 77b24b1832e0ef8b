import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillScript, scriptFields } from '../src/lib/script.js';
import { guessMapping, mappingProblems, parseCsvLine, previewCsv } from '../src/lib/csv.js';

test('scripts are filled with the lead fields, custom fields and fallbacks', () => {
  const lead = { first_name: 'Maria', last_name: 'Lopez', custom: '{"plan":"Gold","renewal":"2025-03-01"}' };
  assert.equal(fillScript('Hello {{first_name}} {{ last_name }}, about your {{custom.plan}} plan.', lead), 'Hello Maria Lopez, about your Gold plan.');
  assert.equal(fillScript('Hi {{nickname | there}}!', lead), 'Hi there!');
  assert.equal(fillScript('Hi {{nickname}}!', lead), 'Hi !');
  assert.equal(fillScript('{{custom.missing.deep}}', lead), '');
  assert.equal(fillScript('{{x}}', { x: '<b>' }), '<b>', 'plain text out; the view escapes it');
  assert.deepEqual(scriptFields('{{a}} {{b.c | z}} {{a}}'), ['a', 'b.c']);
});

test('CSV lines with quotes, doubled quotes and delimiters inside quotes', () => {
  assert.deepEqual(parseCsvLine('a,"b,c","say ""hi""", d '), ['a', 'b,c', 'say "hi"', 'd']);
  assert.deepEqual(parseCsvLine('x;y', ';'), ['x', 'y']);
});

test('the preview sniffs the delimiter and strips a BOM', () => {
  const p = previewCsv('\uFEFFPhone;First Name;Plan\r\n2125550100;Ann;Gold\r\n\r\n2125550101;Bob;Silver\n');
  assert.equal(p.delimiter, ';');
  assert.deepEqual(p.header, ['Phone', 'First Name', 'Plan']);
  assert.equal(p.rows.length, 2);
});

test('the mapping is guessed from header names; unknown columns become custom fields', () => {
  assert.deepEqual(guessMapping(['Phone Number', 'First Name', 'surname', 'ZIP', 'Plan', 'Mobile']), [
    'phone',
    'first_name',
    'last_name',
    'postal_code',
    'custom.plan',
    'custom.mobile',
  ]);
});

test('a mapping without a phone, or with a field twice, is refused', () => {
  assert.deepEqual(mappingProblems(['first_name', 'skip']), ['Map one column to the phone number.']);
  assert.deepEqual(mappingProblems(['phone', 'phone']), ['phone is mapped from 2 columns.']);
  assert.deepEqual(mappingProblems(['phone', 'custom.x', 'skip', 'skip']), []);
  assert.deepEqual(mappingProblems(['phone', 'alt_phone', 'alt_phone']), [], 'several alternate-number columns are fine');
});
