// Login rate limiting: failures per address in a sliding window; success clears; memory stays bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoginLimiter, MAX_FAILURES, MAX_TRACKED, WINDOW_MS } from '../../src/auth/login-limiter.js';

test('five failures are allowed; the sixth attempt waits until the oldest failure leaves the window', () => {
  const l = new LoginLimiter();
  for (let i = 0; i < MAX_FAILURES; i++) {
    assert.deepEqual(l.check('a', 1000 + i), { allowed: true });
    l.fail('a', 1000 + i);
  }
  assert.deepEqual(l.check('a', 2000), { allowed: false, retryAfterMs: 1000 + WINDOW_MS - 2000 });
  assert.deepEqual(l.check('a', 1000 + WINDOW_MS), { allowed: true }, 'the first failure has left the window');
  assert.deepEqual(l.check('b', 2000), { allowed: true }, 'other addresses are not affected');
});

test('a successful login clears the address', () => {
  const l = new LoginLimiter();
  for (let i = 0; i < MAX_FAILURES - 1; i++) l.fail('a', i);
  l.succeed('a');
  for (let i = 0; i < MAX_FAILURES - 1; i++) l.fail('a', 10 + i);
  assert.deepEqual(l.check('a', 20), { allowed: true });
});

test('at most MAX_TRACKED addresses are remembered, the least recently failing forgotten first', () => {
  const l = new LoginLimiter();
  for (let i = 0; i < MAX_FAILURES; i++) l.fail('first', i);
  for (let i = 0; i < MAX_TRACKED; i++) l.fail(`spray-${i}`, 100);
  assert.deepEqual(l.check('first', 200), { allowed: true });
  assert.equal(l.check(`spray-${MAX_TRACKED - 1}`, 200).allowed, true);
});
