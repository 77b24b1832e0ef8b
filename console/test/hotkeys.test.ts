import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHotkey, HotkeyMap, isTypingTarget, parseHotkey } from '../src/lib/hotkeys.js';

const key = (k: string, mods: Partial<{ alt: boolean; ctrl: boolean; shift: boolean; meta: boolean }> = {}, code?: string) => ({
  key: k,
  code,
  altKey: !!mods.alt,
  ctrlKey: !!mods.ctrl,
  shiftKey: !!mods.shift,
  metaKey: !!mods.meta,
});

test('parses and formats bindings', () => {
  assert.deepEqual(parseHotkey('alt+r'), { key: 'r', alt: true, ctrl: false, shift: false, meta: false });
  assert.equal(formatHotkey(parseHotkey('ctrl + shift + f2')!), 'Ctrl+Shift+F2');
  assert.equal(formatHotkey(parseHotkey('1')!), '1');
  assert.equal(parseHotkey('hyper+x'), undefined);
  assert.equal(parseHotkey('F13'), undefined);
  assert.equal(parseHotkey(''), undefined);
});

test('matches by physical key, so Alt+R works where Alt changes the character', () => {
  const m = new HotkeyMap<string>().add('Alt+R', 'ready');
  assert.equal(m.match(key('®', { alt: true }, 'KeyR')), 'ready');
  assert.equal(m.match(key('r', { alt: true, shift: true }, 'KeyR')), undefined, 'modifiers must match exactly');
  assert.equal(m.match(key('r', {}, 'KeyR')), undefined);
});

test('plain keys do nothing while typing in a field; modified and function keys still work', () => {
  const m = new HotkeyMap<string>().add('1', 'sale').add('F2', 'no_answer').add('Alt+H', 'hangup');
  const textarea = { tagName: 'TEXTAREA' };
  assert.equal(m.match(key('1', {}, 'Digit1'), { tagName: 'BODY' }), 'sale');
  assert.equal(m.match(key('1', {}, 'Digit1'), textarea), undefined);
  assert.equal(m.match(key('F2'), textarea), 'no_answer');
  assert.equal(m.match(key('h', { alt: true }, 'KeyH'), textarea), 'hangup');
});

test('numpad digits count as digits', () => {
  const m = new HotkeyMap<string>().add('3', 'callback');
  assert.equal(m.match(key('3', {}, 'Numpad3')), 'callback');
});

test('conflicting and invalid bindings are reported and the first binding wins', () => {
  const m = new HotkeyMap<string>().add('alt+1', 'a').add('Alt+1', 'b').add('nonsense+', 'c').add(null, 'd');
  assert.deepEqual(m.conflicts, ['Alt+1']);
  assert.deepEqual(m.invalid, ['nonsense+']);
  assert.equal(m.match(key('1', { alt: true }, 'Digit1')), 'a');
  assert.equal(m.labelOf('a'), 'Alt+1');
  assert.equal(m.labelOf('b'), undefined);
});

test('what counts as typing', () => {
  assert.equal(isTypingTarget({ tagName: 'INPUT', type: 'text' }), true);
  assert.equal(isTypingTarget({ tagName: 'INPUT', type: 'checkbox' }), false);
  assert.equal(isTypingTarget({ tagName: 'SELECT' }), true);
  assert.equal(isTypingTarget({ tagName: 'DIV', isContentEditable: true }), true);
  assert.equal(isTypingTarget({ tagName: 'BUTTON' }), false);
  assert.equal(isTypingTarget(null), false);
});
