// NFSv3 directory listing (RFC 1813 §3.3.16 READDIR, §3.3.17 READDIRPLUS), both directions, with replies cut
// to the client's byte limits.
//
// The encoders take every entry the server has ready and write the longest prefix that fits; eof goes out TRUE
// only when the whole list was written and the server said it reaches the end of the directory. Sizes are
// computed, not measured: the count covers the whole result including the status word (RFC 1813 counts only
// READDIR3resok, so this is 4 bytes stricter and a reply always fits). For READDIRPLUS, maxcount bounds the
// reply the same way and dircount bounds the entries' directory part (what they would take in a READDIR reply);
// the first entry is exempt from dircount, as servers that ignore dircount (Linux) make progress where a small
// dircount would otherwise stall the client. When not even one entry fits the result is NFS3ERR_TOOSMALL.
import type { XdrReader } from '../rpc/xdr-reader.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';
import { Nfs3Status, readNfs3Result, writeNfs3Result } from './nfs3-status.js';
import type { Nfs3Result, Nfs3Stat } from './nfs3-status.js';
import {
  filename3Size,
  postOpAttrSize,
  postOpFh3Size,
  readFh3,
  readFilename3,
  readPostOpAttr,
  readPostOpFh3,
  readVerf8,
  writeFh3,
  writeFilename3,
  writePostOpAttr,
  writePostOpFh3,
  writeVerf8,
} from './nfs3-types.js';
import type { NfsFh3, PostOpAttr, PostOpFh3 } from './nfs3-types.js';

/** Decoding stops with TOO_LONG past this many entries (a client-side bound; the input bounds it anyway). */
export const MAX_DECODED_ENTRIES = 1_000_000;

export interface Entry3 {
  readonly fileid: bigint;
  readonly name: string;
  readonly cookie: bigint;
}

export interface Entryplus3 extends Entry3 {
  readonly nameAttributes: PostOpAttr;
  readonly nameHandle: PostOpFh3;
}

export interface ReaddirArgs {
  readonly dir: NfsFh3;
  readonly cookie: bigint;
  readonly cookieverf: Uint8Array;
  readonly count: number;
}

export interface ReaddirplusArgs {
  readonly dir: NfsFh3;
  readonly cookie: bigint;
  readonly cookieverf: Uint8Array;
  readonly dircount: number;
  readonly maxcount: number;
}

export interface DirAttributes {
  readonly dirAttributes: PostOpAttr;
}

export interface DirlistOk<E> extends DirAttributes {
  readonly cookieverf: Uint8Array;
  readonly entries: readonly E[];
  /** Encoding: these entries run to the end of the directory. Decoding: the server said so. */
  readonly eof: boolean;
}

export type ReaddirRes = Nfs3Result<DirlistOk<Entry3>, DirAttributes>;
export type ReaddirplusRes = Nfs3Result<DirlistOk<Entryplus3>, DirAttributes>;

/** What an encoder put on the wire. */
export interface DirlistWritten {
  readonly status: Nfs3Stat;
  readonly entries: number;
  readonly eof: boolean;
}

export interface ReaddirplusLimits {
  readonly dircount: number;
  readonly maxcount: number;
}

/** Bytes of an entry3 in a list: the TRUE that announces it, fileid, name, cookie. */
export function entry3Size(e: Entry3): number {
  return 4 + 8 + filename3Size(e.name) + 8;
}

export function entryplus3Size(e: Entryplus3): number {
  return entry3Size(e) + postOpAttrSize(e.nameAttributes) + postOpFh3Size(e.nameHandle);
}

/** Status, dir_attributes and cookieverf, plus the FALSE that ends the list and eof. */
function dirlistOverhead(dirAttributes: PostOpAttr): number {
  return 4 + postOpAttrSize(dirAttributes) + 8 + 4 + 4;
}

export function decodeReaddirArgs(r: XdrReader): ReaddirArgs {
  return { dir: readFh3(r), cookie: r.uhyper(), cookieverf: readVerf8(r, 'cookieverf3'), count: r.uint() };
}

export function encodeReaddirArgs(w: XdrWriter, a: ReaddirArgs): void {
  writeFh3(w, a.dir);
  w.uhyper(a.cookie);
  writeVerf8(w, a.cookieverf, 'cookieverf3');
  w.uint(a.count);
}

export function decodeReaddirplusArgs(r: XdrReader): ReaddirplusArgs {
  return {
    dir: readFh3(r),
    cookie: r.uhyper(),
    cookieverf: readVerf8(r, 'cookieverf3'),
    dircount: r.uint(),
    maxcount: r.uint(),
  };
}

export function encodeReaddirplusArgs(w: XdrWriter, a: ReaddirplusArgs): void {
  writeFh3(w, a.dir);
  w.uhyper(a.cookie);
  writeVerf8(w, a.cookieverf, 'cookieverf3');
  w.uint(a.dircount).uint(a.maxcount);
}

const readDirAttributes = (r: XdrReader): DirAttributes => ({ dirAttributes: readPostOpAttr(r) });

function readEntry3(r: XdrReader): Entry3 {
  return { fileid: r.uhyper(), name: readFilename3(r), cookie: r.uhyper() };
}

function readEntryplus3(r: XdrReader): Entryplus3 {
  return { ...readEntry3(r), nameAttributes: readPostOpAttr(r), nameHandle: readPostOpFh3(r) };
}

function writeEntry3(w: XdrWriter, e: Entry3): void {
  w.uhyper(e.fileid);
  writeFilename3(w, e.name);
  w.uhyper(e.cookie);
}

function writeEntryplus3(w: XdrWriter, e: Entryplus3): void {
  writeEntry3(w, e);
  writePostOpAttr(w, e.nameAttributes);
  writePostOpFh3(w, e.nameHandle);
}

function readDirlist<E>(r: XdrReader, readEntry: (r: XdrReader) => E): Nfs3Result<DirlistOk<E>, DirAttributes> {
  return readNfs3Result(
    r,
    (x): DirlistOk<E> => ({
      dirAttributes: readPostOpAttr(x),
      cookieverf: readVerf8(x, 'cookieverf3'),
      entries: x.list(MAX_DECODED_ENTRIES, readEntry, 'dirlist3'),
      eof: x.bool(),
    }),
    readDirAttributes,
  );
}

export function decodeReaddirRes(r: XdrReader): ReaddirRes {
  return readDirlist(r, readEntry3);
}

export function decodeReaddirplusRes(r: XdrReader): ReaddirplusRes {
  return readDirlist(r, readEntryplus3);
}

/** Writes READDIR results, cut to the client's `count` (all entries when it is left out). */
export function encodeReaddirRes(w: XdrWriter, res: ReaddirRes, count = Infinity): DirlistWritten {
  return writeDirlist(w, res, writeEntry3, (ok) => fitEntries(ok, entry3Size, count, null));
}

/** Writes READDIRPLUS results, cut to the client's dircount and maxcount (all entries when left out). */
export function encodeReaddirplusRes(w: XdrWriter, res: ReaddirplusRes, limits?: ReaddirplusLimits): DirlistWritten {
  return writeDirlist(w, res, writeEntryplus3, (ok) =>
    fitEntries(ok, entryplus3Size, limits?.maxcount ?? Infinity, limits === undefined ? null : limits.dircount),
  );
}

interface Fit {
  /** Entries that fit, or null when not even the empty list does. */
  readonly entries: number | null;
  readonly maxBytes: number;
}

function fitEntries<E extends Entry3>(ok: DirlistOk<E>, size: (e: E) => number, maxBytes: number, dircount: number | null): Fit {
  let total = dirlistOverhead(ok.dirAttributes);
  if (total > maxBytes) return { entries: null, maxBytes };
  let dirBytes = 0;
  let n = 0;
  for (const e of ok.entries) {
    const next = total + size(e);
    if (next > maxBytes) break;
    dirBytes += entry3Size(e);
    if (dircount !== null && n > 0 && dirBytes > dircount) break;
    total = next;
    n++;
  }
  return { entries: n === 0 && ok.entries.length > 0 ? null : n, maxBytes };
}

function writeDirlist<E>(
  w: XdrWriter,
  res: Nfs3Result<DirlistOk<E>, DirAttributes>,
  writeEntry: (w: XdrWriter, e: E) => void,
  fit: (ok: DirlistOk<E>) => Fit,
): DirlistWritten {
  if (res.status !== Nfs3Status.ok) {
    writeNfs3Result(w, res, () => {}, (x, fail) => writePostOpAttr(x, fail.dirAttributes));
    return { status: res.status, entries: 0, eof: false };
  }
  const { entries: n, maxBytes } = fit(res);
  if (n === null) {
    // Drop the attributes too when even they would overflow the client's buffer.
    const dirAttributes = 4 + postOpAttrSize(res.dirAttributes) <= maxBytes ? res.dirAttributes : null;
    w.enum(Nfs3Status.toosmall);
    writePostOpAttr(w, dirAttributes);
    return { status: Nfs3Status.toosmall, entries: 0, eof: false };
  }
  const eof = res.eof && n === res.entries.length;
  w.enum(Nfs3Status.ok);
  writePostOpAttr(w, res.dirAttributes);
  writeVerf8(w, res.cookieverf, 'cookieverf3');
  w.list(n === res.entries.length ? res.entries : res.entries.slice(0, n), writeEntry);
  w.bool(eof);
  return { status: Nfs3Status.ok, entries: n, eof };
}
