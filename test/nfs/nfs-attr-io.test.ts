// The NFSv3 program's attribute and data procedures over a writable in-memory View, through the RPC server
// (RFC 1813 §3.3.1-2, §3.3.4, §3.3.6-7, §3.3.18-21): results, nfsstat3 codes and weak cache consistency data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { SATTR3_NONE, type Sattr3 } from '../../src/nfs/nfs3-sattr.js';
import { Access3, FsfProperty, StableHow, type NfsFh3 } from '../../src/nfs/nfs3-types.js';
import { memoryView, type MemoryView } from './memory-view.js';
import { ALICE, BOB, ok, ROOT, servedExport, startNfs, status, WRITE_VERIFIER, type User } from './nfs-harness.js';
import type { Nfs3TestClient } from './nfs3-test-client.js';

const sattr = (over: Partial<Sattr3>): Sattr3 => ({ ...SATTR3_NONE, ...over });
const ALL = 0x3f;

interface Setup {
  readonly view: MemoryView;
  readonly as: (user?: User) => Promise<Nfs3TestClient>;
  readonly root: Buffer;
  /** A file made by `owner` in a 1777 directory, with `mode` and `content`. */
  file(owner: User, name: string, mode: number, content?: string): Promise<NfsFh3>;
}

async function setup(t: TestContext, view: MemoryView = memoryView()): Promise<Setup> {
  const exp = servedExport(1, view);
  const server = await startNfs(t, [exp]);
  const root = server.root(exp);
  const admin = await server.client(ROOT);
  const tmp = ok(await admin.nfs('mkdir', { where: { dir: root, name: 'tmp' }, attributes: sattr({ mode: 0o1777 }) })).obj!;
  const clients = new Map<number, Nfs3TestClient>();
  const as = async (user: User = ROOT): Promise<Nfs3TestClient> => {
    let c = clients.get(user.uid);
    if (c === undefined) clients.set(user.uid, (c = await server.client(user)));
    return c;
  };
  return {
    view,
    as,
    root,
    async file(owner, name, mode, content = '') {
      const c = await as(owner);
      const fh = ok(await c.nfs('create', { where: { dir: tmp, name }, how: { mode: 'guarded', attributes: sattr({ mode }) } })).obj!;
      if (content !== '') ok(await c.nfs('write', { file: fh, offset: 0, stable: StableHow.fileSync, data: Buffer.from(content) }));
      return fh;
    },
  };
}

test('GETATTR gives the file attributes with the export fsid; a fresh handle of a removed file is STALE', async (t) => {
  const s = await setup(t);
  const fh = await s.file(ALICE, 'a', 0o640, 'hello');
  const a = ok(await (await s.as()).nfs('getattr', { object: fh })).objAttributes;
  assert.equal(a.type, 1);
  assert.equal(a.mode, 0o640);
  assert.equal(a.uid, ALICE.uid);
  assert.equal(a.gid, ALICE.gid);
  assert.equal(a.size, 5);
  assert.equal(a.fsid, 1000n);
  ok(await (await s.as(ALICE)).nfs('remove', { object: { dir: ok(await (await s.as()).nfs('lookup', { what: { dir: s.root, name: 'tmp' } })).object, name: 'a' } }));
  assert.equal(status(await (await s.as()).nfs('getattr', { object: fh })), 'NFS3ERR_STALE');
});

test('SETATTR: the owner changes mode and times with wcc data; another user gets PERM; root chowns', async (t) => {
  const s = await setup(t);
  const fh = await s.file(ALICE, 'a', 0o644);
  const alice = await s.as(ALICE);
  const res = ok(await alice.nfs('setattr', { object: fh, newAttributes: sattr({ mode: 0o600, mtime: { how: 'client', time: { seconds: 1_000_000, nseconds: 5 } } }), guard: null }));
  assert.ok(res.objWcc.before !== null && res.objWcc.after !== null);
  assert.equal(res.objWcc.after.mode, 0o600);
  assert.deepEqual(res.objWcc.after.mtime, { seconds: 1_000_000, nseconds: 5 });
  const bob = await s.as(BOB);
  const refused = await bob.nfs('setattr', { object: fh, newAttributes: sattr({ mode: 0o666 }), guard: null });
  assert.equal(status(refused), 'NFS3ERR_PERM');
  assert.equal(refused.objWcc.after?.mode, 0o600, 'a refusal still reports the attributes');
  assert.equal(status(await alice.nfs('setattr', { object: fh, newAttributes: sattr({ uid: BOB.uid }), guard: null })), 'NFS3ERR_PERM');
  const chowned = ok(await (await s.as()).nfs('setattr', { object: fh, newAttributes: sattr({ uid: BOB.uid, gid: BOB.gid }), guard: null }));
  assert.equal(chowned.objWcc.after?.uid, BOB.uid);
  assert.equal(chowned.objWcc.after?.gid, BOB.gid);
});

test('SETATTR with a guard: NOT_SYNC when the ctime differs, applied when it matches; truncate by size', async (t) => {
  const s = await setup(t);
  const fh = await s.file(ALICE, 'a', 0o644, 'some content');
  const alice = await s.as(ALICE);
  const ctime = ok(await alice.nfs('getattr', { object: fh })).objAttributes.ctime;
  const stale = { seconds: ctime.seconds, nseconds: (ctime.nseconds + 1) % 1e9 };
  const refused = await alice.nfs('setattr', { object: fh, newAttributes: sattr({ size: 0 }), guard: stale });
  assert.equal(status(refused), 'NFS3ERR_NOT_SYNC');
  assert.equal(refused.objWcc.after?.size, 12);
  const done = ok(await alice.nfs('setattr', { object: fh, newAttributes: sattr({ size: 4 }), guard: ctime }));
  assert.equal(done.objWcc.before?.size, 12);
  assert.equal(done.objWcc.after?.size, 4);
  assert.equal(status(await (await s.as(BOB)).nfs('setattr', { object: fh, newAttributes: sattr({ size: 0 }), guard: null })), 'NFS3ERR_ACCES');
  assert.equal(status(await alice.nfs('setattr', { object: s.root, newAttributes: sattr({ size: 0 }), guard: null })), 'NFS3ERR_ISDIR');
});

test('ACCESS answers the asked bits the caller has: owner, others, root, directories', async (t) => {
  const s = await setup(t);
  const fh = await s.file(ALICE, 'a', 0o754);
  const granted = async (user: User, object: NfsFh3): Promise<number> => ok(await (await s.as(user)).nfs('access', { object, access: ALL })).access;
  assert.equal(await granted(ALICE, fh), Access3.read | Access3.modify | Access3.extend | Access3.execute);
  assert.equal(await granted(BOB, fh), Access3.read, 'bob is in group 100, not 1000: the other bits, r--');
  assert.equal(await granted(ROOT, fh), Access3.read | Access3.modify | Access3.extend | Access3.execute);
  assert.equal(await granted(ALICE, s.root), Access3.read | Access3.lookup);
  assert.equal(await granted(ROOT, s.root), Access3.read | Access3.lookup | Access3.modify | Access3.extend | Access3.delete);
  const only = ok(await (await s.as(BOB)).nfs('access', { object: fh, access: Access3.modify }));
  assert.equal(only.access, 0);
  assert.equal(only.objAttributes?.mode, 0o754);
});

test('WRITE replies with the count, the stability reached, the server verifier and wcc; READ gives the data back', async (t) => {
  const s = await setup(t);
  const fh = await s.file(ALICE, 'a', 0o644);
  const alice = await s.as(ALICE);
  const first = ok(await alice.nfs('write', { file: fh, offset: 0, stable: StableHow.unstable, data: Buffer.from('hello ') }));
  assert.equal(first.count, 6);
  assert.equal(first.committed, StableHow.unstable);
  assert.deepEqual(Buffer.from(first.verf), WRITE_VERIFIER);
  assert.equal(first.fileWcc.before?.size, 0);
  assert.equal(first.fileWcc.after?.size, 6);
  const second = ok(await alice.nfs('write', { file: fh, offset: 6, stable: StableHow.fileSync, data: Buffer.from('world') }));
  assert.equal(second.committed, StableHow.fileSync);
  assert.equal(s.view.syncs.get(second.fileWcc.after!.fileid), 1);
  const read = ok(await alice.nfs('read', { file: fh, offset: 0, count: 100 }));
  assert.equal(Buffer.from(read.data).toString(), 'hello world');
  assert.equal(read.eof, true);
  assert.equal(read.fileAttributes?.size, 11);
  const part = ok(await alice.nfs('read', { file: fh, offset: 2, count: 3 }));
  assert.equal(Buffer.from(part.data).toString(), 'llo');
  assert.equal(part.eof, false);
});

test('COMMIT syncs the file and answers the same verifier as WRITE', async (t) => {
  const s = await setup(t);
  const fh = await s.file(ALICE, 'a', 0o644, 'x');
  const alice = await s.as(ALICE);
  const before = s.view.syncs.size === 0 ? 0 : [...s.view.syncs.values()].reduce((a, b) => a + b, 0);
  const res = ok(await alice.nfs('commit', { file: fh, offset: 0, count: 0 }));
  assert.deepEqual(Buffer.from(res.verf), WRITE_VERIFIER);
  assert.ok(res.fileWcc.before !== null && res.fileWcc.after !== null);
  assert.equal([...s.view.syncs.values()].reduce((a, b) => a + b, 0), before + 1);
});

test('READ and WRITE refusals: ACCES for a non-writer or a non-reader, ISDIR for a directory, INVAL for a symlink', async (t) => {
  const s = await setup(t);
  const secret = await s.file(ALICE, 'secret', 0o600, 'x');
  const shared = await s.file(ALICE, 'shared', 0o644, 'x');
  const bob = await s.as(BOB);
  assert.equal(status(await bob.nfs('read', { file: secret, offset: 0, count: 10 })), 'NFS3ERR_ACCES');
  const refused = await bob.nfs('write', { file: shared, offset: 0, stable: StableHow.unstable, data: Buffer.from('y') });
  assert.equal(status(refused), 'NFS3ERR_ACCES');
  assert.ok(refused.fileWcc.before !== null, 'a refused write still carries wcc');
  ok(await bob.nfs('read', { file: shared, offset: 0, count: 10 }));
  assert.equal(status(await bob.nfs('read', { file: s.root, offset: 0, count: 10 })), 'NFS3ERR_ISDIR');
  assert.equal(status(await (await s.as()).nfs('write', { file: s.root, offset: 0, stable: 0, data: Buffer.from('y') })), 'NFS3ERR_ISDIR');
  const link = ok(await bob.nfs('symlink', { where: { dir: ok(await bob.nfs('lookup', { what: { dir: s.root, name: 'tmp' } })).object, name: 'l' }, symlinkAttributes: SATTR3_NONE, symlinkData: 'shared' })).obj!;
  assert.equal(status(await bob.nfs('read', { file: link, offset: 0, count: 10 })), 'NFS3ERR_INVAL');
  // The owner writes its own read-only file (as nfsd lets it: the client checked the mode at open).
  const readOnly = await s.file(ALICE, 'ro', 0o444);
  ok(await (await s.as(ALICE)).nfs('write', { file: readOnly, offset: 0, stable: 0, data: Buffer.from('z') }));
});

test('WRITE maps the view\'s FBIG and NOSPC', async (t) => {
  const s = await setup(t, memoryView({ maxFileSize: 100n, capacityBytes: 150n }));
  const a = await s.file(ALICE, 'a', 0o644);
  const b = await s.file(ALICE, 'b', 0o644);
  const alice = await s.as(ALICE);
  assert.equal(status(await alice.nfs('write', { file: a, offset: 90, stable: 0, data: Buffer.alloc(20) })), 'NFS3ERR_FBIG');
  ok(await alice.nfs('write', { file: a, offset: 0, stable: 0, data: Buffer.alloc(100) }));
  assert.equal(status(await alice.nfs('write', { file: b, offset: 0, stable: 0, data: Buffer.alloc(60) })), 'NFS3ERR_NOSPC');
});

test('FSSTAT from the view, FSINFO and PATHCONF as documented', async (t) => {
  const s = await setup(t);
  const c = await s.as(ALICE);
  const st = ok(await c.nfs('fsstat', { fsroot: s.root }));
  assert.equal(st.tbytes, 1n << 40n);
  assert.equal(st.tfiles, 1_000_000n);
  assert.equal(st.invarsec, 0);
  assert.equal(st.objAttributes?.type, 2);
  const info = ok(await c.nfs('fsinfo', { fsroot: s.root }));
  assert.deepEqual(
    { rtmax: info.rtmax, rtpref: info.rtpref, rtmult: info.rtmult, wtmax: info.wtmax, wtpref: info.wtpref, wtmult: info.wtmult, dtpref: info.dtpref },
    { rtmax: 1 << 20, rtpref: 1 << 20, rtmult: 4096, wtmax: 1 << 20, wtpref: 1 << 20, wtmult: 4096, dtpref: 65536 },
  );
  assert.equal(info.maxfilesize, 2n ** 63n - 1n);
  assert.deepEqual(info.timeDelta, { seconds: 0, nseconds: 1 });
  assert.equal(info.properties, FsfProperty.link | FsfProperty.symlink | FsfProperty.homogeneous | FsfProperty.canSetTime);
  const pc = ok(await c.nfs('pathconf', { object: s.root }));
  assert.deepEqual(
    { linkmax: pc.linkmax, nameMax: pc.nameMax, noTrunc: pc.noTrunc, chownRestricted: pc.chownRestricted, caseInsensitive: pc.caseInsensitive, casePreserving: pc.casePreserving },
    { linkmax: 32000, nameMax: 255, noTrunc: true, chownRestricted: true, caseInsensitive: false, casePreserving: true },
  );
});
