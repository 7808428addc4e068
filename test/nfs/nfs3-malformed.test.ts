// One test per class of malformed NFSv3 and MOUNT v3 input (RFC 1813): each is refused with a typed
// XdrDecodeError whose code says what was wrong, and encoders refuse values the protocol cannot carry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XdrDecodeError } from '../../src/rpc/xdr-error.js';
import type { XdrErrorCode } from '../../src/rpc/xdr-error.js';
import { XdrReader } from '../../src/rpc/xdr-reader.js';
import { XdrWriter } from '../../src/rpc/xdr-writer.js';
import * as mount from '../../src/nfs/mount3.js';
import { NFS3_CODECS } from '../../src/nfs/nfs3-procedures.js';
import { SATTR3_NONE } from '../../src/nfs/nfs3-sattr.js';
import { Nfs3Status } from '../../src/nfs/nfs3-status.js';
import { StableHow } from '../../src/nfs/nfs3-types.js';
import { fh } from './nfs3-samples.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const u32 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
const fh4 = '00000004 01020304';

function refused(code: XdrErrorCode, decode: (r: XdrReader) => unknown, bytes: Buffer): void {
  assert.throws(
    () => decode(new XdrReader(bytes)),
    (err: unknown) => err instanceof XdrDecodeError && err.code === code,
    `expected ${code}`,
  );
}

function encoded(write: (w: XdrWriter) => void): Buffer {
  const w = new XdrWriter();
  write(w);
  return w.toBuffer();
}

test('a file handle longer than 64 bytes is TOO_LONG; one announcing more bytes than sent is SHORT', () => {
  refused('TOO_LONG', NFS3_CODECS.getattr.decodeArgs, hex(`00000041 ${'00'.repeat(68)}`));
  refused('TOO_LONG', NFS3_CODECS.getattr.decodeArgs, hex('ffffffff'));
  refused('SHORT', NFS3_CODECS.getattr.decodeArgs, hex('00000020 01020304'));
  refused('TOO_LONG', mount.decodeMntRes, hex(`00000000 00000041 ${'00'.repeat(68)} 00000000`));
});

test('a file name over 255 bytes is TOO_LONG, and so is a symlink target over 4096 bytes and a dirpath over 1024', () => {
  refused('TOO_LONG', NFS3_CODECS.lookup.decodeArgs, hex(`${fh4} 00000100 ${'61'.repeat(256)}`));
  const longTarget = encoded((w) => {
    NFS3_CODECS.symlink.encodeArgs(w, { where: { dir: fh(1), name: 'l' }, symlinkAttributes: SATTR3_NONE, symlinkData: 'x' });
  });
  // Forge the target's length field (the last item) to 4097 with the bytes present.
  const forged = Buffer.concat([longTarget.subarray(0, longTarget.length - 8), hex(u32(4097)), Buffer.alloc(4100)]);
  refused('TOO_LONG', NFS3_CODECS.symlink.decodeArgs, forged);
  refused('TOO_LONG', mount.decodeMntArgs, Buffer.concat([hex(u32(1025)), Buffer.alloc(1028)]));
});

test('enums outside their declared values are BAD_ENUM: ftype3, stable_how, createmode3, time_how, nfsstat3, mountstat3', () => {
  refused('BAD_ENUM', NFS3_CODECS.mknod.decodeArgs, hex(`${fh4} 00000001 61000000 00000008`));
  refused('BAD_ENUM', NFS3_CODECS.write.decodeArgs, hex(`${fh4} 00000000 00000000 00000000 00000003 00000000`));
  refused('BAD_ENUM', NFS3_CODECS.create.decodeArgs, hex(`${fh4} 00000001 61000000 00000003`));
  refused('BAD_ENUM', NFS3_CODECS.setattr.decodeArgs, hex(`${fh4} 00000000 00000000 00000000 00000000 00000003`));
  refused('BAD_ENUM', NFS3_CODECS.getattr.decodeRes, hex('00000003'));
  refused('BAD_ENUM', mount.decodeMntRes, hex('00000003'));
  refused('BAD_ENUM', NFS3_CODECS.getattr.decodeRes, hex(`00000000 00000009 ${'00'.repeat(80)}`));
});

test('a set_* discriminant other than TRUE/FALSE in sattr3 is BAD_BOOL', () => {
  refused('BAD_BOOL', NFS3_CODECS.setattr.decodeArgs, hex(`${fh4} 00000002`));
});

test('a truncated sattr3 is SHORT wherever it stops', () => {
  const full = encoded((w) =>
    NFS3_CODECS.mkdir.encodeArgs(w, {
      where: { dir: fh(1, 4), name: 'd' },
      attributes: { mode: 1, uid: 2, gid: 3, size: 4, atime: { how: 'client', time: { seconds: 5, nseconds: 6 } }, mtime: { how: 'server' } },
    }),
  );
  const sattrStart = 8 + 8;
  for (let cut = sattrStart; cut < full.length; cut += 4) refused('SHORT', NFS3_CODECS.mkdir.decodeArgs, full.subarray(0, cut));
});

test('offsets above 2^53 - 1, and offset + count past it, are UNSAFE_INTEGER for READ, WRITE, COMMIT and set_size', () => {
  refused('UNSAFE_INTEGER', NFS3_CODECS.read.decodeArgs, hex(`${fh4} 00200000 00000000 00000001`));
  refused('UNSAFE_INTEGER', NFS3_CODECS.read.decodeArgs, hex(`${fh4} 001fffff ffffff00 00000101`));
  refused('UNSAFE_INTEGER', NFS3_CODECS.commit.decodeArgs, hex(`${fh4} 001fffff fffffffe ffffffff`));
  refused('UNSAFE_INTEGER', NFS3_CODECS.write.decodeArgs, hex(`${fh4} 001fffff ffffffff 00000001 00000000 00000001 61000000`));
  refused('UNSAFE_INTEGER', NFS3_CODECS.setattr.decodeArgs, hex(`${fh4} 00000000 00000000 00000000 00000001 ffffffff ffffffff`));
});

test('WRITE whose count differs from its data length is SHORT (count larger) or TOO_LONG (count smaller), as Linux nfsd refuses it', () => {
  refused('SHORT', NFS3_CODECS.write.decodeArgs, hex(`${fh4} 00000000 00000000 00000005 00000000 00000004 61626364`));
  refused('TOO_LONG', NFS3_CODECS.write.decodeArgs, hex(`${fh4} 00000000 00000000 00000003 00000000 00000004 61626364`));
  refused('SHORT', NFS3_CODECS.read.decodeRes, hex('00000000 00000000 00000009 00000001 00000004 61626364'));
});

test('data announcing more bytes than the message holds is SHORT before anything is allocated', () => {
  refused('SHORT', NFS3_CODECS.write.decodeArgs, hex(`${fh4} 00000000 00000000 7fffffff 00000002 7fffffff 61626364`));
  refused('SHORT', mount.decodeExportRes, hex('00000001 000003ff 61626364'));
});

test('a cookie verifier cut short is SHORT', () => {
  refused('SHORT', NFS3_CODECS.readdir.decodeArgs, hex(`${fh4} 00000000 00000001 00000000`));
});

test('more auth flavors than MNT allows is TOO_LONG', () => {
  refused('TOO_LONG', mount.decodeMntRes, Buffer.concat([hex(`00000000 ${fh4} ${u32(65)}`), Buffer.alloc(65 * 4)]));
});

test('a directory list with a bad "value follows" marker is BAD_BOOL', () => {
  refused('BAD_BOOL', NFS3_CODECS.readdir.decodeRes, hex(`00000000 00000000 ${'00'.repeat(8)} 00000005`));
});

test('encoders refuse what the protocol cannot carry with RangeError', () => {
  const w = new XdrWriter();
  assert.throws(() => NFS3_CODECS.getattr.encodeArgs(w, { object: fh(1, 65) }), RangeError);
  assert.throws(() => NFS3_CODECS.lookup.encodeArgs(w, { what: { dir: fh(1), name: 'é'.repeat(128) } }), RangeError);
  assert.throws(
    () => NFS3_CODECS.write.encodeRes(w, { status: Nfs3Status.ok, fileWcc: { before: null, after: null }, count: 0, committed: StableHow.unstable, verf: Buffer.alloc(7) }),
    RangeError,
  );
  assert.throws(() => mount.encodeMntArgs(w, 'x'.repeat(1025)), RangeError);
  assert.throws(() => mount.encodeDumpRes(w, [{ hostname: 'h'.repeat(256), directory: '/' }]), RangeError);
});
