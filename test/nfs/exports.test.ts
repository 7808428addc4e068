// NFS exports kept in the store: checked input, a machine's export made once and following its address,
// reset (new generation, empty layer), remove, and what survives a restart.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createNfsExports, NfsExportError, type NfsExports } from '../../src/nfs/exports.js';
import { parseAllow } from '../../src/nfs/export-input.js';
import { openStore, type Store } from '../../src/store/store.js';

async function lab(t: TestContext): Promise<{ dir: string; open: () => Promise<{ store: Store; exports: NfsExports }> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-exports-'));
  await mkdir(join(dir, 'nfs', 'roots', 'debian', 'etc'), { recursive: true });
  await writeFile(join(dir, 'nfs', 'roots', 'debian', 'etc', 'hostname'), 'golden\n');
  const open: Array<{ store: Store; exports: NfsExports }> = [];
  t.after(async () => {
    for (const o of open) {
      await o.exports.close().catch(() => undefined);
      await o.store.close().catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  });
  return {
    dir,
    async open() {
      const store = await openStore(dir, silentLogger());
      const exports = createNfsExports({ store, dataDir: dir, rootsDir: join(dir, 'nfs', 'roots'), log: silentLogger() });
      await exports.open();
      const o = { store, exports };
      open.push(o);
      return o;
    },
  };
}

async function rejectsWith(promise: Promise<unknown>, code: string, field: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof NfsExportError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.field, field);
    return true;
  });
}

test('allow: one address or a network with its prefix; anything else is refused with a reason', () => {
  assert.deepEqual(parseAllow('198.18.0.7'), { ok: true, value: { kind: 'address', address: '198.18.0.7' } });
  assert.deepEqual(parseAllow('198.18.0.0/24'), { ok: true, value: { kind: 'subnet', network: '198.18.0.0', prefix: 24 } });
  for (const bad of ['198.18.0.1/24', '198.18.0.0/33', '198.18.0', 'everyone', '198.18.0.0/24/1', 7]) assert.equal(parseAllow(bad).ok, false, String(bad));
});

test('add checks its input: root name, allow, label, root folder, and one export per path', async (t) => {
  const l = await lab(t);
  const { exports } = await l.open();
  await rejectsWith(exports.add({ root: '../etc', allow: '198.18.0.2' }), 'INVALID', 'root');
  await rejectsWith(exports.add({ root: 'debian', allow: 'nobody' }), 'INVALID', 'allow');
  await rejectsWith(exports.add({ root: 'debian', allow: '198.18.0.2', label: 'a/b' }), 'INVALID', 'label');
  await rejectsWith(exports.add({ root: 'debian', allow: '198.18.0.2', rootSquash: 'yes' }), 'INVALID', 'rootSquash');
  await rejectsWith(exports.add({ root: 'ubuntu', allow: '198.18.0.2' }), 'NO_ROOT', 'root');
  const shared = await exports.add({ root: 'debian', allow: '198.18.0.0/24' });
  assert.equal(shared.path, '/bramble/debian');
  assert.equal(shared.kind, 'shared');
  assert.equal(exports.served(shared.id)?.rule.readOnly, true);
  assert.equal(exports.served(shared.id)?.view.readOnly, true);
  await rejectsWith(exports.add({ root: 'debian', allow: '198.18.0.0/24' }), 'EXISTS', 'path');
  assert.deepEqual(await exports.roots(), ['debian']);
});

test("a machine's export: made on its first boot, the same after, following a new address; reset and remove", async (t) => {
  const l = await lab(t);
  const firstRun = await l.open();
  let exports = firstRun.exports;
  const mac = '52:54:00:12:34:56';
  const first = await exports.forMachine(mac, '198.18.0.50', 'debian');
  assert.equal(first.path, '/bramble/debian/52-54-00-12-34-56');
  assert.equal(first.kind, 'layer');
  assert.equal(first.rootSquash, false);
  const [a, b] = await Promise.all([exports.forMachine(mac, '198.18.0.50', 'debian'), exports.forMachine(mac, '198.18.0.50', 'debian')]);
  assert.equal(a.id, first.id);
  assert.equal(b.id, first.id);
  assert.equal(exports.list().length, 1);
  const moved = await exports.forMachine(mac, '198.18.0.51', 'debian');
  assert.equal(moved.id, first.id);
  assert.deepEqual(exports.served(first.id)?.rule.allow, { kind: 'address', address: '198.18.0.51' });
  await rejectsWith(exports.forMachine('52:54:00:00:00:01', '198.18.0.52', 'ubuntu'), 'NO_ROOT', 'nfsRoot');

  // A change in the layer, then a reset: new generation, empty layer, golden again.
  const served = exports.served(first.id)!;
  const made = await served.view.make(served.view.rootId, 'mine', { type: 'reg', mode: 0o644, uid: 0, gid: 0 });
  assert.ok(made.ok);
  assert.ok((await exports.layerBytes(first.id)) > 0);
  const reset = await exports.reset(first.id);
  assert.equal(reset.generation, first.generation + 1);
  assert.equal(exports.served(first.id)?.generation(), reset.generation);
  const after = exports.served(first.id)!;
  assert.deepEqual(await after.view.lookup(after.view.rootId, 'mine'), { ok: false, error: 'NOENT' });

  // Kept across a restart of the server; then removed with its layer folder.
  await exports.close();
  await firstRun.store.close();
  ({ exports } = await l.open());
  assert.equal(exports.list()[0]?.generation, reset.generation);
  assert.equal(exports.list()[0]?.online, true);
  await exports.remove(first.id);
  assert.equal(exports.list().length, 0);
  assert.deepEqual(await readdir(join(l.dir, 'nfs', 'layers')).catch(() => []), []);
  await rejectsWith(exports.reset(first.id), 'NOT_FOUND', 'id');
});
