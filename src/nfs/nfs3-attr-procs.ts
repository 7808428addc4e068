// NFSv3 attribute and file-system procedures (RFC 1813 §3.3.1 GETATTR, §3.3.2 SETATTR, §3.3.4 ACCESS,
// §3.3.18 FSSTAT, §3.3.19 FSINFO, §3.3.20 PATHCONF): arguments and results, both directions.
import type { XdrReader } from '../rpc/xdr-reader.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';
import { readSattr3, readSattrguard3, writeSattr3, writeSattrguard3 } from './nfs3-sattr.js';
import type { Sattr3, Sattrguard3 } from './nfs3-sattr.js';
import { readNfs3Result, writeNfs3Result } from './nfs3-status.js';
import type { Nfs3Result } from './nfs3-status.js';
import {
  readFattr3,
  readFh3,
  readNfstime3,
  readPostOpAttr,
  readWccData,
  writeFattr3,
  writeFh3,
  writeNfstime3,
  writePostOpAttr,
  writeWccData,
} from './nfs3-types.js';
import type { Fattr3, NfsFh3, Nfstime3, PostOpAttr, WccData } from './nfs3-types.js';

/** The failure arm of the many results that carry only the object's attributes. */
export interface ObjAttributes {
  readonly objAttributes: PostOpAttr;
}

export interface ObjWcc {
  readonly objWcc: WccData;
}

const readObjAttributes = (r: XdrReader): ObjAttributes => ({ objAttributes: readPostOpAttr(r) });
const writeObjAttributes = (w: XdrWriter, f: ObjAttributes): void => writePostOpAttr(w, f.objAttributes);
const readNothing = (): Record<never, never> => ({});
const writeNothing = (): void => {};

// GETATTR (§3.3.1)

export interface GetattrArgs {
  readonly object: NfsFh3;
}
export type GetattrRes = Nfs3Result<{ readonly objAttributes: Fattr3 }, Record<never, never>>;

export function decodeGetattrArgs(r: XdrReader): GetattrArgs {
  return { object: readFh3(r) };
}
export function encodeGetattrArgs(w: XdrWriter, a: GetattrArgs): void {
  writeFh3(w, a.object);
}
export function decodeGetattrRes(r: XdrReader): GetattrRes {
  return readNfs3Result(r, (x) => ({ objAttributes: readFattr3(x) }), readNothing);
}
export function encodeGetattrRes(w: XdrWriter, res: GetattrRes): void {
  writeNfs3Result(w, res, (x, ok) => writeFattr3(x, ok.objAttributes), writeNothing);
}

// SETATTR (§3.3.2)

export interface SetattrArgs {
  readonly object: NfsFh3;
  readonly newAttributes: Sattr3;
  readonly guard: Sattrguard3;
}
export type SetattrRes = Nfs3Result<ObjWcc, ObjWcc>;

export function decodeSetattrArgs(r: XdrReader): SetattrArgs {
  return { object: readFh3(r), newAttributes: readSattr3(r), guard: readSattrguard3(r) };
}
export function encodeSetattrArgs(w: XdrWriter, a: SetattrArgs): void {
  writeFh3(w, a.object);
  writeSattr3(w, a.newAttributes);
  writeSattrguard3(w, a.guard);
}
const readObjWcc = (r: XdrReader): ObjWcc => ({ objWcc: readWccData(r) });
const writeObjWcc = (w: XdrWriter, v: ObjWcc): void => writeWccData(w, v.objWcc);
export function decodeSetattrRes(r: XdrReader): SetattrRes {
  return readNfs3Result(r, readObjWcc, readObjWcc);
}
export function encodeSetattrRes(w: XdrWriter, res: SetattrRes): void {
  writeNfs3Result(w, res, writeObjWcc, writeObjWcc);
}

// ACCESS (§3.3.4)

export interface AccessArgs {
  readonly object: NfsFh3;
  /** ACCESS3_* bits asked about. */
  readonly access: number;
}
export type AccessRes = Nfs3Result<ObjAttributes & { readonly access: number }, ObjAttributes>;

export function decodeAccessArgs(r: XdrReader): AccessArgs {
  return { object: readFh3(r), access: r.uint() };
}
export function encodeAccessArgs(w: XdrWriter, a: AccessArgs): void {
  writeFh3(w, a.object);
  w.uint(a.access);
}
export function decodeAccessRes(r: XdrReader): AccessRes {
  return readNfs3Result(r, (x) => ({ ...readObjAttributes(x), access: x.uint() }), readObjAttributes);
}
export function encodeAccessRes(w: XdrWriter, res: AccessRes): void {
  writeNfs3Result(
    w,
    res,
    (x, ok) => {
      writeObjAttributes(x, ok);
      x.uint(ok.access);
    },
    writeObjAttributes,
  );
}

// FSSTAT (§3.3.18)

export interface FsstatArgs {
  readonly fsroot: NfsFh3;
}
export interface FsstatOk extends ObjAttributes {
  readonly tbytes: bigint;
  readonly fbytes: bigint;
  readonly abytes: bigint;
  readonly tfiles: bigint;
  readonly ffiles: bigint;
  readonly afiles: bigint;
  readonly invarsec: number;
}
export type FsstatRes = Nfs3Result<FsstatOk, ObjAttributes>;

export function decodeFsstatArgs(r: XdrReader): FsstatArgs {
  return { fsroot: readFh3(r) };
}
export function encodeFsstatArgs(w: XdrWriter, a: FsstatArgs): void {
  writeFh3(w, a.fsroot);
}
export function decodeFsstatRes(r: XdrReader): FsstatRes {
  return readNfs3Result(
    r,
    (x): FsstatOk => ({
      ...readObjAttributes(x),
      tbytes: x.uhyper(),
      fbytes: x.uhyper(),
      abytes: x.uhyper(),
      tfiles: x.uhyper(),
      ffiles: x.uhyper(),
      afiles: x.uhyper(),
      invarsec: x.uint(),
    }),
    readObjAttributes,
  );
}
export function encodeFsstatRes(w: XdrWriter, res: FsstatRes): void {
  writeNfs3Result(
    w,
    res,
    (x, ok) => {
      writeObjAttributes(x, ok);
      x.uhyper(ok.tbytes).uhyper(ok.fbytes).uhyper(ok.abytes).uhyper(ok.tfiles).uhyper(ok.ffiles).uhyper(ok.afiles);
      x.uint(ok.invarsec);
    },
    writeObjAttributes,
  );
}

// FSINFO (§3.3.19)

export interface FsinfoArgs {
  readonly fsroot: NfsFh3;
}
export interface FsinfoOk extends ObjAttributes {
  readonly rtmax: number;
  readonly rtpref: number;
  readonly rtmult: number;
  readonly wtmax: number;
  readonly wtpref: number;
  readonly wtmult: number;
  readonly dtpref: number;
  /** bigint: servers commonly announce 2^63 - 1 or 2^64 - 1. */
  readonly maxfilesize: bigint;
  readonly timeDelta: Nfstime3;
  /** FSF3_* bits. */
  readonly properties: number;
}
export type FsinfoRes = Nfs3Result<FsinfoOk, ObjAttributes>;

export function decodeFsinfoArgs(r: XdrReader): FsinfoArgs {
  return { fsroot: readFh3(r) };
}
export function encodeFsinfoArgs(w: XdrWriter, a: FsinfoArgs): void {
  writeFh3(w, a.fsroot);
}
export function decodeFsinfoRes(r: XdrReader): FsinfoRes {
  return readNfs3Result(
    r,
    (x): FsinfoOk => ({
      ...readObjAttributes(x),
      rtmax: x.uint(),
      rtpref: x.uint(),
      rtmult: x.uint(),
      wtmax: x.uint(),
      wtpref: x.uint(),
      wtmult: x.uint(),
      dtpref: x.uint(),
      maxfilesize: x.uhyper(),
      timeDelta: readNfstime3(x),
      properties: x.uint(),
    }),
    readObjAttributes,
  );
}
export function encodeFsinfoRes(w: XdrWriter, res: FsinfoRes): void {
  writeNfs3Result(
    w,
    res,
    (x, ok) => {
      writeObjAttributes(x, ok);
      x.uint(ok.rtmax).uint(ok.rtpref).uint(ok.rtmult).uint(ok.wtmax).uint(ok.wtpref).uint(ok.wtmult).uint(ok.dtpref);
      x.uhyper(ok.maxfilesize);
      writeNfstime3(x, ok.timeDelta);
      x.uint(ok.properties);
    },
    writeObjAttributes,
  );
}

// PATHCONF (§3.3.20)

export interface PathconfArgs {
  readonly object: NfsFh3;
}
export interface PathconfOk extends ObjAttributes {
  readonly linkmax: number;
  readonly nameMax: number;
  readonly noTrunc: boolean;
  readonly chownRestricted: boolean;
  readonly caseInsensitive: boolean;
  readonly casePreserving: boolean;
}
export type PathconfRes = Nfs3Result<PathconfOk, ObjAttributes>;

export function decodePathconfArgs(r: XdrReader): PathconfArgs {
  return { object: readFh3(r) };
}
export function encodePathconfArgs(w: XdrWriter, a: PathconfArgs): void {
  writeFh3(w, a.object);
}
export function decodePathconfRes(r: XdrReader): PathconfRes {
  return readNfs3Result(
    r,
    (x): PathconfOk => ({
      ...readObjAttributes(x),
      linkmax: x.uint(),
      nameMax: x.uint(),
      noTrunc: x.bool(),
      chownRestricted: x.bool(),
      caseInsensitive: x.bool(),
      casePreserving: x.bool(),
    }),
    readObjAttributes,
  );
}
export function encodePathconfRes(w: XdrWriter, res: PathconfRes): void {
  writeNfs3Result(
    w,
    res,
    (x, ok) => {
      writeObjAttributes(x, ok);
      x.uint(ok.linkmax).uint(ok.nameMax).bool(ok.noTrunc).bool(ok.chownRestricted).bool(ok.caseInsensitive).bool(ok.casePreserving);
    },
    writeObjAttributes,
  );
}

