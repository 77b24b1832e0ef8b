import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, NETWORK_ERROR } from '../src/lib/api-client.js';
import { describeError, ToastStore } from '../src/lib/toasts.js';

test('errors stay until dismissed; other notices expire', () => {
  let now = 0;
  const t = new ToastStore(() => now, 5000);
  const err = t.push('error', 'boom');
  t.push('info', 'saved');
  now = 6000;
  t.tick();
  assert.deepEqual(t.list.map((x) => x.text), ['boom']);
  t.dismiss(err);
  assert.equal(t.list.length, 0);
});

test('the same key folds repeats into one notice, and resolve removes it', () => {
  const t = new ToastStore(() => 0);
  let changes = 0;
  t.subscribe(() => changes++);
  t.push('error', 'Network connection lost', 'net');
  t.push('error', 'Network connection lost', 'net');
  assert.equal(t.list.length, 1);
  assert.equal(t.list[0]!.count, 2);
  t.resolve('net');
  assert.equal(t.list.length, 0);
  assert.equal(changes, 3);
});

test('at most `max` notices, oldest dropped', () => {
  const t = new ToastStore(() => 0, 5000, 2);
  t.push('error', 'a');
  t.push('error', 'b');
  t.push('error', 'c');
  assert.deepEqual(t.list.map((x) => x.text), ['b', 'c']);
});

test('errors are described for people: DNC, call window, network, a blocked microphone', () => {
  assert.match(describeError(new ApiError('DIALER_ERR_DNC', 'x', 403, false)), /do-not-call/);
  assert.match(describeError(new ApiError('DIALER_ERR_CALL_WINDOW', 'x', 403, true), 'Dial'), /^Dial: .*calling window/);
  assert.match(describeError(new ApiError(NETWORK_ERROR, 'x', 0, true)), /Network connection lost/);
  assert.match(describeError(Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' })), /microphone is blocked/);
  assert.equal(describeError(new ApiError('DIALER_ERR_SOMETHING_NEW', 'Server said so', 409, false)), 'Server said so');
  // The action is not said twice when the message already starts with it.
  assert.equal(describeError(new ApiError('DIALER_ERR_DNC', 'x', 403, false), 'Dial refused'), 'Dial refused: the number is on a do-not-call list.');
  assert.equal(describeError(new ApiError('DIALER_ERR_X', 'Skip refused: not yours', 409, false), 'Skip refused'), 'Skip refused: not yours');
  assert.equal(describeError(new ApiError('DIALER_ERR_X', 'not yours', 409, false), 'Skip refused'), 'Skip refused: not yours');
});
