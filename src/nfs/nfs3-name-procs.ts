// NFSv3 procedures on names in a directory (RFC 1813 §3.3.3 LOOKUP, §3.3.5 READLINK, §3.3.8 CREATE, §3.3.9 MKDIR,
// §3.3.10 SYMLINK, §3.3.11 MKNOD, §3.3.12 REMOVE, §3.3.13 RMDIR, §3.3.14 RENAME, §3.3.15 LINK), both directions.
import type { XdrReader } from '../rpc/xdr-reader.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';
import { readCreatehow3, readSattr3, writeCreatehow3, writeSattr3 } from './nfs3-sattr.js';
import type { Createhow3, Sattr3 } from './nfs3-sattr.js';
import { readNfs3Result, writeNfs3Result } from './nfs3-status.js';
import type { Nfs3Result } from './nfs3-status.js';
import {
  Ftype3,
  readDiropargs3,
  readFh3,
  readFtype3,
  readNfspath3,
  readPostOpAttr,
  readPostOpFh3,
  readSpecdata3,
  readWccData,
  writeDiropargs3,
  writeFh3,
  writeNfspath3,
  writePostOpAttr,
  writePostOpFh3,
  writeSpecdata3,
  writeWccData,
} from './nfs3-types.js';
import type { Diropargs3, NfsFh3, PostOpAttr, PostOpFh3, Specdata3, WccData } from './nfs3-types.js';

// LOOKUP (§3.3.3)

export interface LookupArgs {
  readonly what: Diropargs3;
}
export interface LookupFail {
  readonly dirAttributes: PostOpAttr;
}
export type LookupRes = Nfs3Result<{ readonly object: NfsFh3; readonly objAttributes: PostOpAttr } & LookupFail, LookupFail>;

export function decodeLookupArgs(r: XdrReader): LookupArgs {
  return { what: readDiropargs3(r) };
}
export function encodeLookupArgs(w: XdrWriter, a: LookupArgs): void {
  writeDiropargs3(w, a.what);
}
const readLookupFail = (r: XdrReader): LookupFail => ({ dirAttributes: readPostOpAttr(r) });
export function decodeLookupRes(r: XdrReader): LookupRes {
  return readNfs3Result(r, (x) => ({ object: readFh3(x), objAttributes: readPostOpAttr(x), ...readLookupFail(x) }), readLookupFail);
}
export function encodeLookupRes(w: XdrWriter, res: LookupRes): void {
  writeNfs3Result(
    w,
    res,
    (x, ok) => {
      writeFh3(x, ok.object);
      writePostOpAttr(x, ok.objAttributes);
      writePostOpAttr(x, ok.dirAttributes);
    },
    (x, fail) => writePostOpAttr(x, fail.dirAttributes),
  );
}

// READLINK (§3.3.5)

export interface ReadlinkArgs {
  readonly symlink: NfsFh3;
}
export interface ReadlinkFail {
  readonly symlinkAttributes: PostOpAttr;
}
export type ReadlinkRes = Nfs3Result<ReadlinkFail & { readonly data: string }, ReadlinkFail>;

export function decodeReadlinkArgs(r: XdrReader): ReadlinkArgs {
  return { symlink: readFh3(r) };
}
export function encodeReadlinkArgs(w: XdrWriter, a: ReadlinkArgs): void {
  writeFh3(w, a.symlink);
}
const readReadlinkFail = (r: XdrReader): ReadlinkFail => ({ symlinkAttributes: readPostOpAttr(r) });
export function decodeReadlinkRes(r: XdrReader): ReadlinkRes {
  return readNfs3Result(r, (x) => ({ ...readReadlinkFail(x), data: readNfspath3(x) }), readReadlinkFail);
}
export function encodeReadlinkRes(w: XdrWriter, res: ReadlinkRes): void {
  writeNfs3Result(
    w,
    res,
    (x, ok) => {
      writePostOpAttr(x, ok.symlinkAttributes);
      writeNfspath3(x, ok.data);
    },
    (x, fail) => writePostOpAttr(x, fail.symlinkAttributes),
  );
}

// The result CREATE, MKDIR, SYMLINK and MKNOD share (§3.3.8-11).

export interface DirWcc {
  readonly dirWcc: WccData;
}
export type NewObjectRes = Nfs3Result<{ readonly obj: PostOpFh3; readonly objAttributes: PostOpAttr } & DirWcc, DirWcc>;

const readDirWcc = (r: XdrReader): DirWcc => ({ dirWcc: readWccData(r) });
const writeDirWcc = (w: XdrWriter, v: DirWcc): void => writeWccData(w, v.dirWcc);

export function decodeNewObjectRes(r: XdrReader): NewObjectRes {
  return readNfs3Result(r, (x) => ({ obj: readPostOpFh3(x), objAttributes: readPostOpAttr(x), ...readDirWcc(x) }), readDirWcc);
}
export function encodeNewObjectRes(w: XdrWriter, res: NewObjectRes): void {
  writeNfs3Result(
    w,
    res,
    (x, ok) => {
      writePostOpFh3(x, ok.obj);
      writePostOpAttr(x, ok.objAttributes);
      writeWccData(x, ok.dirWcc);
    },
    writeDirWcc,
  );
}

// CREATE (§3.3.8)

export interface CreateArgs {
  readonly where: Diropargs3;
  readonly how: Createhow3;
}
export type CreateRes = NewObjectRes;

export function decodeCreateArgs(r: XdrReader): CreateArgs {
  return { where: readDiropargs3(r), how: readCreatehow3(r) };
}
export function encodeCreateArgs(w: XdrWriter, a: CreateArgs): void {
  writeDiropargs3(w, a.where);
  writeCreatehow3(w, a.how);
}
export const decodeCreateRes = decodeNewObjectRes;
export const encodeCreateRes = encodeNewObjectRes;

// MKDIR (§3.3.9)

export interface MkdirArgs {
  readonly where: Diropargs3;
  readonly attributes: Sattr3;
}
export type MkdirRes = NewObjectRes;

export function decodeMkdirArgs(r: XdrReader): MkdirArgs {
  return { where: readDiropargs3(r), attributes: readSattr3(r) };
}
export function encodeMkdirArgs(w: XdrWriter, a: MkdirArgs): void {
  writeDiropargs3(w, a.where);
  writeSattr3(w, a.attributes);
}
export const decodeMkdirRes = decodeNewObjectRes;
export const encodeMkdirRes = encodeNewObjectRes;

// SYMLINK (§3.3.10): symlinkdata3 is flattened into the arguments.

export interface SymlinkArgs {
  readonly where: Diropargs3;
  readonly symlinkAttributes: Sattr3;
  readonly symlinkData: string;
}
export type SymlinkRes = NewObjectRes;

export function decodeSymlinkArgs(r: XdrReader): SymlinkArgs {
  return { where: readDiropargs3(r), symlinkAttributes: readSattr3(r), symlinkData: readNfspath3(r, 'symlink_data') };
}
export function encodeSymlinkArgs(w: XdrWriter, a: SymlinkArgs): void {
  writeDiropargs3(w, a.where);
  writeSattr3(w, a.symlinkAttributes);
  writeNfspath3(w, a.symlinkData);
}
export const decodeSymlinkRes = decodeNewObjectRes;
export const encodeSymlinkRes = encodeNewObjectRes;

// MKNOD (§3.3.11)

/** mknoddata3: devices carry attributes and numbers, sockets and FIFOs attributes, other types nothing. */
export type Mknoddata3 =
  | { readonly type: typeof Ftype3.chr | typeof Ftype3.blk; readonly devAttributes: Sattr3; readonly spec: Specdata3 }
  | { readonly type: typeof Ftype3.sock | typeof Ftype3.fifo; readonly pipeAttributes: Sattr3 }
  | { readonly type: typeof Ftype3.reg | typeof Ftype3.dir | typeof Ftype3.lnk };

export interface MknodArgs {
  readonly where: Diropargs3;
  readonly what: Mknoddata3;
}
export type MknodRes = NewObjectRes;

function readMknoddata3(r: XdrReader): Mknoddata3 {
  const type = readFtype3(r);
  switch (type) {
    case Ftype3.chr:
    case Ftype3.blk:
      return { type, devAttributes: readSattr3(r), spec: readSpecdata3(r) };
    case Ftype3.sock:
    case Ftype3.fifo:
      return { type, pipeAttributes: readSattr3(r) };
    default:
      return { type };
  }
}

function writeMknoddata3(w: XdrWriter, d: Mknoddata3): void {
  w.enum(d.type);
  if ('devAttributes' in d) {
    writeSattr3(w, d.devAttributes);
    writeSpecdata3(w, d.spec);
  } else if ('pipeAttributes' in d) {
    writeSattr3(w, d.pipeAttributes);
  }
}

export function decodeMknodArgs(r: XdrReader): MknodArgs {
  return { where: readDiropargs3(r), what: readMknoddata3(r) };
}
export function encodeMknodArgs(w: XdrWriter, a: MknodArgs): void {
  writeDiropargs3(w, a.where);
  writeMknoddata3(w, a.what);
}
export const decodeMknodRes = decodeNewObjectRes;
export const encodeMknodRes = encodeNewObjectRes;

// REMOVE (§3.3.12) and RMDIR (§3.3.13)

export interface RemoveArgs {
  readonly object: Diropargs3;
}
export type RemoveRes = Nfs3Result<DirWcc, DirWcc>;
export type RmdirArgs = RemoveArgs;
export type RmdirRes = RemoveRes;

export function decodeRemoveArgs(r: XdrReader): RemoveArgs {
  return { object: readDiropargs3(r) };
}
export function encodeRemoveArgs(w: XdrWriter, a: RemoveArgs): void {
  writeDiropargs3(w, a.object);
}
export function decodeRemoveRes(r: XdrReader): RemoveRes {
  return readNfs3Result(r, readDirWcc, readDirWcc);
}
export function encodeRemoveRes(w: XdrWriter, res: RemoveRes): void {
  writeNfs3Result(w, res, writeDirWcc, writeDirWcc);
}
export const decodeRmdirArgs = decodeRemoveArgs;
export const encodeRmdirArgs = encodeRemoveArgs;
export const decodeRmdirRes = decodeRemoveRes;
export const encodeRmdirRes = encodeRemoveRes;

// RENAME (§3.3.14)

export interface RenameArgs {
  readonly from: Diropargs3;
  readonly to: Diropargs3;
}
export interface RenameWcc {
  readonly fromdirWcc: WccData;
  readonly todirWcc: WccData;
}
export type RenameRes = Nfs3Result<RenameWcc, RenameWcc>;

export function decodeRenameArgs(r: XdrReader): RenameArgs {
  return { from: readDiropargs3(r), to: readDiropargs3(r) };
}
export function encodeRenameArgs(w: XdrWriter, a: RenameArgs): void {
  writeDiropargs3(w, a.from);
  writeDiropargs3(w, a.to);
}
const readRenameWcc = (r: XdrReader): RenameWcc => ({ fromdirWcc: readWccData(r), todirWcc: readWccData(r) });
const writeRenameWcc = (w: XdrWriter, v: RenameWcc): void => {
  writeWccData(w, v.fromdirWcc);
  writeWccData(w, v.todirWcc);
};
export function decodeRenameRes(r: XdrReader): RenameRes {
  return readNfs3Result(r, readRenameWcc, readRenameWcc);
}
export function encodeRenameRes(w: XdrWriter, res: RenameRes): void {
  writeNfs3Result(w, res, writeRenameWcc, writeRenameWcc);
}

// LINK (§3.3.15)

export interface LinkArgs {
  readonly file: NfsFh3;
  readonly link: Diropargs3;
}
export interface LinkWcc {
  readonly fileAttributes: PostOpAttr;
  readonly linkdirWcc: WccData;
}
export type LinkRes = Nfs3Result<LinkWcc, LinkWcc>;

export function decodeLinkArgs(r: XdrReader): LinkArgs {
  return { file: readFh3(r), link: readDiropargs3(r) };
}
export function encodeLinkArgs(w: XdrWriter, a: LinkArgs): void {
  writeFh3(w, a.file);
  writeDiropargs3(w, a.link);
}
const readLinkWcc = (r: XdrReader): LinkWcc => ({ fileAttributes: readPostOpAttr(r), linkdirWcc: readWccData(r) });
const writeLinkWcc = (w: XdrWriter, v: LinkWcc): void => {
  writePostOpAttr(w, v.fileAttributes);
  writeWccData(w, v.linkdirWcc);
};
export function decodeLinkRes(r: XdrReader): LinkRes {
  return readNfs3Result(r, readLinkWcc, readLinkWcc);
}
export function encodeLinkRes(w: XdrWriter, res: LinkRes): void {
  writeNfs3Result(w, res, writeLinkWcc, writeLinkWcc);
}
