// A write to a machine's layer answered before its bytes landed, which then cannot be written (here: past a file
// size limit, EFBIG), is reported by the file's next COMMIT or WRITE as the NFS error it is (FBIG), once. Run in
// a child process under prlimit (util-linux), since the limit is per process; Node ignores SIGXFSZ, so the
// write fails instead of killing it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { requireTool } from '../support/require-tool.js';
import { runCommand } from '../support/run-command.js';

const CHILD = fileURLToPath(new URL('./layered-write-failure-child.ts', import.meta.url));

test('a pending layer write that fails (EFBIG) fails the next COMMIT, then the next WRITE, each once, as FBIG', async (t) => {
  if (!requireTool(t, 'prlimit', 'util-linux')) return;
  const top = await mkdtemp(join(tmpdir(), 'bramble-write-failure-'));
  t.after(() => rm(top, { recursive: true, force: true }));
  const golden = join(top, 'golden');
  await mkdir(golden);
  // 64 KiB: the layer's log stays far below it; the 128 KiB writes go past it.
  const { stdout } = await runCommand(['prlimit', '--fsize=65536', process.execPath, '--import', 'tsx', CHILD, golden, join(top, 'layer')], { timeoutMs: 60_000 });
  assert.deepEqual(JSON.parse(stdout), {
    firstWrite: 'pending',
    firstCommit: 'FBIG',
    commitAgain: 'ok',
    secondWrite: 'pending',
    thirdWrite: 'FBIG',
    stableWrite: 'FBIG',
  });
});
