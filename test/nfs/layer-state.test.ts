// The per-machine layer's metadata records folded into state, and compaction that rebuilds the same state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyRecord, emptyLayer, LAYER_ID_BIT, recordsOf, type LayerRecord, type LayerState } from '../../src/nfs/view/layer-state.js';

function fold(records: Iterable<LayerRecord>, state: LayerState = emptyLayer()): LayerState {
  for (const record of records) applyRecord(state, record);
  return state;
}
const ROOT = 2n;
const GOLDEN_HOSTS = 1234n;
const NEW = LAYER_ID_BIT | 1n;
const reg = { type: 'reg' as const, mode: 0o644, uid: 0, gid: 0, data: true as const };

test('a file made in the layer: its metadata, its name (also by directory), and the counter moves past its id', () => {
  const s = fold([
    { op: 'meta', id: NEW, meta: reg },
    { op: 'link', id: NEW, at: { parent: ROOT, name: 'new.txt' } },
  ]);
  assert.deepEqual(s.meta.get(NEW), reg);
  assert.deepEqual(s.names.get(NEW), [{ parent: ROOT, name: 'new.txt' }]);
  assert.equal(s.children.get(ROOT)?.get('new.txt'), NEW);
  assert.equal(s.nextId, NEW + 1n);
});

test('a golden file keeps its id when it changes, and golden ids never move the counter', () => {
  const s = fold([
    { op: 'meta', id: GOLDEN_HOSTS, meta: { ...reg, mode: 0o600 } },
    { op: 'whiteout', at: { parent: ROOT, name: 'hosts' } },
    { op: 'link', id: GOLDEN_HOSTS, at: { parent: ROOT, name: 'hosts.old' } },
  ]);
  assert.equal(s.meta.get(GOLDEN_HOSTS)?.mode, 0o600);
  assert.equal(s.children.get(ROOT)?.get('hosts.old'), GOLDEN_HOSTS);
  assert.ok(s.whiteouts.get(ROOT)?.has('hosts'));
  assert.equal(s.nextId, emptyLayer().nextId);
});

test('hard links: two names, one id; removing one keeps the other; forgetting drops all', () => {
  const at1 = { parent: ROOT, name: 'a' };
  const at2 = { parent: ROOT, name: 'b' };
  const s = fold([
    { op: 'meta', id: NEW, meta: reg },
    { op: 'link', id: NEW, at: at1 },
    { op: 'link', id: NEW, at: at2 },
    { op: 'link', id: NEW, at: at2 }, // replayed twice after a crash: no duplicate
  ]);
  assert.deepEqual(s.names.get(NEW), [at1, at2]);
  applyRecord(s, { op: 'unlink', id: NEW, at: at1 });
  assert.deepEqual(s.names.get(NEW), [at2]);
  assert.equal(s.children.get(ROOT)?.has('a'), false);
  applyRecord(s, { op: 'forget', id: NEW });
  assert.equal(s.names.has(NEW), false);
  assert.equal(s.meta.has(NEW), false);
  assert.equal(s.children.has(ROOT), false);
});

test('a rename onto a name another id held: the directory index follows the newest link, and the old unlink does not undo it', () => {
  const other = NEW + 1n;
  const s = fold([
    { op: 'meta', id: NEW, meta: reg },
    { op: 'link', id: NEW, at: { parent: ROOT, name: 'x' } },
    { op: 'meta', id: other, meta: reg },
    { op: 'link', id: other, at: { parent: ROOT, name: 'y' } },
    // rename y -> x: x's old file loses its name, y's file takes it
    { op: 'unlink', id: other, at: { parent: ROOT, name: 'y' } },
    { op: 'unlink', id: NEW, at: { parent: ROOT, name: 'x' } },
    { op: 'forget', id: NEW },
    { op: 'link', id: other, at: { parent: ROOT, name: 'x' } },
  ]);
  assert.deepEqual([...(s.children.get(ROOT) ?? [])], [['x', other]]);
  // an unlink of an id that no longer holds the name leaves the index alone
  applyRecord(s, { op: 'unlink', id: NEW, at: { parent: ROOT, name: 'x' } });
  assert.equal(s.children.get(ROOT)?.get('x'), other);
});

test('compaction: the records of a state rebuild exactly that state, counter included', () => {
  const s = fold([
    { op: 'meta', id: NEW, meta: reg },
    { op: 'link', id: NEW, at: { parent: ROOT, name: 'kept' } },
    { op: 'meta', id: NEW + 1n, meta: { type: 'chr', mode: 0o666, uid: 0, gid: 0, rdev: { major: 1, minor: 3 }, mtimeNs: 5n, atimeNs: 5n, ctimeNs: 5n } },
    { op: 'link', id: NEW + 1n, at: { parent: ROOT, name: 'null' } },
    { op: 'meta', id: NEW + 2n, meta: { type: 'lnk', mode: 0o777, uid: 0, gid: 0, target: '../etc' } },
    { op: 'link', id: NEW + 2n, at: { parent: ROOT, name: 'link' } },
    { op: 'meta', id: NEW + 3n, meta: reg },
    { op: 'forget', id: NEW + 3n }, // the newest file is gone, but its id must not be handed out again
    { op: 'whiteout', at: { parent: ROOT, name: 'motd' } },
  ]);
  assert.equal(s.nextId, NEW + 4n);
  assert.deepEqual(fold(recordsOf(s)), s);
  assert.deepEqual(fold(recordsOf(emptyLayer())), emptyLayer());
});
