// Directory watches for the golden view (src/nfs/view/dir-watches.ts): reports per directory, a bound that drops
// the oldest watch (reported, since its directory is no longer watched), and nothing after close.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dirWatches } from '../../src/nfs/view/dir-watches.js';
import { waitUntil } from '../support/wait-until.js';

test('a change in a watched directory is reported for it; past the bound the oldest watch is dropped and reported', async (t) => {
  const top = await mkdtemp(join(tmpdir(), 'bramble-watches-'));
  t.after(() => rm(top, { recursive: true, force: true }));
  for (const d of ['a', 'b', 'c']) await mkdir(join(top, d));
  const reports: bigint[] = [];
  const watches = dirWatches((dirId) => reports.push(dirId), 2);
  t.after(() => watches.close());
  watches.watch(1n, join(top, 'a'));
  watches.watch(2n, join(top, 'b'));
  watches.watch(2n, join(top, 'b'));
  assert.equal(watches.changes(), 0);
  await writeFile(join(top, 'b', 'file'), 'x');
  await waitUntil(async () => reports.includes(2n), { what: 'a report for b', timeoutMs: 5000, intervalMs: 10 });
  assert.ok(!reports.includes(1n), 'nothing changed in a');
  const before = watches.changes();
  assert.ok(before > 0);
  watches.watch(3n, join(top, 'c'));
  assert.deepEqual([watches.watched(1n), watches.watched(2n), watches.watched(3n)], [false, true, true]);
  assert.equal(reports.at(-1), 1n, 'the dropped watch is reported');
  assert.ok(watches.changes() > before);
  watches.watch(4n, join(top, 'missing'));
  assert.equal(watches.watched(4n), false, 'a directory that is not there is not watched');
  watches.close();
  const count = reports.length;
  await writeFile(join(top, 'c', 'file'), 'x');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(reports.length, count, 'no reports after close');
});
