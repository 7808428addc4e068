// NFSv3 over UDP (RFC 1813 with RFC 5531 datagrams): READ, READDIR and READDIRPLUS replies are cut to what one
// datagram carries, so a client asking for more gets a short but valid reply instead of SYSTEM_ERR; FSINFO
// announces transfer sizes that fit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { encodeRpcCall } from '../../src/rpc/rpc-message.js';
import { NFS3_CODECS, type Nfs3Args, type Nfs3Res } from '../../src/nfs/nfs3-procedures.js';
import { NFS_PROGRAM, NFS_V3, type Nfs3ProcName } from '../../src/nfs/nfs3-program.js';
import type { NfsFh3 } from '../../src/nfs/nfs3-types.js';
import type { XdrWriter } from '../../src/rpc/xdr-writer.js';
import { memoryView } from './memory-view.js';
import { credentialOf, ok, ROOT, servedExport, startNfs } from './nfs-harness.js';
import { successResults, udpExchange, xdrArgs } from '../rpc/rpc-test-client.js';

const FILE_BYTES = 500_000;
const ENTRIES = 2000;

async function udpServer(t: TestContext, maxDatagram?: number): Promise<{ call: <P extends Nfs3ProcName>(proc: P, args: Nfs3Args<P>) => Promise<{ res: Nfs3Res<P>; bytes: number }>; file: NfsFh3; dir: NfsFh3 }> {
  const view = memoryView();
  const dirId = await view.make(view.rootId, 'many', { type: 'dir', mode: 0o755, uid: 0, gid: 0 });
  const fileId = await view.make(view.rootId, 'big', { type: 'reg', mode: 0o644, uid: 0, gid: 0 });
  assert.ok(dirId.ok && fileId.ok);
  for (let i = 0; i < ENTRIES; i++) await view.make(dirId.value, `name-${i}`, { type: 'reg', mode: 0o644, uid: 0, gid: 0 });
  await view.write(fileId.value, 0n, Buffer.alloc(FILE_BYTES, 0x5a), 'unstable');
  const exp = servedExport(1, view);
  const server = await startNfs(t, [exp], { udp: true, ...(maxDatagram === undefined ? {} : { limits: { maxDatagram } }) });
  let xid = 0x7700;
  const call = async <P extends Nfs3ProcName>(proc: P, args: Nfs3Args<P>): Promise<{ res: Nfs3Res<P>; bytes: number }> => {
    const codec = NFS3_CODECS[proc];
    const encoded = xdrArgs((w) => (codec.encodeArgs as (w: XdrWriter, a: Nfs3Args<P>) => void)(w, args));
    const message = encodeRpcCall({ xid: ++xid, prog: NFS_PROGRAM, vers: NFS_V3, proc: codec.proc, cred: credentialOf(ROOT), args: encoded });
    const got = await udpExchange(server.udp!, message, xid);
    assert.ok(got !== null, 'a reply came');
    assert.equal(got.reply.kind, 'success', 'not SYSTEM_ERR: the reply fit');
    return { res: codec.decodeRes(successResults(got.reply)) as Nfs3Res<P>, bytes: got.bytes.length };
  };
  return { call, file: server.signer.encode({ exportId: 1, generation: 1, fileId: fileId.value }), dir: server.signer.encode({ exportId: 1, generation: 1, fileId: dirId.value }) };
}

for (const maxDatagram of [undefined, 8192] as const) {
  const limit = maxDatagram ?? 65507;
  test(`UDP (${limit}-byte datagrams): READ of 1 MiB comes back short but whole, and the client can read on to eof`, async (t) => {
    const { call, file } = await udpServer(t, maxDatagram);
    let offset = 0;
    let calls = 0;
    for (;;) {
      const { res, bytes } = await call('read', { file, offset, count: 1024 * 1024 });
      const read = ok(res);
      assert.ok(bytes <= limit, `${bytes} bytes`);
      assert.ok(read.eof || read.data.length >= limit - 200, `read ${read.data.length} bytes, near the datagram limit`);
      offset += read.data.length;
      calls++;
      if (read.eof) break;
    }
    assert.equal(offset, FILE_BYTES);
    assert.ok(calls > 1);
  });

  test(`UDP (${limit}-byte datagrams): READDIR and READDIRPLUS with 1 MiB counts page within a datagram`, async (t) => {
    const { call, dir } = await udpServer(t, maxDatagram);
    for (const plus of [false, true]) {
      const names = new Set<string>();
      let cookie = 0n;
      let cookieverf: Uint8Array = Buffer.alloc(8);
      for (;;) {
        const page = plus
          ? await call('readdirplus', { dir, cookie, cookieverf, dircount: 1024 * 1024, maxcount: 1024 * 1024 })
          : await call('readdir', { dir, cookie, cookieverf, count: 1024 * 1024 });
        assert.ok(page.bytes <= limit, `${page.bytes} bytes`);
        const list = ok(page.res);
        for (const e of list.entries) {
          assert.ok(!names.has(e.name), `${e.name} once`);
          names.add(e.name);
        }
        if (list.eof) break;
        cookie = list.entries.at(-1)!.cookie;
        cookieverf = list.cookieverf;
      }
      assert.equal(names.size, ENTRIES + 2, plus ? 'READDIRPLUS' : 'READDIR');
    }
  });

  test(`UDP (${limit}-byte datagrams): FSINFO offers transfers that fit a datagram`, async (t) => {
    const { call, dir } = await udpServer(t, maxDatagram);
    const info = ok((await call('fsinfo', { fsroot: dir })).res);
    assert.ok(info.rtmax + 200 <= limit && info.wtmax === info.rtmax, `rtmax ${info.rtmax}`);
    assert.equal(info.rtmax % 4096, 0);
    assert.ok(info.dtpref <= info.rtmax);
  });
}
