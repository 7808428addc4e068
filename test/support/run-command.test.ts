// Tests for running short-lived commands: output back, failures as COMMAND_FAILED, or the exit status as a result.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HarnessError } from './harness-error.js';
import { runCommand, runCommandStatus } from './run-command.js';

test('runCommand returns stdout and stderr of a command that succeeds', async () => {
  const result = await runCommand(['sh', '-c', 'echo out; echo err >&2']);
  assert.deepEqual(result, { stdout: 'out\n', stderr: 'err\n' });
});

test('runCommand rejects a non-zero exit as COMMAND_FAILED, naming the command and its stderr', async () => {
  await assert.rejects(runCommand(['sh', '-c', 'echo broken >&2; exit 3']), (error: unknown) => {
    assert.ok(error instanceof HarnessError);
    assert.equal(error.code, 'COMMAND_FAILED');
    assert.match(error.message, /^sh -c .* failed: broken$/);
    return true;
  });
});

test('runCommandStatus hands back the exit code and output instead of rejecting', async () => {
  assert.deepEqual(await runCommandStatus(['sh', '-c', 'echo partial; exit 3']), { code: 3, stdout: 'partial\n', stderr: '' });
  assert.deepEqual(await runCommandStatus(['sh', '-c', 'echo fine']), { code: 0, stdout: 'fine\n', stderr: '' });
  assert.equal((await runCommandStatus(['no-such-command-bramble'])).code, 1, 'a command that cannot start');
});

test('both pass input on stdin', async () => {
  assert.equal((await runCommand(['cat'], { input: 'piped' })).stdout, 'piped');
  assert.equal((await runCommandStatus(['cat'], { input: 'piped' })).stdout, 'piped');
});
