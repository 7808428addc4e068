// A view's FileAttributes as NFSv3 puts them on the wire (RFC 1813 §2.5 fattr3, nfstime3, §2.6 wcc_attr/wcc_data): pure.
import type { FileAttributes } from './view/view.js';
import { Ftype3, type Fattr3, type Nfstime3, type WccAttr, type WccData } from './nfs3-types.js';

const NS_PER_SECOND = 1_000_000_000n;
const MAX_SECONDS = 0xffff_ffffn;

/**
 * nfstime3 has unsigned 32-bit seconds: a time before 1970 goes out as the epoch and one after 2106 as the last
 * second it can hold, rather than wrapping into a time that lies about order.
 */
export function nfstime3FromNs(ns: bigint): Nfstime3 {
  if (ns <= 0n) return { seconds: 0, nseconds: 0 };
  const seconds = ns / NS_PER_SECOND;
  if (seconds > MAX_SECONDS) return { seconds: Number(MAX_SECONDS), nseconds: 999_999_999 };
  return { seconds: Number(seconds), nseconds: Number(ns % NS_PER_SECOND) };
}

export function nsFromNfstime3(t: Nfstime3): bigint {
  return BigInt(t.seconds) * NS_PER_SECOND + BigInt(t.nseconds);
}

export function sameNfstime3(a: Nfstime3, b: Nfstime3): boolean {
  return a.seconds === b.seconds && a.nseconds === b.nseconds;
}

/**
 * Sizes become numbers because the codecs carry them so; above 2^53 they round, which only a sparse file of
 * more than 8 PiB would show.
 */
// By attributes object: views hand out the same object while a file's attributes hold, and a listing asks
// for the same fattr3 again and again; the BigInt arithmetic below is most of an entry's cost.
const made = new WeakMap<FileAttributes, Fattr3>();

export function toFattr3(a: FileAttributes, fsid: bigint): Fattr3 {
  const kept = made.get(a);
  if (kept !== undefined && kept.fsid === fsid) return kept;
  const fattr = fattr3Of(a, fsid);
  made.set(a, fattr);
  return fattr;
}

function fattr3Of(a: FileAttributes, fsid: bigint): Fattr3 {
  return {
    type: Ftype3[a.type],
    mode: a.mode & 0o7777,
    nlink: a.nlink,
    uid: a.uid,
    gid: a.gid,
    size: Number(a.size),
    used: Number(a.used),
    rdev: { specdata1: a.rdev.major, specdata2: a.rdev.minor },
    fsid,
    fileid: a.fileId,
    atime: nfstime3FromNs(a.atimeNs),
    mtime: nfstime3FromNs(a.mtimeNs),
    ctime: nfstime3FromNs(a.ctimeNs),
  };
}

/** wcc_attr: what a client compares with its cache to tell whether only its own change happened. */
export function wccAttrOf(a: FileAttributes): WccAttr {
  return { size: Number(a.size), mtime: nfstime3FromNs(a.mtimeNs), ctime: nfstime3FromNs(a.ctimeNs) };
}

/** wcc_data from the attributes before a change and after it, either unknown (null). */
export function wccData(before: FileAttributes | null, after: FileAttributes | null, fsid: bigint): WccData {
  return { before: before === null ? null : wccAttrOf(before), after: after === null ? null : toFattr3(after, fsid) };
}
