// Round trips of every NFSv3 procedure's arguments and results and of MOUNT v3 (RFC 1813 §3.3, appendix I) over
// every union arm: decode(encode(x)) is x, and encoding again gives the same bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XdrReader } from '../../src/rpc/xdr-reader.js';
import { XdrWriter } from '../../src/rpc/xdr-writer.js';
import * as mount from '../../src/nfs/mount3.js';
import { NFS3_CODECS, nfs3Codec } from '../../src/nfs/nfs3-procedures.js';
import { Nfs3Proc, nfs3ProcName } from '../../src/nfs/nfs3-program.js';
import type { Nfs3ProcName } from '../../src/nfs/nfs3-program.js';
import { nfs3StatName, Nfs3Status } from '../../src/nfs/nfs3-status.js';
import { ftype3Name } from '../../src/nfs/nfs3-types.js';
import { SAMPLES } from './nfs3-samples.js';

function roundTrip<T>(value: T, encode: (w: XdrWriter, v: T) => void, decode: (r: XdrReader) => unknown, label: string): void {
  const w = new XdrWriter(16);
  encode(w, value);
  const bytes = w.toBuffer();
  assert.equal(bytes.length % 4, 0, `${label}: whole XDR units`);
  const r = new XdrReader(bytes, { strictPadding: true });
  const back = decode(r);
  assert.equal(r.remaining, 0, `${label}: decoded to the last byte`);
  assert.deepStrictEqual(back, value, label);
  const again = new XdrWriter();
  encode(again, back as T);
  assert.deepEqual(again.toBuffer(), bytes, `${label}: re-encoded identically`);
}

for (const name of Object.keys(NFS3_CODECS) as Nfs3ProcName[]) {
  test(`${nfs3ProcName(Nfs3Proc[name])}: arguments and results round-trip over every arm`, () => {
    const codec = nfs3Codec(Nfs3Proc[name]);
    assert.ok(codec !== undefined);
    const { args, res } = SAMPLES[name] as { args: readonly unknown[]; res: readonly unknown[] };
    assert.ok(args.length > 0 && res.length > 0);
    args.forEach((a, i) => roundTrip(a, codec.encodeArgs, codec.decodeArgs, `${name} args ${i}`));
    res.forEach((x, i) => roundTrip(x, codec.encodeRes, codec.decodeRes, `${name} res ${i}`));
  });
}

test('every result with a status has an error arm among the samples, and NULL is empty both ways', () => {
  for (const name of Object.keys(SAMPLES) as Nfs3ProcName[]) {
    if (name === 'null') continue;
    const statuses = (SAMPLES[name].res as readonly { status: number }[]).map((r) => r.status);
    assert.ok(statuses.includes(Nfs3Status.ok) && statuses.some((s) => s !== Nfs3Status.ok), name);
  }
  const w = new XdrWriter();
  NFS3_CODECS.null.encodeArgs(w, null);
  NFS3_CODECS.null.encodeRes(w, null);
  assert.equal(w.length, 0);
});

test('READ results append a large payload by reference, ready for writev', () => {
  const data = Buffer.alloc(64 * 1024, 0x5a);
  const w = new XdrWriter();
  NFS3_CODECS.read.encodeRes(w, { status: Nfs3Status.ok, fileAttributes: null, eof: true, data });
  assert.ok(w.chunks().some((c) => c === data), 'the data Buffer itself is one of the chunks');
});

test('MOUNT v3: MNT, UMNT, DUMP and EXPORT round-trip over every arm', () => {
  roundTrip('/srv/nfs/root', mount.encodeMntArgs, mount.decodeMntArgs, 'MNT args');
  roundTrip('/'.repeat(1024), mount.encodeUmntArgs, mount.decodeUmntArgs, 'UMNT args');
  const mnts: mount.MntRes[] = [
    { status: mount.Mount3Status.ok, fhandle: Buffer.alloc(64, 1), authFlavors: [1, 0, 6] },
    { status: mount.Mount3Status.ok, fhandle: Buffer.alloc(0), authFlavors: [] },
    { status: mount.Mount3Status.acces },
    { status: mount.Mount3Status.serverfault },
  ];
  mnts.forEach((m, i) => roundTrip(m, mount.encodeMntRes, mount.decodeMntRes, `MNT res ${i}`));
  roundTrip([], mount.encodeDumpRes, mount.decodeDumpRes, 'DUMP empty');
  roundTrip([{ hostname: 'pi4', directory: '/a' }, { hostname: 'h'.repeat(255), directory: '/b' }], mount.encodeDumpRes, mount.decodeDumpRes, 'DUMP');
  roundTrip([], mount.encodeExportRes, mount.decodeExportRes, 'EXPORT empty');
  roundTrip(
    [{ dir: '/srv/a', groups: [] }, { dir: '/srv/b', groups: ['198.18.0.0/15', '@netgroup'] }],
    mount.encodeExportRes,
    mount.decodeExportRes,
    'EXPORT',
  );
});

test('code tables name their values the way RFC 1813 does, for logs', () => {
  assert.equal(nfs3StatName(Nfs3Status.ok), 'NFS3_OK');
  assert.equal(nfs3StatName(Nfs3Status.notSync), 'NFS3ERR_NOT_SYNC');
  assert.equal(nfs3StatName(Nfs3Status.badCookie), 'NFS3ERR_BAD_COOKIE');
  assert.equal(nfs3StatName(Nfs3Status.nametoolong), 'NFS3ERR_NAMETOOLONG');
  assert.equal(nfs3StatName(4242), 'nfsstat3 4242');
  assert.equal(nfs3ProcName(17), 'NFSPROC3_READDIRPLUS');
  assert.equal(nfs3ProcName(22), 'NFSv3 procedure 22');
  assert.equal(ftype3Name(7), 'NF3FIFO');
  assert.equal(mount.mount3ProcName(5), 'MOUNTPROC3_EXPORT');
  assert.equal(mount.mount3StatName(mount.Mount3Status.nametoolong), 'MNT3ERR_NAMETOOLONG');
  assert.equal(mount.mount3StatName(0), 'MNT3_OK');
  assert.deepEqual(Object.values(Nfs3Proc), [...Array(22).keys()]);
});
