// NFSv3 basic data types (RFC 1813 §2.5, §2.6): file handles, times, attributes and their weak-cache-consistency forms.
//
// Decisions:
// - fileid, fsid and cookies are bigint (all 64 bits are used by real servers); file sizes and offsets are
//   numbers read with uhyperNumber(), so a size above 2^53 - 1 fails with UNSAFE_INTEGER instead of rounding.
// - Handles and verifiers are views of the input, never copies.
// - RFC 1813 leaves filename3 and nfspath3 unbounded; like Linux's nfsd we refuse names over 255 bytes and
//   paths over 4096 bytes (TOO_LONG) before anything is allocated.
// - Sizes of encoded items are computed here (…Size functions) so READDIR replies can be cut to the client's count.
import { XdrDecodeError } from '../rpc/xdr-error.js';
import { padded } from '../rpc/xdr-reader.js';
import type { XdrReader } from '../rpc/xdr-reader.js';
import { KeptBytes } from '../net/kept-bytes.js';
import { XdrWriter } from '../rpc/xdr-writer.js';

export const NFS3_FHSIZE = 64;
export const NFS3_COOKIEVERFSIZE = 8;
export const NFS3_CREATEVERFSIZE = 8;
export const NFS3_WRITEVERFSIZE = 8;
export const NFS3_MAXNAMLEN = 255;
export const NFS3_MAXPATHLEN = 4096;

export const Ftype3 = { reg: 1, dir: 2, blk: 3, chr: 4, lnk: 5, sock: 6, fifo: 7 } as const;
export type Ftype3Value = (typeof Ftype3)[keyof typeof Ftype3];
export const FTYPE3_VALUES: ReadonlySet<Ftype3Value> = new Set(Object.values(Ftype3));

const ftypeNames = new Map<number, string>(Object.entries(Ftype3).map(([name, v]) => [v, `NF3${name.toUpperCase()}`]));
export function ftype3Name(type: number): string {
  return ftypeNames.get(type) ?? `ftype3 ${type}`;
}

/** stable_how (RFC 1813 §3.3.7). */
export const StableHow = { unstable: 0, dataSync: 1, fileSync: 2 } as const;
export type StableHowValue = (typeof StableHow)[keyof typeof StableHow];
export const STABLE_HOW_VALUES: ReadonlySet<StableHowValue> = new Set(Object.values(StableHow));

/** ACCESS3_* bits (RFC 1813 §3.3.4). */
export const Access3 = { read: 0x01, lookup: 0x02, modify: 0x04, extend: 0x08, delete: 0x10, execute: 0x20 } as const;

/** FSINFO properties bits (RFC 1813 §3.3.19). */
export const FsfProperty = { link: 0x0001, symlink: 0x0002, homogeneous: 0x0008, canSetTime: 0x0010 } as const;

export interface Specdata3 {
  readonly specdata1: number;
  readonly specdata2: number;
}

export interface Nfstime3 {
  readonly seconds: number;
  readonly nseconds: number;
}

export interface Fattr3 {
  readonly type: Ftype3Value;
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly used: number;
  readonly rdev: Specdata3;
  readonly fsid: bigint;
  readonly fileid: bigint;
  readonly atime: Nfstime3;
  readonly mtime: Nfstime3;
  readonly ctime: Nfstime3;
}

/** post_op_attr: attributes when the server has them, null when it does not. */
export type PostOpAttr = Fattr3 | null;

export interface WccAttr {
  readonly size: number;
  readonly mtime: Nfstime3;
  readonly ctime: Nfstime3;
}

export type PreOpAttr = WccAttr | null;

export interface WccData {
  readonly before: PreOpAttr;
  readonly after: PostOpAttr;
}

/** nfs_fh3: the handle's bytes (at most 64), a view of the input when decoded. */
export type NfsFh3 = Uint8Array;

export type PostOpFh3 = NfsFh3 | null;

export interface Diropargs3 {
  readonly dir: NfsFh3;
  readonly name: string;
}

/** A WCC reply with nothing known about before or after (what a server sends when it has neither). */
export const EMPTY_WCC: WccData = Object.freeze({ before: null, after: null });

export function readSpecdata3(r: XdrReader): Specdata3 {
  return { specdata1: r.uint(), specdata2: r.uint() };
}

export function writeSpecdata3(w: XdrWriter, s: Specdata3): void {
  w.uint(s.specdata1).uint(s.specdata2);
}

export function readNfstime3(r: XdrReader): Nfstime3 {
  return { seconds: r.uint(), nseconds: r.uint() };
}

export function writeNfstime3(w: XdrWriter, t: Nfstime3): void {
  w.uint(t.seconds).uint(t.nseconds);
}

export function readFh3(r: XdrReader): NfsFh3 {
  return r.opaque(NFS3_FHSIZE, 'nfs_fh3');
}

export function writeFh3(w: XdrWriter, fh: NfsFh3): void {
  if (fh.length > NFS3_FHSIZE) throw new RangeError(`nfs_fh3 of ${fh.length} bytes is above ${NFS3_FHSIZE}`);
  w.opaque(fh);
}

export function fh3Size(fh: NfsFh3): number {
  return 4 + padded(fh.length);
}

export function readFilename3(r: XdrReader, what = 'filename3'): string {
  return r.string(NFS3_MAXNAMLEN, what);
}

export function writeFilename3(w: XdrWriter, name: string): void {
  const length = Buffer.byteLength(name, 'utf8');
  if (length > NFS3_MAXNAMLEN) throw new RangeError(`filename3 of ${length} bytes is above ${NFS3_MAXNAMLEN}`);
  w.string(name);
}

export function filename3Size(name: string): number {
  return 4 + padded(Buffer.byteLength(name, 'utf8'));
}

export function readNfspath3(r: XdrReader, what = 'nfspath3'): string {
  return r.string(NFS3_MAXPATHLEN, what);
}

export function writeNfspath3(w: XdrWriter, path: string): void {
  const length = Buffer.byteLength(path, 'utf8');
  if (length > NFS3_MAXPATHLEN) throw new RangeError(`nfspath3 of ${length} bytes is above ${NFS3_MAXPATHLEN}`);
  w.string(path);
}

export function readFtype3(r: XdrReader): Ftype3Value {
  return r.enumOf(FTYPE3_VALUES, 'ftype3');
}

export function readFattr3(r: XdrReader): Fattr3 {
  return {
    type: readFtype3(r),
    mode: r.uint(),
    nlink: r.uint(),
    uid: r.uint(),
    gid: r.uint(),
    size: r.uhyperNumber(),
    used: r.uhyperNumber(),
    rdev: readSpecdata3(r),
    fsid: r.uhyper(),
    fileid: r.uhyper(),
    atime: readNfstime3(r),
    mtime: readNfstime3(r),
    ctime: readNfstime3(r),
  };
}

// Encoded once per object: a server hands out the same Fattr3 while a file's attributes hold (fattr.ts), and a
// listing writes it again and again. Fattr3 is read-only, so the bytes cannot go out of date. They live as long
// as the attributes they were made from, so they are cut from slabs of kept bytes.
const fattr3Bytes = new WeakMap<Fattr3, Buffer>();
const keptFattr3 = new KeptBytes();

export function writeFattr3(w: XdrWriter, a: Fattr3): void {
  let bytes = fattr3Bytes.get(a);
  if (bytes === undefined) {
    const x = new XdrWriter(FATTR3_SIZE);
    encodeFattr3(x, a);
    bytes = keptFattr3.copyOf(x.toBuffer());
    fattr3Bytes.set(a, bytes);
  }
  w.raw(bytes);
}

function encodeFattr3(w: XdrWriter, a: Fattr3): void {
  w.enum(a.type).uint(a.mode).uint(a.nlink).uint(a.uid).uint(a.gid).uhyper(a.size).uhyper(a.used);
  writeSpecdata3(w, a.rdev);
  w.uhyper(a.fsid).uhyper(a.fileid);
  writeNfstime3(w, a.atime);
  writeNfstime3(w, a.mtime);
  writeNfstime3(w, a.ctime);
}

/** fattr3 is fixed: 5 words, 2 hypers, specdata3, 2 hypers, 3 nfstime3. */
export const FATTR3_SIZE = 84;

export function readPostOpAttr(r: XdrReader): PostOpAttr {
  return r.optional(readFattr3);
}

export function writePostOpAttr(w: XdrWriter, a: PostOpAttr): void {
  w.optional(a, writeFattr3);
}

export function postOpAttrSize(a: PostOpAttr): number {
  return a === null ? 4 : 4 + FATTR3_SIZE;
}

export function readWccAttr(r: XdrReader): WccAttr {
  return { size: r.uhyperNumber(), mtime: readNfstime3(r), ctime: readNfstime3(r) };
}

export function writeWccAttr(w: XdrWriter, a: WccAttr): void {
  w.uhyper(a.size);
  writeNfstime3(w, a.mtime);
  writeNfstime3(w, a.ctime);
}

export function readWccData(r: XdrReader): WccData {
  return { before: r.optional(readWccAttr), after: readPostOpAttr(r) };
}

export function writeWccData(w: XdrWriter, d: WccData): void {
  w.optional(d.before, writeWccAttr);
  writePostOpAttr(w, d.after);
}

export function readPostOpFh3(r: XdrReader): PostOpFh3 {
  return r.optional(readFh3);
}

export function writePostOpFh3(w: XdrWriter, fh: PostOpFh3): void {
  w.optional(fh, writeFh3);
}

export function postOpFh3Size(fh: PostOpFh3): number {
  return fh === null ? 4 : 4 + fh3Size(fh);
}

export function readDiropargs3(r: XdrReader): Diropargs3 {
  return { dir: readFh3(r), name: readFilename3(r) };
}

export function writeDiropargs3(w: XdrWriter, d: Diropargs3): void {
  writeFh3(w, d.dir);
  writeFilename3(w, d.name);
}

export function readStableHow(r: XdrReader): StableHowValue {
  return r.enumOf(STABLE_HOW_VALUES, 'stable_how');
}

/** writeverf3, cookieverf3, createverf3: opaque[8], a view of the input. */
export function readVerf8(r: XdrReader, what: string): Uint8Array {
  return r.fixedOpaque(8, what);
}

export function writeVerf8(w: XdrWriter, verf: Uint8Array, what: string): void {
  if (verf.length !== 8) throw new RangeError(`${what} must be 8 bytes, not ${verf.length}`);
  w.fixedOpaque(verf);
}

/**
 * An offset and a byte count read as numbers whose sum is still exact, so a server can compute the end of a
 * READ, WRITE or COMMIT range without rounding (UNSAFE_INTEGER otherwise).
 */
export function checkRangeEnd(offset: number, count: number, at: number, what: string): void {
  if (offset + count > Number.MAX_SAFE_INTEGER) {
    throw new XdrDecodeError('UNSAFE_INTEGER', `${what}: offset ${offset} + count ${count} is above 2^53 - 1`, at);
  }
}
