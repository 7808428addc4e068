// SETATTR's sattr3 into View changes and new objects' owner, group and mode (RFC 1813 §3.3.2, §3.3.8-11): case tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planNewNode } from '../../src/nfs/new-node.js';
import { SATTR3_NONE, type Sattr3 } from '../../src/nfs/nfs3-sattr.js';
import { Nfs3Status } from '../../src/nfs/nfs3-status.js';
import type { Identity } from '../../src/nfs/permissions.js';
import { planSetattr } from '../../src/nfs/setattr-plan.js';
import type { FileAttributes } from '../../src/nfs/view/view.js';

const attrs = (over: Partial<FileAttributes> = {}): FileAttributes => ({
  type: 'reg',
  mode: 0o644,
  nlink: 1,
  uid: 1000,
  gid: 1000,
  size: 10n,
  used: 4096n,
  rdev: { major: 0, minor: 0 },
  fileId: 5n,
  atimeNs: 1n,
  mtimeNs: 2n,
  ctimeNs: 3n,
  ...over,
});
const sattr = (over: Partial<Sattr3>): Sattr3 => ({ ...SATTR3_NONE, ...over });
const root: Identity = { uid: 0, gid: 0, gids: [] };
const owner: Identity = { uid: 1000, gid: 1000, gids: [1000, 100] };
const other: Identity = { uid: 1002, gid: 1002, gids: [1002] };
const NOW = 1_764_000_000_000_000_000n;

const plans: ReadonlyArray<[string, FileAttributes, Sattr3, Identity, object]> = [
  ['chmod by the owner', attrs(), sattr({ mode: 0o600 }), owner, { changes: { mode: 0o600 } }],
  ['chmod by another user', attrs(), sattr({ mode: 0o600 }), other, { refusal: Nfs3Status.perm }],
  ['chown to oneself by the owner asks nothing', attrs(), sattr({ uid: 1000, gid: 1000 }), owner, { changes: {} }],
  ['chown by root strips setuid', attrs({ mode: 0o4755 }), sattr({ uid: 0 }), root, { changes: { mode: 0o755, uid: 0 } }],
  ['chown and chmod together: the new mode loses setuid too', attrs(), sattr({ uid: 0, mode: 0o4711 }), root, { changes: { mode: 0o711, uid: 0 } }],
  ['chgrp by the owner to a group it is in', attrs(), sattr({ gid: 100 }), owner, { changes: { gid: 100 } }],
  ['truncate by the owner', attrs(), sattr({ size: 0 }), owner, { changes: { size: 0n } }],
  ['truncate by a non-writer', attrs(), sattr({ size: 0 }), other, { refusal: Nfs3Status.acces }],
  ['truncate a directory', attrs({ type: 'dir' }), sattr({ size: 0 }), root, { refusal: Nfs3Status.isdir }],
  ['truncate a symlink', attrs({ type: 'lnk' }), sattr({ size: 0 }), root, { refusal: Nfs3Status.inval }],
  ['times: server time becomes now, client time its nanoseconds', attrs(), sattr({ atime: { how: 'server' }, mtime: { how: 'client', time: { seconds: 5, nseconds: 6 } } }), owner, { changes: { atimeNs: NOW, mtimeNs: 5_000_000_006n } }],
];
for (const [name, a, s, who, expected] of plans) {
  test(`SETATTR plan: ${name}`, () => {
    assert.deepEqual(planSetattr(a, s, who, NOW), expected);
  });
}

const parent = attrs({ type: 'dir', mode: 0o755, uid: 0, gid: 0 });
const sgidParent = attrs({ type: 'dir', mode: 0o2775, uid: 0, gid: 50 });

const nodes: ReadonlyArray<[string, FileAttributes, Parameters<typeof planNewNode>[1], Identity, object]> = [
  ['a file with no attributes: 0644, owned by the caller', parent, { type: 'reg', attributes: SATTR3_NONE }, owner, { node: { type: 'reg', mode: 0o644, uid: 1000, gid: 1000 } }],
  ['a directory with a mode', parent, { type: 'dir', attributes: sattr({ mode: 0o700 }) }, owner, { node: { type: 'dir', mode: 0o700, uid: 1000, gid: 1000 } }],
  ['a file in a setgid directory takes its group', sgidParent, { type: 'reg', attributes: SATTR3_NONE }, owner, { node: { type: 'reg', mode: 0o644, uid: 1000, gid: 50 } }],
  ['a directory in a setgid directory is setgid', sgidParent, { type: 'dir', attributes: SATTR3_NONE }, owner, { node: { type: 'dir', mode: 0o2755, uid: 1000, gid: 50 } }],
  ['a group asked for that the caller is in', parent, { type: 'reg', attributes: sattr({ gid: 100 }) }, owner, { node: { type: 'reg', mode: 0o644, uid: 1000, gid: 100 } }],
  ['a group asked for that the caller is not in', parent, { type: 'reg', attributes: sattr({ gid: 7 }) }, owner, { refusal: Nfs3Status.perm }],
  ['another owner asked for by a user', parent, { type: 'reg', attributes: sattr({ uid: 0 }) }, owner, { refusal: Nfs3Status.perm }],
  ['another owner asked for by root', parent, { type: 'reg', attributes: sattr({ uid: 1000, gid: 1000 }) }, root, { node: { type: 'reg', mode: 0o644, uid: 1000, gid: 1000 } }],
  ['a symlink is 0777 whatever is asked', parent, { type: 'lnk', attributes: sattr({ mode: 0o600 }), target: 'x' }, owner, { node: { type: 'lnk', mode: 0o777, uid: 1000, gid: 1000, target: 'x' } }],
  ['a device node by root', parent, { type: 'chr', attributes: sattr({ mode: 0o666 }), rdev: { major: 1, minor: 3 } }, root, { node: { type: 'chr', mode: 0o666, uid: 0, gid: 0, rdev: { major: 1, minor: 3 } } }],
  ['a device node by a user (no CAP_MKNOD)', parent, { type: 'blk', attributes: SATTR3_NONE, rdev: { major: 8, minor: 0 } }, owner, { refusal: Nfs3Status.perm }],
  ['a fifo by a user', parent, { type: 'fifo', attributes: SATTR3_NONE }, owner, { node: { type: 'fifo', mode: 0o644, uid: 1000, gid: 1000 } }],
  ['an exclusive create keeps its verifier', parent, { type: 'reg', attributes: SATTR3_NONE, exclusive: '0102030405060708' }, owner, { node: { type: 'reg', mode: 0o644, uid: 1000, gid: 1000, exclusive: '0102030405060708' } }],
];
for (const [name, dir, request, who, expected] of nodes) {
  test(`new node: ${name}`, () => {
    assert.deepEqual(planNewNode(dir, request, who), expected);
  });
}
