// Sample values for every NFSv3 procedure's arguments and results (RFC 1813 §3.3), covering every union arm:
// round-trip tests walk them, and the READDIR tests build directories from the same pieces.
import { Ftype3, StableHow } from '../../src/nfs/nfs3-types.js';
import type { Fattr3, WccData } from '../../src/nfs/nfs3-types.js';
import { SATTR3_NONE } from '../../src/nfs/nfs3-sattr.js';
import type { Sattr3 } from '../../src/nfs/nfs3-sattr.js';
import { Nfs3Status } from '../../src/nfs/nfs3-status.js';
import type { Nfs3Args, Nfs3Res } from '../../src/nfs/nfs3-procedures.js';
import type { Nfs3ProcName } from '../../src/nfs/nfs3-program.js';

export const fh = (n: number, length = 28): Buffer => Buffer.alloc(length, n);
export const verf = (n: number): Buffer => Buffer.alloc(8, n);

export const fattr: Fattr3 = {
  type: Ftype3.reg,
  mode: 0o100644,
  nlink: 1,
  uid: 1000,
  gid: 0xffff_fffe,
  size: 2 ** 40 + 3,
  used: 4096,
  rdev: { specdata1: 8, specdata2: 1 },
  fsid: 0xffff_ffff_ffff_fff0n,
  fileid: 0x8000_0000_0000_0001n,
  atime: { seconds: 1, nseconds: 999_999_999 },
  mtime: { seconds: 0xffff_ffff, nseconds: 0 },
  ctime: { seconds: 1_700_000_000, nseconds: 5 },
};

export const wcc: WccData = { before: { size: 12, mtime: fattr.mtime, ctime: fattr.ctime }, after: fattr };
const wccVariants: WccData[] = [wcc, { before: null, after: null }, { before: wcc.before, after: null }, { before: null, after: fattr }];

export const sattrVariants: Sattr3[] = [
  SATTR3_NONE,
  { mode: 0o4755, uid: 0, gid: 0xffff_ffff, size: Number.MAX_SAFE_INTEGER, atime: { how: 'server' }, mtime: { how: 'client', time: { seconds: 7, nseconds: 8 } } },
  { ...SATTR3_NONE, atime: { how: 'client', time: { seconds: 1, nseconds: 2 } }, mtime: { how: 'server' } },
  { ...SATTR3_NONE, size: 0 },
];

type Samples = { readonly [P in Nfs3ProcName]: { readonly args: readonly Nfs3Args<P>[]; readonly res: readonly Nfs3Res<P>[] } };

const where = { dir: fh(1), name: 'naïve name.txt' };
const attrFail = [{ status: Nfs3Status.stale, objAttributes: null }, { status: Nfs3Status.acces, objAttributes: fattr }] as const;
const newObject = [
  { status: Nfs3Status.ok, obj: fh(9, 64), objAttributes: fattr, dirWcc: wcc },
  { status: Nfs3Status.ok, obj: null, objAttributes: null, dirWcc: wccVariants[1]! },
  { status: Nfs3Status.exist, dirWcc: wcc },
] as const;

export const SAMPLES: Samples = {
  null: { args: [null], res: [null] },
  getattr: {
    args: [{ object: fh(1) }, { object: fh(2, 0) }, { object: fh(3, 64) }],
    res: [{ status: Nfs3Status.ok, objAttributes: fattr }, { status: Nfs3Status.badhandle }],
  },
  setattr: {
    args: sattrVariants.map((s, i) => ({ object: fh(i), newAttributes: s, guard: i % 2 === 0 ? null : { seconds: i, nseconds: 3 } })),
    res: [...wccVariants.map((w) => ({ status: Nfs3Status.ok, objWcc: w })), { status: Nfs3Status.notSync, objWcc: wcc }],
  },
  lookup: {
    args: [{ what: where }, { what: { dir: fh(2), name: '' } }, { what: { dir: fh(2), name: 'x'.repeat(255) } }],
    res: [
      { status: Nfs3Status.ok, object: fh(5), objAttributes: fattr, dirAttributes: null },
      { status: Nfs3Status.ok, object: fh(5, 1), objAttributes: null, dirAttributes: fattr },
      { status: Nfs3Status.noent, dirAttributes: fattr },
    ],
  },
  access: {
    args: [{ object: fh(1), access: 0x3f }],
    res: [{ status: Nfs3Status.ok, objAttributes: fattr, access: 0x1 }, ...attrFail],
  },
  readlink: {
    args: [{ symlink: fh(4) }],
    res: [{ status: Nfs3Status.ok, symlinkAttributes: null, data: '../a/b' }, { status: Nfs3Status.inval, symlinkAttributes: fattr }],
  },
  read: {
    args: [{ file: fh(1), offset: 0, count: 0 }, { file: fh(1), offset: Number.MAX_SAFE_INTEGER - 10, count: 10 }],
    res: [
      { status: Nfs3Status.ok, fileAttributes: fattr, eof: false, data: Buffer.alloc(1000, 7) },
      { status: Nfs3Status.ok, fileAttributes: null, eof: true, data: Buffer.from('abc') },
      { status: Nfs3Status.isdir, fileAttributes: fattr },
    ],
  },
  write: {
    args: [
      { file: fh(1), offset: 5, stable: StableHow.unstable, data: Buffer.alloc(4097, 1) },
      { file: fh(1), offset: 0, stable: StableHow.dataSync, data: Buffer.alloc(0) },
      { file: fh(1), offset: 1, stable: StableHow.fileSync, data: Buffer.from('xy') },
    ],
    res: [
      { status: Nfs3Status.ok, fileWcc: wcc, count: 4097, committed: StableHow.fileSync, verf: verf(3) },
      { status: Nfs3Status.nospc, fileWcc: wccVariants[2]! },
    ],
  },
  create: {
    args: [
      { where, how: { mode: 'unchecked', attributes: sattrVariants[1]! } },
      { where, how: { mode: 'guarded', attributes: SATTR3_NONE } },
      { where, how: { mode: 'exclusive', verf: verf(0xee) } },
    ],
    res: newObject,
  },
  mkdir: { args: sattrVariants.map((attributes) => ({ where, attributes })), res: newObject },
  symlink: { args: [{ where, symlinkAttributes: sattrVariants[2]!, symlinkData: '/target/of/link' }], res: newObject },
  mknod: {
    args: [
      { where, what: { type: Ftype3.chr, devAttributes: sattrVariants[1]!, spec: { specdata1: 1, specdata2: 3 } } },
      { where, what: { type: Ftype3.blk, devAttributes: SATTR3_NONE, spec: { specdata1: 8, specdata2: 0 } } },
      { where, what: { type: Ftype3.sock, pipeAttributes: SATTR3_NONE } },
      { where, what: { type: Ftype3.fifo, pipeAttributes: sattrVariants[3]! } },
      { where, what: { type: Ftype3.reg } },
      { where, what: { type: Ftype3.dir } },
      { where, what: { type: Ftype3.lnk } },
    ],
    res: newObject,
  },
  remove: { args: [{ object: where }], res: [{ status: Nfs3Status.ok, dirWcc: wcc }, { status: Nfs3Status.noent, dirWcc: wccVariants[3]! }] },
  rmdir: { args: [{ object: where }], res: [{ status: Nfs3Status.ok, dirWcc: wcc }, { status: Nfs3Status.notempty, dirWcc: wcc }] },
  rename: {
    args: [{ from: where, to: { dir: fh(2), name: 'new' } }],
    res: [
      { status: Nfs3Status.ok, fromdirWcc: wcc, todirWcc: wccVariants[1]! },
      { status: Nfs3Status.xdev, fromdirWcc: wccVariants[2]!, todirWcc: wcc },
    ],
  },
  link: {
    args: [{ file: fh(3), link: where }],
    res: [{ status: Nfs3Status.ok, fileAttributes: fattr, linkdirWcc: wcc }, { status: Nfs3Status.mlink, fileAttributes: null, linkdirWcc: wcc }],
  },
  readdir: {
    args: [{ dir: fh(1), cookie: 0xffff_ffff_ffff_ffffn, cookieverf: verf(1), count: 4096 }],
    res: [
      {
        status: Nfs3Status.ok,
        dirAttributes: fattr,
        cookieverf: verf(2),
        entries: [{ fileid: 1n, name: '.', cookie: 1n }, { fileid: 2n ** 64n - 1n, name: 'ünïcode', cookie: 2n }],
        eof: true,
      },
      { status: Nfs3Status.ok, dirAttributes: null, cookieverf: verf(0), entries: [], eof: false },
      { status: Nfs3Status.badCookie, dirAttributes: null },
    ],
  },
  readdirplus: {
    args: [{ dir: fh(1), cookie: 3n, cookieverf: verf(1), dircount: 512, maxcount: 32768 }],
    res: [
      {
        status: Nfs3Status.ok,
        dirAttributes: fattr,
        cookieverf: verf(2),
        entries: [
          { fileid: 1n, name: 'a', cookie: 1n, nameAttributes: fattr, nameHandle: fh(4) },
          { fileid: 2n, name: 'bb', cookie: 2n, nameAttributes: null, nameHandle: null },
        ],
        eof: false,
      },
      { status: Nfs3Status.notsupp, dirAttributes: fattr },
    ],
  },
  fsstat: {
    args: [{ fsroot: fh(1) }],
    res: [
      { status: Nfs3Status.ok, objAttributes: fattr, tbytes: 2n ** 64n - 1n, fbytes: 1n, abytes: 0n, tfiles: 5n, ffiles: 4n, afiles: 3n, invarsec: 0 },
      ...attrFail,
    ],
  },
  fsinfo: {
    args: [{ fsroot: fh(1) }],
    res: [
      {
        status: Nfs3Status.ok,
        objAttributes: null,
        rtmax: 1048576,
        rtpref: 1048576,
        rtmult: 4096,
        wtmax: 1048576,
        wtpref: 1048576,
        wtmult: 4096,
        dtpref: 65536,
        maxfilesize: 2n ** 63n - 1n,
        timeDelta: { seconds: 0, nseconds: 1 },
        properties: 0x1b,
      },
      ...attrFail,
    ],
  },
  pathconf: {
    args: [{ object: fh(1) }],
    res: [
      { status: Nfs3Status.ok, objAttributes: fattr, linkmax: 65000, nameMax: 255, noTrunc: true, chownRestricted: false, caseInsensitive: true, casePreserving: false },
      ...attrFail,
    ],
  },
  commit: {
    args: [{ file: fh(1), offset: 0, count: 0 }, { file: fh(1), offset: 2 ** 52, count: 0xffff_ffff }],
    res: [{ status: Nfs3Status.ok, fileWcc: wcc, verf: verf(9) }, { status: Nfs3Status.io, fileWcc: wccVariants[1]! }],
  },
};
