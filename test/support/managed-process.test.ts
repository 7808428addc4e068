// Tests for the long-running process helper with real shells: line waits, timeouts, early exit, group kill.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { startProcess } from './managed-process.js';
import { waitUntil } from './wait-until.js';

/** Running, not a zombie: an orphan killed with its group may wait a while for pid 1 to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

test('waitFor matches a line split across writes and one printed before the wait began', async (t) => {
  const child = startProcess(['sh', '-c', "echo early; printf 'BRAM'; sleep 0.2; printf 'BLE-READY 42\\n'; sleep 30"], {
    label: 'split writer',
  });
  t.after(() => child.stop());
  const match = await child.waitFor(/BRAMBLE-READY (\d+)/, 10_000);
  assert.equal(match[1], '42');
  assert.equal((await child.waitFor(/^early$/, 1_000))[0], 'early');
  assert.match(child.output(), /early\nBRAMBLE-READY 42\n/);
});

test('waitFor rejects with WAIT_TIMEOUT and the output tail', async (t) => {
  const child = startProcess(['sh', '-c', 'echo something-else; sleep 30'], { label: 'quiet' });
  t.after(() => child.stop());
  await assert.rejects(child.waitFor(/never/, 300), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'WAIT_TIMEOUT');
    assert.match(error.message, /something-else/);
    return true;
  });
});

test('waitFor rejects with PROCESS_EXITED when the process dies first', async (t) => {
  const child = startProcess(['sh', '-c', 'echo dying >&2; exit 3'], { label: 'dier' });
  t.after(() => child.stop());
  await assert.rejects(child.waitFor(/never/, 10_000), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'PROCESS_EXITED');
    assert.match(error.message, /code 3/);
    assert.match(error.message, /dying/);
    return true;
  });
  assert.deepEqual(child.exitStatus(), { code: 3, signal: null });
  // Waiting after the exit fails the same way instead of hanging.
  await assert.rejects(child.waitFor(/never/, 10_000), { code: 'PROCESS_EXITED' });
});

test('stop kills the whole process group, grandchildren included', async () => {
  // The shell ignores TERM, so stop must escalate; its background sleep is a grandchild of ours.
  const child = startProcess(['sh', '-c', "trap '' TERM; sleep 60 & echo grandchild $!; wait"], { label: 'stubborn' });
  const match = await child.waitFor(/grandchild (\d+)/, 10_000);
  const grandchild = Number(match[1]);
  assert.ok(alive(grandchild));
  const status = await child.stop(300);
  assert.equal(status.signal, 'SIGKILL');
  // The kill is sent to the group at once but delivered asynchronously; this bounds the wait, it times nothing.
  await waitUntil(async () => !alive(grandchild), { what: `grandchild ${grandchild} to die`, timeoutMs: 5_000 });
  // A second stop is harmless.
  await child.stop();
});
