// Tests for the LIFO cleanup list: reverse order, and every step runs even after a failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Teardown } from './teardown.js';

test('runs steps last-in-first-out, awaiting each', async () => {
  const ran: string[] = [];
  const teardown = new Teardown();
  teardown.defer('namespace', () => ran.push('namespace'));
  teardown.defer('server', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    ran.push('server');
  });
  teardown.defer('vm', () => ran.push('vm'));
  await teardown.run();
  assert.deepEqual(ran, ['vm', 'server', 'namespace']);
});

test('a failing step does not stop the others, and the failure is reported', async () => {
  const ran: string[] = [];
  const teardown = new Teardown();
  teardown.defer('namespace', () => ran.push('namespace'));
  teardown.defer('server', () => {
    throw new Error('kill failed');
  });
  await assert.rejects(teardown.run(), /server: kill failed/);
  assert.deepEqual(ran, ['namespace']);
  // Steps are consumed: a second run has nothing left to do.
  await teardown.run();
  assert.deepEqual(ran, ['namespace']);
});
