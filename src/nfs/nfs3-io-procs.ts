// NFSv3 data procedures (RFC 1813 §3.3.6 READ, §3.3.7 WRITE, §3.3.21 COMMIT), both directions.
//
// Payloads are never copied: READ results append the data by reference (XdrWriter.appendOpaque, ready for
// writev) and WRITE arguments hold a view of the request. The count beside each payload must equal the
// payload's length (Linux's nfsd refuses a WRITE where they differ too): a longer count is SHORT, a shorter
// one TOO_LONG, so the decoded object carries only the data and the encoders write data.length.
import { XdrDecodeError } from '../rpc/xdr-error.js';
import type { XdrReader } from '../rpc/xdr-reader.js';
import type { FileSlice, XdrWriter } from '../rpc/xdr-writer.js';
import { readNfs3Result, writeNfs3Result } from './nfs3-status.js';
import type { Nfs3Result } from './nfs3-status.js';
import {
  checkRangeEnd,
  readFh3,
  readPostOpAttr,
  readStableHow,
  readVerf8,
  readWccData,
  writeFh3,
  writePostOpAttr,
  writeVerf8,
  writeWccData,
} from './nfs3-types.js';
import type { NfsFh3, PostOpAttr, StableHowValue, WccData } from './nfs3-types.js';

/** No protocol maximum: the record limit of the transport bounds a payload before it reaches here. */
const ANY_LENGTH = 0xffff_ffff;

/** An offset and a count that together stay exact as numbers (checkRangeEnd). */
function readRange(r: XdrReader, what: string): { offset: number; count: number } {
  const at = r.offset;
  const offset = r.uhyperNumber();
  const count = r.uint();
  checkRangeEnd(offset, count, at, what);
  return { offset, count };
}

/** opaque data<> that must be exactly `count` bytes long. */
function readCountedData(r: XdrReader, count: number, countAt: number, what: string): Buffer {
  const data = r.opaque(ANY_LENGTH, what);
  if (data.length !== count) {
    throw new XdrDecodeError(
      count > data.length ? 'SHORT' : 'TOO_LONG',
      `${what}: count at ${countAt} says ${count} bytes, the data has ${data.length}`,
      countAt,
    );
  }
  return data;
}

// READ (§3.3.6)

export interface ReadArgs {
  readonly file: NfsFh3;
  readonly offset: number;
  readonly count: number;
}
export interface ReadFail {
  readonly fileAttributes: PostOpAttr;
}
export interface ReadOk extends ReadFail {
  readonly eof: boolean;
  /** The bytes read; count on the wire is data.length. */
  readonly data: Uint8Array;
}
export type ReadRes = Nfs3Result<ReadOk, ReadFail>;
/** What the server may answer: the bytes, or a range of the file for the transport to send from the kernel. */
export type ReadReply = Nfs3Result<ReadOk | ReadOkFromFile, ReadFail>;
export interface ReadOkFromFile extends ReadFail {
  readonly eof: boolean;
  readonly data: FileSlice;
}

export function decodeReadArgs(r: XdrReader): ReadArgs {
  return { file: readFh3(r), ...readRange(r, 'READ') };
}
export function encodeReadArgs(w: XdrWriter, a: ReadArgs): void {
  writeFh3(w, a.file);
  w.uhyper(a.offset).uint(a.count);
}
const readReadFail = (r: XdrReader): ReadFail => ({ fileAttributes: readPostOpAttr(r) });
export function decodeReadRes(r: XdrReader): ReadRes {
  return readNfs3Result(
    r,
    (x): ReadOk => {
      const fileAttributes = readPostOpAttr(x);
      const countAt = x.offset;
      const count = x.uint();
      const eof = x.bool();
      return { fileAttributes, eof, data: readCountedData(x, count, countAt, 'READ data') };
    },
    readReadFail,
  );
}
export function encodeReadRes(w: XdrWriter, res: ReadReply): void {
  writeNfs3Result<ReadOk | ReadOkFromFile, ReadFail>(
    w,
    res,
    (x, ok) => {
      writePostOpAttr(x, ok.fileAttributes);
      x.uint(ok.data.length).bool(ok.eof);
      if (ok.data instanceof Uint8Array) x.appendOpaque(ok.data);
      else x.appendFileOpaque(ok.data);
    },
    (x, fail) => writePostOpAttr(x, fail.fileAttributes),
  );
}

// WRITE (§3.3.7)

export interface WriteArgs {
  readonly file: NfsFh3;
  readonly offset: number;
  readonly stable: StableHowValue;
  /** A view of the request; count on the wire is data.length. */
  readonly data: Uint8Array;
}
export interface FileWcc {
  readonly fileWcc: WccData;
}
export interface WriteOk extends FileWcc {
  readonly count: number;
  readonly committed: StableHowValue;
  readonly verf: Uint8Array;
}
export type WriteRes = Nfs3Result<WriteOk, FileWcc>;

export function decodeWriteArgs(r: XdrReader): WriteArgs {
  const file = readFh3(r);
  const countAt = r.offset + 8;
  const { offset, count } = readRange(r, 'WRITE');
  const stable = readStableHow(r);
  return { file, offset, stable, data: readCountedData(r, count, countAt, 'WRITE data') };
}
export function encodeWriteArgs(w: XdrWriter, a: WriteArgs): void {
  writeFh3(w, a.file);
  w.uhyper(a.offset).uint(a.data.length).enum(a.stable).appendOpaque(a.data);
}
const readFileWcc = (r: XdrReader): FileWcc => ({ fileWcc: readWccData(r) });
const writeFileWcc = (w: XdrWriter, v: FileWcc): void => writeWccData(w, v.fileWcc);
export function decodeWriteRes(r: XdrReader): WriteRes {
  return readNfs3Result(
    r,
    (x): WriteOk => ({ ...readFileWcc(x), count: x.uint(), committed: readStableHow(x), verf: readVerf8(x, 'writeverf3') }),
    readFileWcc,
  );
}
export function encodeWriteRes(w: XdrWriter, res: WriteRes): void {
  writeNfs3Result(
    w,
    res,
    (x, ok) => {
      writeFileWcc(x, ok);
      x.uint(ok.count).enum(ok.committed);
      writeVerf8(x, ok.verf, 'writeverf3');
    },
    writeFileWcc,
  );
}

// COMMIT (§3.3.21)

export interface CommitArgs {
  readonly file: NfsFh3;
  readonly offset: number;
  /** 0 means from offset to the end of the file. */
  readonly count: number;
}
export type CommitRes = Nfs3Result<FileWcc & { readonly verf: Uint8Array }, FileWcc>;

export function decodeCommitArgs(r: XdrReader): CommitArgs {
  return { file: readFh3(r), ...readRange(r, 'COMMIT') };
}
export function encodeCommitArgs(w: XdrWriter, a: CommitArgs): void {
  writeFh3(w, a.file);
  w.uhyper(a.offset).uint(a.count);
}
export function decodeCommitRes(r: XdrReader): CommitRes {
  return readNfs3Result(r, (x) => ({ ...readFileWcc(x), verf: readVerf8(x, 'writeverf3') }), readFileWcc);
}
export function encodeCommitRes(w: XdrWriter, res: CommitRes): void {
  writeNfs3Result(
    w,
    res,
    (x, ok) => {
      writeFileWcc(x, ok);
      writeVerf8(x, ok.verf, 'writeverf3');
    },
    writeFileWcc,
  );
}
