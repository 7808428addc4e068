// The NFSv3 program's name procedures over a writable in-memory View, through the RPC server (RFC 1813 §3.3.3,
// §3.3.5, §3.3.8-15): every success path, the View's errors as nfsstat3, permission refusals and wcc data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { SATTR3_NONE, type Sattr3 } from '../../src/nfs/nfs3-sattr.js';
import { Ftype3, type WccData } from '../../src/nfs/nfs3-types.js';
import { memoryView } from './memory-view.js';
import { ALICE, BOB, ok, ROOT, servedExport, startNfs, status, type User } from './nfs-harness.js';
import type { Nfs3TestClient } from './nfs3-test-client.js';

const sattr = (over: Partial<Sattr3>): Sattr3 => ({ ...SATTR3_NONE, ...over });

async function setup(t: TestContext): Promise<{ root: Buffer; as: (user?: User) => Promise<Nfs3TestClient> }> {
  const exp = servedExport(1, memoryView());
  const server = await startNfs(t, [exp]);
  const clients = new Map<number, Nfs3TestClient>();
  return {
    root: server.root(exp),
    async as(user = ROOT) {
      let c = clients.get(user.uid);
      if (c === undefined) clients.set(user.uid, (c = await server.client(user)));
      return c;
    },
  };
}

/** A directory change's wcc: attributes before and after, and the directory's mtime moved. */
function assertChanged(wcc: WccData): void {
  assert.ok(wcc.before !== null && wcc.after !== null, 'wcc has both sides');
  const before = BigInt(wcc.before.mtime.seconds) * 1_000_000_000n + BigInt(wcc.before.mtime.nseconds);
  const after = BigInt(wcc.after.mtime.seconds) * 1_000_000_000n + BigInt(wcc.after.mtime.nseconds);
  assert.ok(after > before, 'the directory mtime moved');
}

test('CREATE, MKDIR, SYMLINK, MKNOD make objects the caller owns; LOOKUP and READLINK find them', async (t) => {
  const { root, as } = await setup(t);
  const c = await as();
  const made = ok(await c.nfs('create', { where: { dir: root, name: 'file' }, how: { mode: 'unchecked', attributes: sattr({ mode: 0o600 }) } }));
  assert.equal(made.objAttributes?.mode, 0o600);
  assert.equal(made.objAttributes?.uid, 0);
  assertChanged(made.dirWcc);
  const dir = ok(await c.nfs('mkdir', { where: { dir: root, name: 'dir' }, attributes: SATTR3_NONE }));
  assert.equal(dir.objAttributes?.type, Ftype3.dir);
  assert.equal(dir.objAttributes?.mode, 0o755);
  assert.equal(dir.objAttributes?.nlink, 2);
  assertChanged(dir.dirWcc);
  const link = ok(await c.nfs('symlink', { where: { dir: dir.obj!, name: 'link' }, symlinkAttributes: SATTR3_NONE, symlinkData: '../file' }));
  assert.equal(link.objAttributes?.type, Ftype3.lnk);
  assert.equal(ok(await c.nfs('readlink', { symlink: link.obj! })).data, '../file');
  const dev = ok(await c.nfs('mknod', { where: { dir: dir.obj!, name: 'null' }, what: { type: Ftype3.chr, devAttributes: sattr({ mode: 0o666 }), spec: { specdata1: 1, specdata2: 3 } } }));
  assert.deepEqual(dev.objAttributes?.rdev, { specdata1: 1, specdata2: 3 });
  assert.equal(dev.objAttributes?.mode, 0o666);
  const fifo = ok(await c.nfs('mknod', { where: { dir: dir.obj!, name: 'pipe' }, what: { type: Ftype3.fifo, pipeAttributes: SATTR3_NONE } }));
  assert.equal(fifo.objAttributes?.type, Ftype3.fifo);
  const found = ok(await c.nfs('lookup', { what: { dir: dir.obj!, name: 'null' } }));
  assert.deepEqual(Buffer.from(found.object), Buffer.from(dev.obj!));
  assert.equal(found.dirAttributes?.type, Ftype3.dir);
  assert.deepEqual(Buffer.from(ok(await c.nfs('lookup', { what: { dir: dir.obj!, name: '..' } })).object), root);
  assert.deepEqual(Buffer.from(ok(await c.nfs('lookup', { what: { dir: root, name: '.' } })).object), root);
});

test('LOOKUP errors: NOENT with the directory attributes, NOTDIR, ACCES without search permission; READLINK of a file is INVAL', async (t) => {
  const { root, as } = await setup(t);
  const c = await as();
  const missing = await c.nfs('lookup', { what: { dir: root, name: 'missing' } });
  assert.equal(status(missing), 'NFS3ERR_NOENT');
  assert.equal(missing.dirAttributes?.type, Ftype3.dir);
  const file = ok(await c.nfs('create', { where: { dir: root, name: 'f' }, how: { mode: 'guarded', attributes: SATTR3_NONE } })).obj!;
  assert.equal(status(await c.nfs('lookup', { what: { dir: file, name: 'x' } })), 'NFS3ERR_NOTDIR');
  assert.equal(status(await c.nfs('lookup', { what: { dir: root, name: 'x'.repeat(255) } })), 'NFS3ERR_NOENT');
  const closed = ok(await c.nfs('mkdir', { where: { dir: root, name: 'closed' }, attributes: sattr({ mode: 0o700 }) })).obj!;
  ok(await c.nfs('create', { where: { dir: closed, name: 'inside' }, how: { mode: 'guarded', attributes: SATTR3_NONE } }));
  assert.equal(status(await (await as(ALICE)).nfs('lookup', { what: { dir: closed, name: 'inside' } })), 'NFS3ERR_ACCES');
  assert.equal(status(await c.nfs('readlink', { symlink: file })), 'NFS3ERR_INVAL');
});

test('CREATE: guarded is EXIST on a taken name, unchecked truncates an existing file to the size given', async (t) => {
  const { root, as } = await setup(t);
  const c = await as();
  const fh = ok(await c.nfs('create', { where: { dir: root, name: 'f' }, how: { mode: 'guarded', attributes: SATTR3_NONE } })).obj!;
  ok(await c.nfs('write', { file: fh, offset: 0, stable: 2, data: Buffer.from('0123456789') }));
  const again = await c.nfs('create', { where: { dir: root, name: 'f' }, how: { mode: 'guarded', attributes: SATTR3_NONE } });
  assert.equal(status(again), 'NFS3ERR_EXIST');
  assert.ok(again.dirWcc.after !== null);
  const kept = ok(await c.nfs('create', { where: { dir: root, name: 'f' }, how: { mode: 'unchecked', attributes: sattr({ mode: 0o777 }) } }));
  assert.deepEqual(Buffer.from(kept.obj!), Buffer.from(fh));
  assert.equal(kept.objAttributes?.size, 10, 'no size given: the file stays as it is');
  assert.equal(kept.objAttributes?.mode, 0o644, 'unchecked on an existing file applies only the size');
  const truncated = ok(await c.nfs('create', { where: { dir: root, name: 'f' }, how: { mode: 'unchecked', attributes: sattr({ size: 0 }) } }));
  assert.equal(truncated.objAttributes?.size, 0);
  ok(await c.nfs('mkdir', { where: { dir: root, name: 'd' }, attributes: SATTR3_NONE }));
  assert.equal(status(await c.nfs('create', { where: { dir: root, name: 'd' }, how: { mode: 'unchecked', attributes: SATTR3_NONE } })), 'NFS3ERR_EXIST');
  assert.equal(status(await c.nfs('create', { where: { dir: root, name: '.' }, how: { mode: 'unchecked', attributes: SATTR3_NONE } })), 'NFS3ERR_EXIST');
  assert.equal(status(await c.nfs('create', { where: { dir: root, name: 'a/b' }, how: { mode: 'unchecked', attributes: SATTR3_NONE } })), 'NFS3ERR_INVAL');
});

test('CREATE EXCLUSIVE: a retransmit with the same verifier gets the same file; another verifier gets EXIST', async (t) => {
  const { root, as } = await setup(t);
  const c = await as(ALICE);
  const tmp = ok(await (await as()).nfs('mkdir', { where: { dir: root, name: 'tmp' }, attributes: sattr({ mode: 0o1777 }) })).obj!;
  const verf = Buffer.from('01234567');
  const first = ok(await c.nfs('create', { where: { dir: tmp, name: 'x' }, how: { mode: 'exclusive', verf } }));
  const retransmit = ok(await c.nfs('create', { where: { dir: tmp, name: 'x' }, how: { mode: 'exclusive', verf } }));
  assert.deepEqual(Buffer.from(retransmit.obj!), Buffer.from(first.obj!));
  assert.equal(first.objAttributes?.uid, ALICE.uid);
  assert.equal(status(await c.nfs('create', { where: { dir: tmp, name: 'x' }, how: { mode: 'exclusive', verf: Buffer.from('76543210') } })), 'NFS3ERR_EXIST');
});

test('new objects: a non-root caller owns them, takes a setgid directory group, cannot make device nodes', async (t) => {
  const { root, as } = await setup(t);
  const admin = await as();
  const shared = ok(await admin.nfs('mkdir', { where: { dir: root, name: 'shared' }, attributes: sattr({ mode: 0o2777, gid: 100 }) })).obj!;
  const alice = await as(ALICE);
  const f = ok(await alice.nfs('create', { where: { dir: shared, name: 'f' }, how: { mode: 'guarded', attributes: SATTR3_NONE } }));
  assert.equal(f.objAttributes?.uid, ALICE.uid);
  assert.equal(f.objAttributes?.gid, 100);
  const d = ok(await alice.nfs('mkdir', { where: { dir: shared, name: 'd' }, attributes: SATTR3_NONE }));
  assert.equal(d.objAttributes?.mode, 0o2755);
  assert.equal(status(await alice.nfs('mknod', { where: { dir: shared, name: 'sda' }, what: { type: Ftype3.blk, devAttributes: SATTR3_NONE, spec: { specdata1: 8, specdata2: 0 } } })), 'NFS3ERR_PERM');
  assert.equal(status(await alice.nfs('create', { where: { dir: shared, name: 'g' }, how: { mode: 'guarded', attributes: sattr({ gid: 0 }) } })), 'NFS3ERR_PERM');
});

test('MKNOD of a regular file, directory or symlink is BADTYPE', async (t) => {
  const { root, as } = await setup(t);
  const c = await as();
  for (const type of [Ftype3.reg, Ftype3.dir, Ftype3.lnk] as const) {
    const res = await c.nfs('mknod', { where: { dir: root, name: 'n' }, what: { type } });
    assert.equal(status(res), 'NFS3ERR_BADTYPE');
    assert.ok(res.dirWcc.before !== null);
  }
});

test('ACCES: a user cannot add to a root-owned 0755 directory nor remove another user\'s file from sticky /tmp', async (t) => {
  const { root, as } = await setup(t);
  const alice = await as(ALICE);
  const refused = await alice.nfs('create', { where: { dir: root, name: 'x' }, how: { mode: 'guarded', attributes: SATTR3_NONE } });
  assert.equal(status(refused), 'NFS3ERR_ACCES');
  assert.ok(refused.dirWcc.before !== null && refused.dirWcc.after !== null);
  assert.equal(status(await alice.nfs('mkdir', { where: { dir: root, name: 'x' }, attributes: SATTR3_NONE })), 'NFS3ERR_ACCES');
  const tmp = ok(await (await as()).nfs('mkdir', { where: { dir: root, name: 'tmp' }, attributes: sattr({ mode: 0o1777 }) })).obj!;
  ok(await alice.nfs('create', { where: { dir: tmp, name: 'mine' }, how: { mode: 'guarded', attributes: sattr({ mode: 0o666 }) } }));
  const bob = await as(BOB);
  assert.equal(status(await bob.nfs('remove', { object: { dir: tmp, name: 'mine' } })), 'NFS3ERR_ACCES');
  assert.equal(status(await bob.nfs('rename', { from: { dir: tmp, name: 'mine' }, to: { dir: tmp, name: 'his' } })), 'NFS3ERR_ACCES');
  ok(await bob.nfs('create', { where: { dir: tmp, name: 'his' }, how: { mode: 'guarded', attributes: SATTR3_NONE } }));
  assert.equal(status(await alice.nfs('rename', { from: { dir: tmp, name: 'mine' }, to: { dir: tmp, name: 'his' } })), 'NFS3ERR_ACCES', 'replacing bob\'s file in a sticky dir');
  ok(await alice.nfs('remove', { object: { dir: tmp, name: 'mine' } }));
});

test('REMOVE and RMDIR: NOENT, ISDIR, NOTDIR, NOTEMPTY, and success with wcc', async (t) => {
  const { root, as } = await setup(t);
  const c = await as();
  const d = ok(await c.nfs('mkdir', { where: { dir: root, name: 'd' }, attributes: SATTR3_NONE })).obj!;
  ok(await c.nfs('create', { where: { dir: d, name: 'f' }, how: { mode: 'guarded', attributes: SATTR3_NONE } }));
  assert.equal(status(await c.nfs('remove', { object: { dir: root, name: 'missing' } })), 'NFS3ERR_NOENT');
  assert.equal(status(await c.nfs('remove', { object: { dir: root, name: 'd' } })), 'NFS3ERR_ISDIR');
  assert.equal(status(await c.nfs('rmdir', { object: { dir: d, name: 'f' } })), 'NFS3ERR_NOTDIR');
  const full = await c.nfs('rmdir', { object: { dir: root, name: 'd' } });
  assert.equal(status(full), 'NFS3ERR_NOTEMPTY');
  assert.ok(full.dirWcc.before !== null && full.dirWcc.after !== null);
  assert.equal(status(await c.nfs('rmdir', { object: { dir: root, name: '.' } })), 'NFS3ERR_INVAL');
  assertChanged(ok(await c.nfs('remove', { object: { dir: d, name: 'f' } })).dirWcc);
  assertChanged(ok(await c.nfs('rmdir', { object: { dir: root, name: 'd' } })).dirWcc);
  assert.equal(status(await c.nfs('lookup', { what: { dir: root, name: 'd' } })), 'NFS3ERR_NOENT');
  assert.equal(status(await c.nfs('getattr', { object: d })), 'NFS3ERR_STALE');
});

test('RENAME: moves across directories with wcc for both, replaces a file, refuses a directory into itself', async (t) => {
  const { root, as } = await setup(t);
  const c = await as();
  const a = ok(await c.nfs('mkdir', { where: { dir: root, name: 'a' }, attributes: SATTR3_NONE })).obj!;
  const b = ok(await c.nfs('mkdir', { where: { dir: root, name: 'b' }, attributes: SATTR3_NONE })).obj!;
  const f = ok(await c.nfs('create', { where: { dir: a, name: 'f' }, how: { mode: 'guarded', attributes: SATTR3_NONE } })).obj!;
  ok(await c.nfs('create', { where: { dir: b, name: 'g' }, how: { mode: 'guarded', attributes: SATTR3_NONE } }));
  const moved = ok(await c.nfs('rename', { from: { dir: a, name: 'f' }, to: { dir: b, name: 'g' } }));
  assertChanged(moved.fromdirWcc);
  assertChanged(moved.todirWcc);
  assert.deepEqual(Buffer.from(ok(await c.nfs('lookup', { what: { dir: b, name: 'g' } })).object), Buffer.from(f), 'the handle follows the file');
  assert.equal(status(await c.nfs('lookup', { what: { dir: a, name: 'f' } })), 'NFS3ERR_NOENT');
  const sub = ok(await c.nfs('mkdir', { where: { dir: a, name: 'sub' }, attributes: SATTR3_NONE })).obj!;
  assert.equal(status(await c.nfs('rename', { from: { dir: root, name: 'a' }, to: { dir: sub, name: 'loop' } })), 'NFS3ERR_INVAL');
  assert.equal(status(await c.nfs('rename', { from: { dir: root, name: 'a' }, to: { dir: b, name: 'g' } })), 'NFS3ERR_NOTDIR');
  assert.equal(status(await c.nfs('rename', { from: { dir: b, name: 'g' }, to: { dir: a, name: 'sub' } })), 'NFS3ERR_ISDIR');
  ok(await c.nfs('create', { where: { dir: sub, name: 'x' }, how: { mode: 'guarded', attributes: SATTR3_NONE } }));
  ok(await c.nfs('mkdir', { where: { dir: root, name: 'c' }, attributes: SATTR3_NONE }));
  assert.equal(status(await c.nfs('rename', { from: { dir: root, name: 'c' }, to: { dir: a, name: 'sub' } })), 'NFS3ERR_NOTEMPTY');
  assert.equal(status(await c.nfs('rename', { from: { dir: root, name: 'nothing' }, to: { dir: a, name: 'x' } })), 'NFS3ERR_NOENT');
  const same = ok(await c.nfs('rename', { from: { dir: root, name: 'c' }, to: { dir: root, name: 'c2' } }));
  assert.deepEqual(same.fromdirWcc, same.todirWcc);
});

test('LINK: a second name with nlink 2, wcc for the directory; ISDIR for a directory, EXIST for a taken name', async (t) => {
  const { root, as } = await setup(t);
  const c = await as();
  const d = ok(await c.nfs('mkdir', { where: { dir: root, name: 'd' }, attributes: SATTR3_NONE })).obj!;
  const f = ok(await c.nfs('create', { where: { dir: root, name: 'f' }, how: { mode: 'guarded', attributes: SATTR3_NONE } })).obj!;
  const linked = ok(await c.nfs('link', { file: f, link: { dir: d, name: 'f2' } }));
  assert.equal(linked.fileAttributes?.nlink, 2);
  assertChanged(linked.linkdirWcc);
  assert.deepEqual(Buffer.from(ok(await c.nfs('lookup', { what: { dir: d, name: 'f2' } })).object), Buffer.from(f));
  assert.equal(status(await c.nfs('link', { file: d, link: { dir: root, name: 'd2' } })), 'NFS3ERR_ISDIR');
  assert.equal(status(await c.nfs('link', { file: f, link: { dir: d, name: 'f2' } })), 'NFS3ERR_EXIST');
  assert.equal(status(await c.nfs('link', { file: f, link: { dir: f, name: 'x' } })), 'NFS3ERR_NOTDIR');
  assert.equal(status(await (await as(ALICE)).nfs('link', { file: f, link: { dir: d, name: 'f3' } })), 'NFS3ERR_ACCES');
});
