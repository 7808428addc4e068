// The per-machine layer's metadata records folded into state, and compaction that rebuilds the same state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyRecord, emptyLayer, LAYER_ID_BIT, recordsOf, type LayerRecord, type LayerState } from '../../src/nfs/view/layer-state.js';

const fold = (records: readonly LayerRecord[], from: LayerState = emptyLayer): LayerState => records.reduce(applyRecord, from);
const ROOT = 2n;
const GOLDEN_HOSTS = 1234n;
const NEW = LAYER_ID_BIT | 1n;
const reg = { type: 'reg' as const, mode: 0o644, uid: 0, gid: 0 };

test('a file made in the layer: its metadata, its name, and the counter moves past its id', () => {
  const s = fold([
    { op: 'meta', id: NEW, meta: reg },
    { op: 'link', id: NEW, at: { parent: ROOT, name: 'new.txt' } },
  ]);
  assert.deepEqual(s.meta.get(NEW), reg);
  assert.deepEqual(s.names.get(NEW), [{ parent: ROOT, name: 'new.txt' }]);
  assert.equal(s.nextId, NEW + 1n);
});

test('copy-up keeps the golden id, and golden ids never move the counter', () => {
  const s = fold([
    { op: 'meta', id: GOLDEN_HOSTS, meta: { ...reg, mode: 0o600 } },
    { op: 'link', id: GOLDEN_HOSTS, at: { parent: ROOT, name: 'hosts' } },
  ]);
  assert.equal(s.meta.get(GOLDEN_HOSTS)?.mode, 0o600);
  assert.equal(s.nextId, emptyLayer.nextId);
});

test('hard links: two names, one id; removing one keeps the other; forgetting drops all', () => {
  const at1 = { parent: ROOT, name: 'a' };
  const at2 = { parent: ROOT, name: 'b' };
  let s = fold([
    { op: 'meta', id: NEW, meta: reg },
    { op: 'link', id: NEW, at: at1 },
    { op: 'link', id: NEW, at: at2 },
    { op: 'link', id: NEW, at: at2 }, // replayed twice after a crash: no duplicate
  ]);
  assert.deepEqual(s.names.get(NEW), [at1, at2]);
  s = applyRecord(s, { op: 'unlink', id: NEW, at: at1 });
  assert.deepEqual(s.names.get(NEW), [at2]);
  s = applyRecord(s, { op: 'forget', id: NEW });
  assert.equal(s.names.has(NEW), false);
  assert.equal(s.meta.has(NEW), false);
});

test('whiteouts hide golden names until a name is made there again; opaque and redirected directories', () => {
  let s = fold([
    { op: 'whiteout', at: { parent: ROOT, name: 'motd' } },
    { op: 'opaque', dir: NEW },
    { op: 'redirect', dir: 77n, goldenPath: 'usr/share/doc' },
  ]);
  assert.ok(s.whiteouts.has(`${ROOT}/motd`));
  assert.ok(s.opaque.has(NEW));
  assert.equal(s.redirects.get(77n), 'usr/share/doc');
  s = applyRecord(s, { op: 'unwhiteout', at: { parent: ROOT, name: 'motd' } });
  assert.equal(s.whiteouts.size, 0);
});

test('applying a record leaves the previous state untouched (a failed log write can be dropped)', () => {
  const before = fold([{ op: 'meta', id: NEW, meta: reg }]);
  const after = applyRecord(before, { op: 'link', id: NEW, at: { parent: ROOT, name: 'x' } });
  assert.equal(before.names.size, 0);
  assert.equal(after.names.size, 1);
});

test('compaction: the records of a state rebuild exactly that state, counter included', () => {
  const s = fold([
    { op: 'meta', id: NEW, meta: reg },
    { op: 'link', id: NEW, at: { parent: ROOT, name: 'kept' } },
    { op: 'meta', id: NEW + 1n, meta: { type: 'chr', mode: 0o666, uid: 0, gid: 0, rdev: { major: 1, minor: 3 } } },
    { op: 'link', id: NEW + 1n, at: { parent: ROOT, name: 'null' } },
    { op: 'meta', id: NEW + 2n, meta: { type: 'lnk', mode: 0o777, uid: 0, gid: 0, target: '../etc' } },
    { op: 'link', id: NEW + 2n, at: { parent: ROOT, name: 'link' } },
    { op: 'meta', id: NEW + 3n, meta: reg },
    { op: 'forget', id: NEW + 3n }, // the newest file is gone, but its id must not be handed out again
    { op: 'whiteout', at: { parent: ROOT, name: 'motd' } },
    { op: 'opaque', dir: 9n },
    { op: 'redirect', dir: 10n, goldenPath: 'opt/old' },
  ]);
  assert.equal(s.nextId, NEW + 4n);
  const rebuilt = fold(recordsOf(s));
  assert.deepEqual(rebuilt, s);
  assert.deepEqual(fold(recordsOf(emptyLayer)), emptyLayer);
});
