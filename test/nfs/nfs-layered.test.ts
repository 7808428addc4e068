// The NFSv3 program over a machine's LayeredView (golden folder + the machine's layer), through the RPC server
// (RFC 1813): changes land in the layer with handles kept across copy-up, the golden folder never changes, and
// a second view of the same layer (a restart) sees them.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { SATTR3_NONE } from '../../src/nfs/nfs3-sattr.js';
import { Ftype3, StableHow, type NfsFh3 } from '../../src/nfs/nfs3-types.js';
import { openGoldenView } from '../../src/nfs/view/golden-view.js';
import { openLayeredView, type LayeredView } from '../../src/nfs/view/layered-view.js';
import { ALICE, BOB, ok, servedExport, startNfs, status } from './nfs-harness.js';
import type { Nfs3TestClient } from './nfs3-test-client.js';
import type { RpcServerLimits } from '../../src/rpc/rpc-server.js';
import type { RpcStats } from '../../src/rpc/rpc-stats.js';
import { keptPagesServed } from '../../src/nfs/procedures/dir-handlers.js';
import type { KernelRecordSend } from '../../src/rpc/kernel-record-send.js';
import { kernelModes, type KernelMode } from '../rpc/kernel-modes.js';

/** The ways a READ's data reaches the socket: copied through the process, or sent from the kernel (sendfile). */
const readPaths = (): KernelMode[] => kernelModes('copied', 'from the kernel');

/** Descriptors this process has open (the kernel path holds one per READ until its reply is written). */
const openDescriptors = async (): Promise<number> => (await readdir('/proc/self/fd')).length;

interface Lab {
  readonly golden: string;
  readonly layer: string;
  /** Serves the layer through a new LayeredView (a new one = a restart), closed before the folders go. */
  serve(
    limits?: RpcServerLimits,
    kernelSend?: KernelRecordSend,
  ): Promise<{ c: Nfs3TestClient; as: (user: typeof ALICE) => Promise<Nfs3TestClient>; root: NfsFh3; stats: () => Readonly<RpcStats> }>;
}

async function lab(t: TestContext): Promise<Lab> {
  const top = await mkdtemp(join(tmpdir(), 'bramble-nfs-layered-'));
  const views: LayeredView[] = [];
  t.after(async () => {
    for (const view of views) await view.close();
    await rm(top, { recursive: true, force: true });
  });
  const golden = join(top, 'golden');
  const layer = join(top, 'layer');
  await mkdir(join(golden, 'etc'), { recursive: true });
  await mkdir(join(golden, 'tmp'));
  await chmod(join(golden, 'tmp'), 0o1777);
  await writeFile(join(golden, 'etc', 'hostname'), 'golden\n');
  await writeFile(join(golden, 'etc', 'motd'), 'welcome\n');
  return {
    golden,
    layer,
    async serve(limits, kernelSend) {
      const view = await openLayeredView({ golden: await openGoldenView(golden), folder: layer, log: silentLogger() });
      views.push(view);
      const exp = servedExport(7, view);
      const server = await startNfs(t, [exp], { ...(limits === undefined ? {} : { limits }), ...(kernelSend === undefined ? {} : { kernelSend }) });
      return { c: await server.client(), as: (user) => server.client(user), root: server.root(exp), stats: () => server.stats() };
    },
  };
}

const names = async (c: Nfs3TestClient, dir: NfsFh3): Promise<string[]> =>
  ok(await c.nfs('readdirplus', { dir, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 65536, maxcount: 65536 })).entries.map((e) => e.name).sort();

test('layered: a golden file written keeps its handle; new objects, rename, remove and link land in the layer only', async (t) => {
  const { golden, serve } = await lab(t);
  const before = await readFile(join(golden, 'etc', 'hostname'));
  const { c, root } = await serve();
  const etc = ok(await c.nfs('lookup', { what: { dir: root, name: 'etc' } })).object;
  const hostname = ok(await c.nfs('lookup', { what: { dir: etc, name: 'hostname' } })).object;
  const written = ok(await c.nfs('write', { file: hostname, offset: 0, stable: StableHow.fileSync, data: Buffer.from('node-1\n') }));
  assert.equal(written.fileWcc.before?.size, 7);
  assert.deepEqual(Buffer.from(ok(await c.nfs('lookup', { what: { dir: etc, name: 'hostname' } })).object), Buffer.from(hostname), 'copy-up keeps the handle');
  assert.equal(Buffer.from(ok(await c.nfs('read', { file: hostname, offset: 0, count: 100 })).data).toString(), 'node-1\n');
  const made = ok(await c.nfs('create', { where: { dir: etc, name: 'fstab' }, how: { mode: 'guarded', attributes: { ...SATTR3_NONE, mode: 0o600 } } }));
  assert.equal(made.objAttributes?.mode, 0o600);
  ok(await c.nfs('mkdir', { where: { dir: root, name: 'dev' }, attributes: SATTR3_NONE }));
  const dev = ok(await c.nfs('lookup', { what: { dir: root, name: 'dev' } })).object;
  const nullDev = ok(await c.nfs('mknod', { where: { dir: dev, name: 'null' }, what: { type: Ftype3.chr, devAttributes: { ...SATTR3_NONE, mode: 0o666 }, spec: { specdata1: 1, specdata2: 3 } } }));
  assert.deepEqual(nullDev.objAttributes?.rdev, { specdata1: 1, specdata2: 3 });
  ok(await c.nfs('symlink', { where: { dir: root, name: 'etc-link' }, symlinkAttributes: SATTR3_NONE, symlinkData: 'etc' }));
  ok(await c.nfs('rename', { from: { dir: etc, name: 'motd' }, to: { dir: etc, name: 'motd.old' } }));
  ok(await c.nfs('link', { file: hostname, link: { dir: root, name: 'hostname-link' } }));
  assert.equal(ok(await c.nfs('getattr', { object: hostname })).objAttributes.nlink, 2);
  assert.deepEqual(await names(c, etc), ['.', '..', 'fstab', 'hostname', 'motd.old']);
  ok(await c.nfs('remove', { object: { dir: etc, name: 'motd.old' } }));
  assert.equal(status(await c.nfs('rmdir', { object: { dir: root, name: 'etc' } })), 'NFS3ERR_NOTEMPTY');
  assert.deepEqual(await names(c, root), ['.', '..', 'dev', 'etc', 'etc-link', 'hostname-link', 'tmp']);
  // The golden folder is untouched.
  assert.deepEqual(await readFile(join(golden, 'etc', 'hostname')), before);
  assert.deepEqual((await readdir(join(golden, 'etc'))).sort(), ['hostname', 'motd']);
  assert.deepEqual((await readdir(golden)).sort(), ['etc', 'tmp']);
});

test('layered: exclusive CREATE retransmit, sticky /tmp refusals and SETATTR owners hold over the layer; a reopened layer keeps them', async (t) => {
  const { serve } = await lab(t);
  {
    const { root, as } = await serve();
    const alice = await as(ALICE);
    const tmp = ok(await alice.nfs('lookup', { what: { dir: root, name: 'tmp' } })).object;
    const verf = Buffer.from('abcdefgh');
    const first = ok(await alice.nfs('create', { where: { dir: tmp, name: 'lock' }, how: { mode: 'exclusive', verf } }));
    const again = ok(await alice.nfs('create', { where: { dir: tmp, name: 'lock' }, how: { mode: 'exclusive', verf } }));
    assert.deepEqual(Buffer.from(again.obj!), Buffer.from(first.obj!));
    assert.equal(first.objAttributes?.uid, ALICE.uid);
    assert.equal(status(await alice.nfs('create', { where: { dir: tmp, name: 'lock' }, how: { mode: 'exclusive', verf: Buffer.from('hgfedcba') } })), 'NFS3ERR_EXIST');
    ok(await alice.nfs('setattr', { object: first.obj!, newAttributes: { ...SATTR3_NONE, mode: 0o640 }, guard: null }));
    assert.equal(status(await alice.nfs('create', { where: { dir: root, name: 'x' }, how: { mode: 'guarded', attributes: SATTR3_NONE } })), 'NFS3ERR_ACCES');
    assert.equal(status(await (await as(BOB)).nfs('remove', { object: { dir: tmp, name: 'lock' } })), 'NFS3ERR_ACCES');
  }
  const { c, root } = await serve();
  const tmp = ok(await c.nfs('lookup', { what: { dir: root, name: 'tmp' } })).object;
  const lock = ok(await c.nfs('lookup', { what: { dir: tmp, name: 'lock' } }));
  assert.equal(lock.objAttributes?.mode, 0o640);
  assert.equal(lock.objAttributes?.uid, ALICE.uid);
});

test('READ replies read late still hold their own bytes, copied or from the kernel: 24 READs of 1 MiB in two waves', async (t) => {
  for (const path of readPaths()) {
    const l = await lab(t);
    // Every MiB of the file is filled with its own byte, golden and (after a write) layer alike.
    const mib = 1024 * 1024;
    const content = Buffer.alloc(24 * mib);
    for (let i = 0; i < 24; i++) content.fill(i + 1, i * mib, (i + 1) * mib);
    await writeFile(join(l.golden, 'big'), content);
    // The server goes on reading calls however many replies wait to be written, so the second wave is read
    // while the first still waits (by default it stops reading at 4 MiB, which hides an early reuse).
    const { c, root, stats } = await l.serve({ maxPendingWriteBytes: 256 * mib }, path.kernelSend);
    const file = ok(await c.nfs('lookup', { what: { dir: root, name: 'big' } })).object;
    const descriptors = await openDescriptors();
    for (const [label, offsetOf] of [['golden', (i: number) => i], ['layer', (i: number) => 23 - i]] as const) {
      if (label === 'layer') ok(await c.nfs('write', { file, offset: 0, stable: StableHow.fileSync, data: Buffer.from([1]) }));
      const read = (i: number) => c.nfs('read', { file, offset: offsetOf(i) * mib, count: mib });
      // Replies are not read for a while: the first twelve back up in the server's socket, and the next twelve,
      // read meanwhile, would overwrite them if their buffers went back to the pool before they were written.
      c.rpc.socket.pause();
      const first = Array.from({ length: 12 }, (_, i) => read(i));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const second = Array.from({ length: 12 }, (_, i) => read(12 + i));
      await new Promise((resolve) => setTimeout(resolve, 300));
      c.rpc.socket.resume();
      const results = await Promise.all([...first, ...second]);
      results.forEach((res, i) => {
        const data = Buffer.from(ok(res).data);
        assert.equal(data.length, mib);
        assert.ok(data.subarray(1).every((b) => b === offsetOf(i) + 1), `${path.how}: ${label} READ ${i} got its own MiB`);
      });
    }
    assert.equal(stats().tcpFromKernel, path.kernelSend === undefined ? 0 : 48, `${path.how}: how the 48 READs were sent`);
    assert.equal(stats().tcpFromKernelFailed, 0);
    // The views keep the golden file and the layer's copy open (one descriptor each); what each of the 48 READs
    // held is closed once its reply was written.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok((await openDescriptors()) <= descriptors + 2, `${path.how}: no descriptor left behind by the READs`);
  }
});

test('layered: a READDIRPLUS page asked again shows every change since, made through NFS or in the golden folder', async (t) => {
  const { golden, serve } = await lab(t);
  const { c, root } = await serve();
  const etc = ok(await c.nfs('lookup', { what: { dir: root, name: 'etc' } })).object;
  const page = async (dir: NfsFh3) =>
    new Map(ok(await c.nfs('readdirplus', { dir, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 65536, maxcount: 65536 })).entries.map((e) => [e.name, e.nameAttributes]));
  /** Asks until the page comes from the kept ones, so that the change after it must make the server notice. */
  const kept = async (dir: NfsFh3) => {
    const before = keptPagesServed.count;
    for (let i = 0; i < 5 && keptPagesServed.count === before; i++) await page(dir);
    assert.ok(keptPagesServed.count > before, 'the page was kept and served again');
    return page(dir);
  };
  const first = await page(etc);
  assert.deepEqual(await kept(etc), first, 'nothing changed: the same');
  const hostname = ok(await c.nfs('lookup', { what: { dir: etc, name: 'hostname' } })).object;
  ok(await c.nfs('setattr', { object: hostname, newAttributes: { ...SATTR3_NONE, mode: 0o600 }, guard: null }));
  assert.equal((await page(etc)).get('hostname')?.mode, 0o600, 'a SETATTR through NFS');
  await kept(etc);
  ok(await c.nfs('write', { file: hostname, offset: 0, stable: StableHow.unstable, data: Buffer.from('a longer name\n') }));
  assert.equal((await page(etc)).get('hostname')?.size, 14, 'a WRITE (copying the file up)');
  await kept(etc);
  ok(await c.nfs('write', { file: hostname, offset: 14, stable: StableHow.unstable, data: Buffer.from('more\n') }));
  assert.equal((await page(etc)).get('hostname')?.size, 19, 'a WRITE to the layer copy');
  await kept(etc);
  ok(await c.nfs('create', { where: { dir: etc, name: 'new' }, how: { mode: 'guarded', attributes: SATTR3_NONE } }));
  assert.ok((await page(etc)).has('new'), 'a CREATE');
  // Changes made in the golden folder by hand show once the attributes are older than their second of freshness.
  await kept(etc);
  await chmod(join(golden, 'etc', 'motd'), 0o640);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal((await page(etc)).get('motd')?.mode, 0o640, 'a golden file chmod-ed');
  // Only the parent changes: nothing in etc's own listing would notice.
  await kept(etc);
  await chmod(golden, 0o750);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal((await page(etc)).get('..')?.mode, 0o750, "the parent's own attributes");
});

test('layered: a kept READDIRPLUS page of a directory the layer has not touched is answered without the view; a touched one the long way', async (t) => {
  const { serve } = await lab(t);
  const { c, root } = await serve();
  const etc = ok(await c.nfs('lookup', { what: { dir: root, name: 'etc' } })).object;
  const page = async (cookie = 0n, cookieverf: Uint8Array = Buffer.alloc(8)) =>
    ok(await c.nfs('readdirplus', { dir: etc, cookie, cookieverf, dircount: 512, maxcount: 400 }));
  const served = () => ({ ...keptPagesServed });
  const first = await page();
  assert.equal(first.eof, false, 'etc takes more than one page at these counts');
  const next = first.entries.at(-1)!.cookie;
  const second = await page(next, first.cookieverf);
  let before = served();
  assert.deepEqual(await page(), first, 'the first page again, as it was');
  assert.deepEqual(await page(next, first.cookieverf), second, 'the second page again, as it was');
  assert.equal(keptPagesServed.withoutView - before.withoutView, 2, 'both kept pages were answered without the view');
  // Another verifier than the page's goes the long way, where the view judges it (the layer's cookies need none).
  before = served();
  assert.deepEqual(await page(next, Buffer.from('anything')), second);
  assert.equal(keptPagesServed.count - before.count, 1, 'kept');
  assert.equal(keptPagesServed.withoutView, before.withoutView, 'but read the long way');

  ok(await c.nfs('create', { where: { dir: etc, name: 'new' }, how: { mode: 'guarded', attributes: SATTR3_NONE } }));
  assert.ok((await names(c, etc)).includes('new'), 'the CREATE shows');
  const changed = await page();
  before = served();
  assert.deepEqual(await page(), changed, 'the changed page again, as it was');
  assert.equal(keptPagesServed.count - before.count, 1, 'kept');
  assert.equal(keptPagesServed.withoutView, before.withoutView, 'but read the long way: the layer has touched etc');
});

test('layered: an UNSTABLE WRITE over TCP is answered before its bytes land; wcc then has no attributes after, and every call after it sees them', async (t) => {
  const { serve } = await lab(t);
  const { c, root } = await serve();
  const made = ok(await c.nfs('create', { where: { dir: root, name: 'log' }, how: { mode: 'guarded', attributes: SATTR3_NONE } })).obj!;
  const MiB = 1024 * 1024;
  const data = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i += 4) data.writeUInt32BE(i, i);
  const written = ok(await c.nfs('write', { file: made, offset: 0, stable: StableHow.unstable, data }));
  assert.equal(written.count, MiB);
  assert.equal(written.committed, StableHow.unstable);
  assert.equal(written.fileWcc.before?.size, 0, 'the attributes from before');
  assert.equal(written.fileWcc.after, null, 'none after: they would wait for the write');
  // Each asked right after a WRITE that may still be going: all wait for it.
  assert.equal(ok(await c.nfs('getattr', { object: made })).objAttributes.size, MiB);
  ok(await c.nfs('write', { file: made, offset: MiB, stable: StableHow.unstable, data }));
  const listed = ok(await c.nfs('readdirplus', { dir: root, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 65536, maxcount: 65536 }));
  assert.equal(listed.entries.find((e) => e.name === 'log')?.nameAttributes?.size, 2 * MiB);
  ok(await c.nfs('write', { file: made, offset: 2 * MiB, stable: StableHow.unstable, data }));
  const back = Buffer.from(ok(await c.nfs('read', { file: made, offset: 2 * MiB, count: MiB })).data);
  assert.ok(back.equals(data), 'a READ right after the WRITE has its bytes');
  ok(await c.nfs('write', { file: made, offset: 3 * MiB, stable: StableHow.unstable, data }));
  const committed = ok(await c.nfs('commit', { file: made, offset: 0, count: 0 }));
  assert.equal(committed.fileWcc.after?.size, 4 * MiB);
  // A stable write is answered once it is on disk, with the attributes after it.
  const stable = ok(await c.nfs('write', { file: made, offset: 0, stable: StableHow.fileSync, data: Buffer.from('x') }));
  assert.equal(stable.fileWcc.after?.size, 4 * MiB);
});

test('layered: sequential READs (read ahead, or from the kernel), and a WRITE into the next range is what the next READ returns', async (t) => {
  for (const path of readPaths()) {
    const { golden, serve } = await lab(t);
    const MiB = 1024 * 1024;
    const bytes = Buffer.alloc(4 * MiB);
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32BE(i, i);
    await writeFile(join(golden, 'big'), bytes);
    const { c, root, stats } = await serve(undefined, path.kernelSend);
    const big = ok(await c.nfs('lookup', { what: { dir: root, name: 'big' } })).object;
    const read = async (offset: number) => Buffer.from(ok(await c.nfs('read', { file: big, offset, count: MiB })).data);
    // Whole file, in order: every range as it is, whether read ahead or not.
    const whole = Buffer.concat([await read(0), await read(MiB), await read(2 * MiB), await read(3 * MiB)]);
    assert.ok(whole.equals(bytes), 'read in order, byte-identical');
    // Read the first range again: the second is now being read ahead; change it before asking for it.
    assert.ok((await read(0)).equals(bytes.subarray(0, MiB)));
    ok(await c.nfs('write', { file: big, offset: MiB + 10, stable: StableHow.fileSync, data: Buffer.from('changed') }));
    const second = await read(MiB);
    assert.equal(second.subarray(10, 17).toString(), 'changed', 'the WRITE shows, not the range read ahead before it');
    assert.ok(second.subarray(0, 10).equals(bytes.subarray(MiB, MiB + 10)));
    assert.ok((await read(2 * MiB)).equals(bytes.subarray(2 * MiB, 3 * MiB)), 'and reading on from there is right');
    // Past the end: nothing, and eof.
    const end = ok(await c.nfs('read', { file: big, offset: 4 * MiB - 100, count: MiB }));
    assert.equal(end.data.length, 100);
    assert.equal(end.eof, true);
    assert.equal(stats().tcpFromKernel > 0, path.kernelSend !== undefined, `${path.how}: how the READs were sent`);
  }
});
