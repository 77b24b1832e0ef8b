import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDialerError, loadConfig, redactionSection, redactText, redactTranscript, type RedactionOptions } from '@dialer/core';

const opts = (rules: RedactionOptions['rules'], minDigits = 4): RedactionOptions => ({ rules, minDigits, mask: '#' });

test('card: a Luhn-valid 13-19 digit run is masked, separators kept; other numbers are left', () => {
  const r = opts(['card']);
  assert.equal(redactText('my card is 4111 1111 1111 1111 thanks', r), 'my card is #### #### #### #### thanks');
  assert.equal(redactText('card 4111-1111-1111-1111.', r), 'card ####-####-####-####.');
  // Not Luhn-valid: not a card.
  assert.equal(redactText('order 4111 1111 1111 1112', r), 'order 4111 1111 1111 1112');
  // Short runs are not cards.
  assert.equal(redactText('call me at 555 1234', r), 'call me at 555 1234');
});

test('digits: every run of at least minDigits digits is masked', () => {
  const r = opts(['digits'], 4);
  assert.equal(redactText('ssn 123-45-6789 and room 12', r), 'ssn ###-##-#### and room 12');
  assert.equal(redactText('cvv 123', r), 'cvv 123');
  assert.equal(redactText('cvv 123', opts(['digits'], 3)), 'cvv ###');
});

test('spoken_digits: spelled-out runs are masked, short ones and ordinary words are not', () => {
  const r = opts(['spoken_digits'], 4);
  assert.equal(redactText('it is four one one one one two', r), 'it is #### ### ### ### ### ###');
  assert.equal(redactText('I have two dogs and one cat', r), 'I have two dogs and one cat');
  assert.equal(redactText('Someone phoned', r), 'Someone phoned');
});

test('email: addresses are masked except the @', () => {
  assert.equal(redactText('write to jane.doe@example.com today', opts(['email'])), 'write to ########@########### today');
  const out = redactText('write to jane.doe@example.com today', opts(['email']));
  assert.ok(out.startsWith('write to ') && out.endsWith(' today'));
  assert.doesNotMatch(out, /jane|example/);
  assert.match(out, /^write to #+@#+ today$/);
});

test('no rules: nothing changes; redacting twice is the same as once', () => {
  assert.equal(redactText('4111 1111 1111 1111', opts([])), '4111 1111 1111 1111');
  const r = opts(['card', 'digits', 'spoken_digits', 'email']);
  const once = redactText('pay 4111111111111111 or one two three four, mail a@b.io', r);
  assert.equal(redactText(once, r), once);
  assert.doesNotMatch(once, /\d/);
});

test('a transcript: text and words are redacted alike, even when the digits are split across words', () => {
  const seg = {
    text: 'card 4111 1111 1111 1111 ok',
    words: ['card', '4111', '1111', '1111', '1111', 'ok'].map((word, i) => ({ word, startMs: i * 100, endMs: i * 100 + 90 })),
    other: 1,
  };
  const out = redactTranscript(seg, opts(['card']));
  assert.equal(out.text, 'card #### #### #### #### ok');
  assert.deepEqual(out.words!.map((w) => w.word), ['card', '####', '####', '####', '####', 'ok']);
  assert.equal(out.words![1]!.startMs, 100);
  assert.equal(out.other, 1);
  assert.equal(seg.text, 'card 4111 1111 1111 1111 ok', 'the input is not mutated');
  assert.equal(redactTranscript(seg, opts([])), seg, 'no rules: the same object');
});

test('the redaction settings: a comma list of rules, validated at boot', () => {
  const cfg = loadConfig([redactionSection], { env: { STT_REDACT: 'card,digits', STT_REDACT_MIN_DIGITS: '5' }, argv: [] });
  assert.deepEqual(cfg.redaction.rules, ['card', 'digits']);
  assert.equal(cfg.redaction.minDigits, 5);
  assert.equal(cfg.redaction.mask, '#');
  assert.deepEqual(loadConfig([redactionSection], { env: {}, argv: [] }).redaction.rules, []);
  assert.throws(
    () => loadConfig([redactionSection], { env: { STT_REDACT: 'cards', STT_REDACT_MASK: 'x' }, argv: [] }),
    (err: unknown) => isDialerError(err, 'DIALER_ERR_CONFIG_INVALID') && /STT_REDACT/.test(err.message) && /STT_REDACT_MASK/.test(err.message),
  );
});
