// A layer's metadata journal: committed records survive a reopen, a torn last line is skipped, compaction keeps state.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { openLayerLog } from '../../src/nfs/view/layer-log.js';
import { LAYER_ID_BIT } from '../../src/nfs/view/layer-state.js';

/** Each test closes its logs itself before this folder goes. */
async function logPath(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-layer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'machines', '52-54-00-00-00-01', 'meta.jsonl');
}

const NEW = LAYER_ID_BIT | 1n;
const reg = { type: 'reg' as const, mode: 0o644, uid: 0, gid: 0 };

test('committed records are in state and on disk; a reopen replays them', async (t) => {
  const path = await logPath(t);
  const first = await openLayerLog(path, silentLogger());
  await first.commit([{ op: 'meta', id: NEW, meta: reg }]);
  await first.commit([
    { op: 'link', id: NEW, at: { parent: 2n, name: 'hello' } },
    { op: 'whiteout', at: { parent: 2n, name: 'motd' } },
  ]);
  assert.deepEqual(first.state().names.get(NEW), [{ parent: 2n, name: 'hello' }]);
  assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 2);
  // No close: as after a crash, only what was committed is there.
  const again = await openLayerLog(path, silentLogger());
  assert.deepEqual(again.state(), first.state());
  assert.equal(again.state().nextId, NEW + 1n);
  await again.close();
  await first.close();
});

test('a torn last line (crash mid-append) is skipped with a warning; the rest is kept', async (t) => {
  const path = await logPath(t);
  const log = await openLayerLog(path, silentLogger());
  await log.commit([{ op: 'meta', id: NEW, meta: reg }]);
  await log.close();
  // A group torn mid-line: none of its records may count.
  appendFileSync(path, '[{"op":"whiteout","at":{"parent":"2","name":"a"}},{"op":"link","id":"922337203685477');
  const warnings: string[] = [];
  const { createLogger } = await import('../../src/log/logger.js');
  const reopened = await openLayerLog(path, createLogger({ level: 'warn', write: (line) => warnings.push(line) }));
  assert.deepEqual(reopened.state().meta.get(NEW), reg);
  assert.equal(reopened.state().whiteouts.size, 0);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /skipped unreadable layer log lines/);
  await reopened.close();
});

test('compaction rewrites the journal to the live records only, and state is the same after a reopen', async (t) => {
  const path = await logPath(t);
  const log = await openLayerLog(path, silentLogger(), { slack: 5 });
  for (let i = 0; i < 20; i++) {
    await log.commit([{ op: 'meta', id: NEW + BigInt(i), meta: reg }]);
    await log.commit([{ op: 'forget', id: NEW + BigInt(i) }]);
  }
  await log.commit([{ op: 'whiteout', at: { parent: 2n, name: 'kept' } }]);
  await log.close();
  // the whiteout and the id counter
  assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 2);
  const reopened = await openLayerLog(path, silentLogger());
  assert.deepEqual([...(reopened.state().whiteouts.get(2n) ?? [])], ['kept']);
  assert.equal(reopened.state().nextId, NEW + 20n);
  await reopened.close();
});
