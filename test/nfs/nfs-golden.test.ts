// The NFSv3 program over the read-only golden view of a real folder, through the RPC server (RFC 1813): reads,
// symlinks as data, READDIR/READDIRPLUS paging to the client's counts over 2,000 entries, ROFS for every change.
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TestContext } from 'node:test';
import { SATTR3_NONE } from '../../src/nfs/nfs3-sattr.js';
import { Access3, Ftype3, type NfsFh3 } from '../../src/nfs/nfs3-types.js';
import { openGoldenView } from '../../src/nfs/view/golden-view.js';
import { readOnlyView } from '../../src/nfs/view/read-only-view.js';
import type { View } from '../../src/nfs/view/view.js';
import { memoryView } from './memory-view.js';
import { ALICE, ok, OWN_RULE, servedExport, startNfs, status } from './nfs-harness.js';
import type { Nfs3TestClient } from './nfs3-test-client.js';
import { HANDLE_BYTES } from '../../src/nfs/file-handle.js';
import { keptPagesServed } from '../../src/nfs/procedures/dir-handlers.js';
import { lookupsWithoutView } from '../../src/nfs/procedures/lookup-handlers.js';

const MANY = 2000;
const manyName = (i: number): string => `entry-${String(i).padStart(4, '0')}${'x'.repeat(i % 23)}`;

/** One folder for every test of this file: making 2,000 files costs seconds. Nothing here writes to it. */
let folder: Promise<string> | null = null;
after(async () => {
  if (folder !== null) await rm(join(await folder, '..'), { recursive: true, force: true });
});
function goldenFolder(): Promise<string> {
  folder ??= makeGoldenFolder();
  return folder;
}

async function makeGoldenFolder(): Promise<string> {
  const top = await mkdtemp(join(tmpdir(), 'bramble-nfs-golden-'));
  const root = join(top, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'many'));
  await writeFile(join(root, 'etc', 'hostname'), 'golden\n');
  await writeFile(join(root, 'big'), Buffer.alloc(300_000, 9));
  await symlink('/etc/hostname', join(root, 'link'));
  await Promise.all(Array.from({ length: MANY }, (_, i) => writeFile(join(root, 'many', manyName(i)), '')));
  return root;
}

async function served(t: TestContext, view: View): Promise<{ c: Nfs3TestClient; root: NfsFh3 }> {
  const exp = servedExport(3, view);
  const server = await startNfs(t, [exp]);
  return { c: await server.client(), root: server.root(exp) };
}

const lookupPath = async (c: Nfs3TestClient, from: NfsFh3, ...names: string[]): Promise<NfsFh3> => {
  let fh = from;
  for (const name of names) fh = ok(await c.nfs('lookup', { what: { dir: fh, name } })).object;
  return fh;
};

test('golden: LOOKUP, READ in pieces to eof, READLINK gives the target as data', async (t) => {
  const { c, root } = await served(t, readOnlyView(await openGoldenView(await goldenFolder())));
  const hostname = await lookupPath(c, root, 'etc', 'hostname');
  const read = ok(await c.nfs('read', { file: hostname, offset: 0, count: 4096 }));
  assert.equal(Buffer.from(read.data).toString(), 'golden\n');
  assert.equal(read.eof, true);
  const big = await lookupPath(c, root, 'big');
  let offset = 0;
  for (;;) {
    const piece = ok(await c.nfs('read', { file: big, offset, count: 128 * 1024 }));
    assert.ok(Buffer.from(piece.data).every((b) => b === 9));
    offset += piece.data.length;
    if (piece.eof) break;
  }
  assert.equal(offset, 300_000);
  const link = await lookupPath(c, root, 'link');
  assert.equal(ok(await c.nfs('getattr', { object: link })).objAttributes.type, Ftype3.lnk);
  assert.equal(ok(await c.nfs('readlink', { symlink: link })).data, '/etc/hostname');
});

test('golden: every change is ROFS with wcc, ACCESS grants no change bits, COMMIT is ROFS', async (t) => {
  const { c, root } = await served(t, readOnlyView(await openGoldenView(await goldenFolder())));
  const hostname = await lookupPath(c, root, 'etc', 'hostname');
  const refused = await c.nfs('create', { where: { dir: root, name: 'new' }, how: { mode: 'guarded', attributes: SATTR3_NONE } });
  assert.equal(status(refused), 'NFS3ERR_ROFS');
  assert.ok(refused.dirWcc.before !== null && refused.dirWcc.after !== null);
  assert.equal(status(await c.nfs('mkdir', { where: { dir: root, name: 'new' }, attributes: SATTR3_NONE })), 'NFS3ERR_ROFS');
  assert.equal(status(await c.nfs('symlink', { where: { dir: root, name: 'new' }, symlinkAttributes: SATTR3_NONE, symlinkData: 'x' })), 'NFS3ERR_ROFS');
  assert.equal(status(await c.nfs('mknod', { where: { dir: root, name: 'new' }, what: { type: Ftype3.fifo, pipeAttributes: SATTR3_NONE } })), 'NFS3ERR_ROFS');
  assert.equal(status(await c.nfs('write', { file: hostname, offset: 0, stable: 2, data: Buffer.from('x') })), 'NFS3ERR_ROFS');
  assert.equal(status(await c.nfs('setattr', { object: hostname, newAttributes: { ...SATTR3_NONE, mode: 0o600 }, guard: null })), 'NFS3ERR_ROFS');
  assert.equal(status(await c.nfs('remove', { object: { dir: root, name: 'big' } })), 'NFS3ERR_ROFS');
  assert.equal(status(await c.nfs('rmdir', { object: { dir: root, name: 'etc' } })), 'NFS3ERR_ROFS');
  assert.equal(status(await c.nfs('rename', { from: { dir: root, name: 'big' }, to: { dir: root, name: 'small' } })), 'NFS3ERR_ROFS');
  assert.equal(status(await c.nfs('link', { file: hostname, link: { dir: root, name: 'l2' } })), 'NFS3ERR_ROFS');
  assert.equal(status(await c.nfs('commit', { file: hostname, offset: 0, count: 0 })), 'NFS3ERR_ROFS');
  assert.equal(ok(await c.nfs('access', { object: root, access: 0x3f })).access, Access3.read | Access3.lookup);
  assert.equal(ok(await c.nfs('access', { object: hostname, access: 0x3f })).access, Access3.read);
  ok(await c.nfs('fsstat', { fsroot: root }));
});

test('golden: a read-only rule over a writable view is ROFS too', async (t) => {
  const exp = servedExport(4, memoryView(), { ...OWN_RULE, readOnly: true });
  const server = await startNfs(t, [exp]);
  const c = await server.client();
  assert.equal(status(await c.nfs('mkdir', { where: { dir: server.root(exp), name: 'x' }, attributes: SATTR3_NONE })), 'NFS3ERR_ROFS');
});

/** Every name READDIR gives, page by page, with the cookie and verifier of the last page. */
async function readdirAll(c: Nfs3TestClient, dir: NfsFh3, count: number): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let cookie = 0n;
  let cookieverf: Uint8Array = Buffer.alloc(8);
  for (let pages = 1; ; pages++) {
    const page = ok(await c.nfs('readdir', { dir, cookie, cookieverf, count }));
    assert.ok(page.entries.length > 0 || page.eof, 'a page makes progress');
    names.push(...page.entries.map((e) => e.name));
    if (page.eof) return { names, pages };
    cookie = page.entries.at(-1)!.cookie;
    cookieverf = page.cookieverf;
  }
}

async function readdirplusAll(c: Nfs3TestClient, dir: NfsFh3, dircount: number, maxcount: number): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let cookie = 0n;
  let cookieverf: Uint8Array = Buffer.alloc(8);
  for (let pages = 1; ; pages++) {
    const page = ok(await c.nfs('readdirplus', { dir, cookie, cookieverf, dircount, maxcount }));
    for (const e of page.entries) {
      assert.ok(e.nameAttributes !== null && e.nameHandle !== null, `${e.name} has attributes and a handle`);
      names.push(e.name);
    }
    if (page.eof) return { names, pages };
    cookie = page.entries.at(-1)!.cookie;
    cookieverf = page.cookieverf;
  }
}

const expectedNames = ['.', '..', ...Array.from({ length: MANY }, (_, i) => manyName(i))].sort();

for (const [kind, open] of [
  ['golden', async (): Promise<View> => readOnlyView(await openGoldenView(await goldenFolder()))],
  [
    'memory',
    async (): Promise<View> => {
      const view = memoryView();
      const many = await view.make(view.rootId, 'many', { type: 'dir', mode: 0o755, uid: 0, gid: 0 });
      assert.ok(many.ok);
      for (let i = 0; i < MANY; i++) await view.make(many.value, manyName(i), { type: 'reg', mode: 0o644, uid: 0, gid: 0 });
      return view;
    },
  ],
] as const) {
  test(`${kind}: READDIR with small counts pages through ${MANY} entries, each name exactly once`, async (t) => {
    const { c, root } = await served(t, await open());
    const many = await lookupPath(c, root, 'many');
    for (const count of [512, 1500, 8192]) {
      const { names, pages } = await readdirAll(c, many, count);
      assert.deepEqual([...names].sort(), expectedNames, `count ${count}`);
      assert.ok(pages > MANY / (count / 24), `count ${count}: ${pages} pages, each within the count`);
    }
  });

  test(`${kind}: READDIRPLUS pages within dircount and maxcount, each name once with attributes and handle`, async (t) => {
    const { c, root } = await served(t, await open());
    const many = await lookupPath(c, root, 'many');
    for (const [dircount, maxcount] of [[512, 4096], [8192, 2048], [65536, 65536]] as const) {
      const { names } = await readdirplusAll(c, many, dircount, maxcount);
      assert.deepEqual([...names].sort(), expectedNames, `dircount ${dircount} maxcount ${maxcount}`);
    }
  });
}

test('READDIR: a count too small for one entry is TOOSMALL; a file is NOTDIR; a stale cookie verifier is BAD_COOKIE', async (t) => {
  const { c, root } = await served(t, readOnlyView(await openGoldenView(await goldenFolder())));
  const many = await lookupPath(c, root, 'many');
  assert.equal(status(await c.nfs('readdir', { dir: many, cookie: 0n, cookieverf: Buffer.alloc(8), count: 100 })), 'NFS3ERR_TOOSMALL');
  assert.equal(status(await c.nfs('readdirplus', { dir: many, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 100, maxcount: 150 })), 'NFS3ERR_TOOSMALL');
  const big = await lookupPath(c, root, 'big');
  assert.equal(status(await c.nfs('readdir', { dir: big, cookie: 0n, cookieverf: Buffer.alloc(8), count: 4096 })), 'NFS3ERR_NOTDIR');
  const first = ok(await c.nfs('readdir', { dir: many, cookie: 0n, cookieverf: Buffer.alloc(8), count: 1024 }));
  const wrong = Buffer.from(first.cookieverf);
  wrong[7] = wrong[7]! ^ 1;
  const refused = await c.nfs('readdir', { dir: many, cookie: first.entries.at(-1)!.cookie, cookieverf: wrong, count: 1024 });
  assert.equal(status(refused), 'NFS3ERR_BAD_COOKIE');
  assert.equal(refused.dirAttributes?.type, Ftype3.dir);
});

test('READDIRPLUS: every page stays within maxcount and, past its first entry, within dircount', async (t) => {
  const { c, root } = await served(t, readOnlyView(await openGoldenView(await goldenFolder())));
  const many = await lookupPath(c, root, 'many');
  const maxcount = 3000;
  const page = ok(await c.nfs('readdirplus', { dir: many, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 100_000, maxcount }));
  // status + post_op_attr + cookieverf + list end + eof, then per entry 4 + 8 + name + 8 + attrs (88) + handle (4 + 4 + 28)
  const bytes = 108 + page.entries.reduce((sum, e) => sum + 4 + 8 + 4 + Math.ceil(Buffer.byteLength(e.name) / 4) * 4 + 8 + 88 + 4 + 4 + HANDLE_BYTES, 0);
  assert.ok(bytes <= maxcount, `${bytes} bytes`);
  assert.ok(bytes + 200 > maxcount, `as many as fit: ${bytes} bytes of ${maxcount}`);
  const small = ok(await c.nfs('readdirplus', { dir: many, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 200, maxcount: 65536 }));
  const dirBytes = small.entries.reduce((sum, e) => sum + 4 + 8 + 4 + Math.ceil(Buffer.byteLength(e.name) / 4) * 4 + 8, 0);
  assert.ok(dirBytes - (4 + 8 + 8 + 8) <= 200 || small.entries.length === 1, `${dirBytes} directory bytes for dircount 200`);
  assert.ok(small.entries.length >= 2);
});

/** A folder of its own (root/etc/hostname) for a test that changes it by hand. */
async function smallRoot(t: TestContext): Promise<string> {
  const top = await mkdtemp(join(tmpdir(), 'bramble-nfs-golden-own-'));
  t.after(() => rm(top, { recursive: true, force: true }));
  const root = join(top, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc', 'hostname'), 'golden\n');
  return root;
}

test('golden READDIRPLUS: a kept page comes without the view only while the view holds all it shows fresh', async (t) => {
  const root = await smallRoot(t);
  await chmod(root, 0o755);
  // Attributes of what is not watched hold 4 s; a listed (so watched) directory and its entries far longer. The
  // steps before the parent's chmod have those 4 s to run, however loaded the machine.
  const view = await openGoldenView(root, { attributeCacheMs: 4000 });
  t.after(() => view.close());
  const { c, root: rootFh } = await served(t, readOnlyView(view));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const etc = await lookupPath(c, rootFh, 'etc'); // reads the root's attributes; the root is never listed
  const rootRead = Date.now(); // the root's attributes were read before this
  const page = async () => {
    const res = ok(await c.nfs('readdirplus', { dir: etc, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 65536, maxcount: 65536 }));
    return new Map(res.entries.map((e) => [e.name, e.nameAttributes?.mode]));
  };
  /** A page read while the epoch moved is kept under the epoch from before, so the next ask writes it again. */
  const withoutView = async (): Promise<boolean> => {
    const before = keptPagesServed.withoutView;
    for (let i = 0; i < 3 && keptPagesServed.withoutView === before; i++) await page();
    return keptPagesServed.withoutView > before;
  };
  // etc is listed, and so watched, from here on.
  await page();
  assert.equal(await withoutView(), true, 'asked again: the kept page, without the view');
  assert.equal(await withoutView(), true, 'and again');

  // An entry changed by hand: the report makes etc and its listing old; a GETATTR then reads etc's own
  // attributes again (unchanged), but its listing is still old, so the page must go the long way.
  await chmod(join(root, 'etc', 'hostname'), 0o600);
  await sleep(200);
  ok(await c.nfs('getattr', { object: etc }));
  assert.equal((await page()).get('hostname'), 0o600, "an entry's chmod by hand");
  assert.equal(await withoutView(), true, 'kept again');

  // The parent changed by hand: unwatched, nothing reports it, but its attributes age while etc's hold.
  await chmod(root, 0o750);
  await sleep(Math.max(0, rootRead + 4100 - Date.now()));
  ok(await c.nfs('getattr', { object: etc }));
  assert.equal((await page()).get('..'), 0o750, "the parent's chmod by hand, once its attributes aged");
});

test('golden LOOKUP: once the directory is listed, answered without the view, as the long way answers; changes by hand show', async (t) => {
  const root = await smallRoot(t);
  const view = await openGoldenView(root, { attributeCacheMs: 60_000 });
  t.after(() => view.close());
  const exp = servedExport(3, readOnlyView(view));
  const server = await startNfs(t, [exp]);
  const c = await server.client();
  const etc = await lookupPath(c, server.root(exp), 'etc');
  const lookup = async (name: string) => {
    const before = lookupsWithoutView.count;
    const res = await c.nfs('lookup', { what: { dir: etc, name } });
    return { res, withoutView: lookupsWithoutView.count > before };
  };
  const longWay = await lookup('hostname');
  assert.equal(longWay.withoutView, false, 'etc not listed yet: the long way');
  ok(await c.nfs('readdirplus', { dir: etc, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 65536, maxcount: 65536 }));
  const now = await lookup('hostname');
  assert.equal(now.withoutView, true, 'etc listed: without the view');
  assert.deepEqual(now.res, longWay.res, 'the same answer, handle and attributes');
  assert.equal(status(await c.nfs('lookup', { what: { dir: etc, name: 'missing' } })), 'NFS3ERR_NOENT');

  const shows = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    for (let waited = 0; waited < 3000; waited += 20) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.fail(`${what} did not show within 3 s`);
  };
  await chmod(join(root, 'etc', 'hostname'), 0o600);
  await shows('a chmod by hand', async () => ok((await lookup('hostname')).res).objAttributes?.mode === 0o600);
  await writeFile(join(root, 'etc', 'made-by-hand'), 'x');
  await shows('a file made by hand', async () => (await lookup('made-by-hand')).res.status === 0);
  await rm(join(root, 'etc', 'hostname'));
  await shows('a file removed by hand', async () => status((await lookup('hostname')).res) === 'NFS3ERR_NOENT');
  // Listed again, the lookups come without the view once more.
  ok(await c.nfs('readdirplus', { dir: etc, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 65536, maxcount: 65536 }));
  assert.equal((await lookup('made-by-hand')).withoutView, true);

  // A directory changed inside by hand: its own attributes are old, its parent's listing not.
  await mkdir(join(root, 'etc', 'sub'));
  await shows('a directory made by hand', async () => (await lookup('sub')).res.status === 0);
  const sub = ok((await lookup('sub')).res).object;
  ok(await c.nfs('readdirplus', { dir: sub, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 65536, maxcount: 65536 }));
  ok(await c.nfs('readdirplus', { dir: etc, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 65536, maxcount: 65536 }));
  await new Promise((resolve) => setTimeout(resolve, 20));
  await writeFile(join(root, 'etc', 'sub', 'inside'), 'x');
  const mtime = (await lstat(join(root, 'etc', 'sub'), { bigint: true })).mtimeNs;
  await shows("the directory's new mtime", async () => {
    const now = ok((await lookup('sub')).res).objAttributes!.mtime;
    return BigInt(now.seconds) * 1_000_000_000n + BigInt(now.nseconds) === mtime;
  });

  // Search permission is the caller's: a directory root may search and Alice may not.
  await chmod(join(root, 'etc'), 0o700);
  await shows('the chmod of etc', async () => ok(await c.nfs('getattr', { object: etc })).objAttributes.mode === 0o700);
  ok(await c.nfs('readdirplus', { dir: etc, cookie: 0n, cookieverf: Buffer.alloc(8), dircount: 65536, maxcount: 65536 }));
  assert.equal((await lookup('made-by-hand')).withoutView, true, 'root, without the view');
  const alice = await server.client(ALICE);
  assert.equal(status(await alice.nfs('lookup', { what: { dir: etc, name: 'made-by-hand' } })), 'NFS3ERR_ACCES');
});
