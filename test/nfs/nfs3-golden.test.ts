// NFSv3 and MOUNT v3 codecs (RFC 1813) against nfs-ganesha's real exchanges with libnfs and with our own calls
// (test/fixtures/nfs): every message decodes completely and re-encodes to the identical bytes, and what it says
// matches what the capture did.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XdrReader } from '../../src/rpc/xdr-reader.js';
import { XdrWriter } from '../../src/rpc/xdr-writer.js';
import { Mount3Status } from '../../src/nfs/mount3.js';
import type { ExportNode, MntRes } from '../../src/nfs/mount3.js';
import type { Nfs3Args, Nfs3Res } from '../../src/nfs/nfs3-procedures.js';
import { Nfs3Status } from '../../src/nfs/nfs3-status.js';
import { encodeReaddirplusRes } from '../../src/nfs/nfs3-readdir.js';
import { Ftype3 } from '../../src/nfs/nfs3-types.js';
import { loadMessages } from './nfs-fixtures.js';
import type { CapturedMessage } from './nfs-fixtures.js';

const messages = loadMessages();
const decoded = (m: CapturedMessage): unknown => m.codec.decode(new XdrReader(m.body, { strictPadding: true }));
const find = (file: string): CapturedMessage => {
  const m = messages.find((x) => x.entry.file === file);
  assert.ok(m !== undefined, `fixture ${file} is in the manifest`);
  return m;
};

test('the capture holds every procedure asked for, from libnfs and ganesha', () => {
  const seen = new Set(messages.map((m) => `${m.entry.procedure} ${m.entry.direction}`));
  for (const p of ['MNT', 'EXPORT', 'DUMP', 'UMNT', 'UMNTALL']) {
    assert.ok(seen.has(`MOUNTPROC3_${p} call`) && seen.has(`MOUNTPROC3_${p} reply`), p);
  }
  const nfs = ['NULL', 'GETATTR', 'SETATTR', 'LOOKUP', 'ACCESS', 'READLINK', 'READ', 'WRITE', 'CREATE', 'MKDIR', 'SYMLINK', 'MKNOD',
    'REMOVE', 'RMDIR', 'RENAME', 'LINK', 'READDIR', 'READDIRPLUS', 'FSSTAT', 'FSINFO', 'PATHCONF', 'COMMIT'];
  for (const p of nfs) assert.ok(seen.has(`NFSPROC3_${p} call`) && seen.has(`NFSPROC3_${p} reply`), p);
  assert.ok(messages.filter((m) => m.entry.scenario.startsWith('libnfs-')).length >= 80);
});

test('every captured call and reply decodes to its last byte and re-encodes to the identical bytes', () => {
  assert.ok(messages.length >= 200);
  for (const m of messages) {
    const r = new XdrReader(m.body, { strictPadding: true });
    const value = m.codec.decode(r);
    assert.equal(r.remaining, 0, `${m.entry.file}: ${r.remaining} bytes left over`);
    const w = new XdrWriter();
    w.raw(m.header);
    m.codec.encode(w, value as never);
    assert.deepEqual(w.toBuffer(), m.bytes, m.entry.file);
  }
});

test('MNT answers the export with a handle and AUTH_SYS; an unknown path is an error arm; EXPORT lists the export', () => {
  const mnt = decoded(find('libnfs-ls-r-01-mount-mnt-reply.bin')) as MntRes;
  assert.equal(mnt.status, Mount3Status.ok);
  assert.ok(mnt.status === Mount3Status.ok && mnt.fhandle.length > 0 && mnt.fhandle.length <= 64);
  assert.ok(mnt.status === Mount3Status.ok && mnt.authFlavors.includes(1));
  const mntArg = decoded(find('libnfs-ls-r-01-mount-mnt-call.bin')) as string;
  assert.match(mntArg, /^\/tmp\/bramble-nfs-capture-\w+\/export$/);
  assert.notEqual((decoded(find('crafted-mount-01-mount-mnt-reply.bin')) as MntRes).status, Mount3Status.ok);
  const exports = decoded(find('libnfs-ls-r-02-mount-export-reply.bin')) as ExportNode[];
  assert.deepEqual(exports.map((e) => e.dir), [mntArg]);
});

test('READ carries the file, WRITE the copied bytes, both as views of the message', () => {
  const read = decoded(find('libnfs-cat-09-nfs-read-reply.bin')) as Nfs3Res<'read'>;
  assert.ok(read.status === Nfs3Status.ok);
  assert.equal(Buffer.from(read.data).toString(), 'hello from ganesha\n');
  assert.equal(read.eof, true);
  const msg = find('libnfs-cp-in-10-nfs-write-call.bin');
  const write = decoded(msg) as Nfs3Args<'write'>;
  assert.equal(write.data.length, 3000);
  assert.ok(write.data.every((b, i) => b === ((i * 7) & 0xff)));
  assert.equal(write.data.buffer, msg.bytes.buffer, 'WRITE data is a view of the request, not a copy');
  const back = decoded(find('libnfs-cp-out-09-nfs-read-reply.bin')) as Nfs3Res<'read'>;
  assert.ok(back.status === Nfs3Status.ok && Buffer.from(back.data).equals(Buffer.from(write.data)));
});

test('error arms from ganesha decode with their attributes: BADHANDLE, NOENT, NOT_SYNC, EXIST, INVAL, BADTYPE, NOTEMPTY', () => {
  const statuses = messages
    .filter((m) => m.entry.program === 'nfs' && m.entry.direction === 'reply' && m.entry.proc !== 0)
    .map((m) => (decoded(m) as { status: number }).status);
  for (const s of [Nfs3Status.badhandle, Nfs3Status.noent, Nfs3Status.notSync, Nfs3Status.exist, Nfs3Status.inval,
    Nfs3Status.badtype, Nfs3Status.notempty]) {
    assert.ok(statuses.includes(s), `status ${s} captured`);
  }
  const lookup = decoded(find('crafted-nfs-09-nfs-lookup-reply.bin')) as Nfs3Res<'lookup'>;
  assert.ok(lookup.status === Nfs3Status.noent && lookup.dirAttributes?.type === Ftype3.dir);
});

test('ganesha paged nfs-ls -R through a 120-name folder: eof only on the last page, every page inside maxcount', () => {
  const pages = messages.filter((m) => m.entry.scenario === 'libnfs-ls-r' && m.entry.procedure === 'NFSPROC3_READDIRPLUS');
  const calls = pages.filter((m) => m.entry.direction === 'call').map((m) => decoded(m) as Nfs3Args<'readdirplus'>);
  const replies = pages.filter((m) => m.entry.direction === 'reply').map((m) => decoded(m) as Nfs3Res<'readdirplus'>);
  assert.equal(calls.length, replies.length);
  const many = replies.flatMap((r) => (r.status === Nfs3Status.ok ? r.entries : [])).filter((e) => e.name.startsWith('file-with-'));
  assert.equal(many.length, 120);
  calls.forEach((call, i) => {
    const reply = replies[i]!;
    const body = pages.filter((m) => m.entry.direction === 'reply')[i]!.body;
    assert.ok(body.length <= call.maxcount, `page ${i}: ${body.length} > ${call.maxcount}`);
    if (reply.status !== Nfs3Status.ok) return;
    // Our encoder, given the same page and the same limits, also keeps every entry and ganesha's eof.
    const w = new XdrWriter();
    const written = encodeReaddirplusRes(w, reply, { dircount: call.dircount, maxcount: call.maxcount });
    assert.equal(written.entries, reply.entries.length);
    assert.equal(written.eof, reply.eof);
    assert.ok(w.length <= call.maxcount);
  });
  assert.deepEqual(replies.map((r) => r.status === Nfs3Status.ok && r.eof).slice(-3), [false, false, true]);
});
