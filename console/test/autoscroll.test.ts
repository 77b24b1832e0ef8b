import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoScroll, isAtBottom } from '../src/lib/autoscroll.js';

const at = (scrollTop: number, scrollHeight = 1000, clientHeight = 200) => ({ scrollTop, scrollHeight, clientHeight });

test('at the bottom within the slack, not above it', () => {
  assert.equal(isAtBottom(at(800)), true);
  assert.equal(isAtBottom(at(780)), true);
  assert.equal(isAtBottom(at(700)), false);
});

test('follows new content until the reader scrolls up, then pauses and counts what arrived', () => {
  const a = new AutoScroll();
  assert.equal(a.onContent(), true);
  a.onScroll(at(300));
  assert.equal(a.paused, true);
  assert.equal(a.onContent(), false);
  assert.equal(a.onContent(2), false);
  assert.equal(a.unseenCount, 3);
});

test('scrolling back to the end resumes following and clears the count', () => {
  const a = new AutoScroll();
  a.onScroll(at(100));
  a.onContent();
  a.onScroll(at(800));
  assert.equal(a.paused, false);
  assert.equal(a.unseenCount, 0);
  assert.equal(a.onContent(), true);
});

test('"jump to latest" resumes at once', () => {
  const a = new AutoScroll();
  a.onScroll(at(0));
  a.onContent();
  a.resume();
  assert.equal(a.paused, false);
  assert.equal(a.onContent(), true);
});

test('content shorter than the view always counts as at the bottom', () => {
  const a = new AutoScroll();
  a.onScroll({ scrollTop: 0, scrollHeight: 150, clientHeight: 200 });
  assert.equal(a.paused, false);
});
