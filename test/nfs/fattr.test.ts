// FileAttributes as fattr3, nfstime3 and wcc data (RFC 1813 §2.5-2.6): case tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nfstime3FromNs, nsFromNfstime3, sameNfstime3, toFattr3, wccAttrOf, wccData } from '../../src/nfs/fattr.js';
import { Ftype3 } from '../../src/nfs/nfs3-types.js';
import type { FileAttributes } from '../../src/nfs/view/view.js';

const times: ReadonlyArray<[string, bigint, { seconds: number; nseconds: number }]> = [
  ['the epoch', 0n, { seconds: 0, nseconds: 0 }],
  ['one and a half seconds', 1_500_000_000n, { seconds: 1, nseconds: 500_000_000 }],
  ['a recent time to the nanosecond', 1_764_000_000_123_456_789n, { seconds: 1_764_000_000, nseconds: 123_456_789 }],
  ['before 1970: the epoch, not a wrapped future', -5n, { seconds: 0, nseconds: 0 }],
  ['the last second nfstime3 holds', 0xffff_ffffn * 1_000_000_000n + 7n, { seconds: 0xffff_ffff, nseconds: 7 }],
  ['after 2106: the last second, not a wrapped past', 0x1_0000_0000n * 1_000_000_000n, { seconds: 0xffff_ffff, nseconds: 999_999_999 }],
];
for (const [name, ns, expected] of times) {
  test(`nfstime3 of ${name}`, () => {
    assert.deepEqual(nfstime3FromNs(ns), expected);
  });
}

test('nfstime3 back to nanoseconds, and equality to the nanosecond', () => {
  assert.equal(nsFromNfstime3({ seconds: 1_764_000_000, nseconds: 123_456_789 }), 1_764_000_000_123_456_789n);
  assert.ok(sameNfstime3({ seconds: 3, nseconds: 4 }, { seconds: 3, nseconds: 4 }));
  assert.ok(!sameNfstime3({ seconds: 3, nseconds: 4 }, { seconds: 3, nseconds: 5 }));
});

const device: FileAttributes = {
  type: 'chr',
  mode: 0o100666,
  nlink: 1,
  uid: 0,
  gid: 5,
  size: 0n,
  used: 0n,
  rdev: { major: 136, minor: 3 },
  fileId: 0x8000_0000_0000_0042n,
  atimeNs: 1_000_000_001n,
  mtimeNs: 2_000_000_002n,
  ctimeNs: 3_000_000_003n,
};

test('fattr3: type code, mode without type bits, rdev as specdata, the export fsid, 64-bit file id', () => {
  assert.deepEqual(toFattr3(device, 77n), {
    type: Ftype3.chr,
    mode: 0o666,
    nlink: 1,
    uid: 0,
    gid: 5,
    size: 0,
    used: 0,
    rdev: { specdata1: 136, specdata2: 3 },
    fsid: 77n,
    fileid: 0x8000_0000_0000_0042n,
    atime: { seconds: 1, nseconds: 1 },
    mtime: { seconds: 2, nseconds: 2 },
    ctime: { seconds: 3, nseconds: 3 },
  });
  for (const type of ['reg', 'dir', 'blk', 'lnk', 'sock', 'fifo'] as const) assert.equal(toFattr3({ ...device, type }, 1n).type, Ftype3[type]);
});

test('wcc: size and times before, full attributes after, either unknown', () => {
  const file: FileAttributes = { ...device, type: 'reg', size: 4096n };
  assert.deepEqual(wccAttrOf(file), { size: 4096, mtime: { seconds: 2, nseconds: 2 }, ctime: { seconds: 3, nseconds: 3 } });
  assert.deepEqual(wccData(file, file, 9n), { before: wccAttrOf(file), after: toFattr3(file, 9n) });
  assert.deepEqual(wccData(null, file, 9n), { before: null, after: toFattr3(file, 9n) });
  assert.deepEqual(wccData(file, null, 9n), { before: wccAttrOf(file), after: null });
});
