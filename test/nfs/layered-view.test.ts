// A machine's layered view over a golden folder: copy-up keeps ids, whiteouts, renames, links, special files,
// persistence across a reopen, and the golden folder never changing.
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { openGoldenView } from '../../src/nfs/view/golden-view.js';
import { openLayeredView, type LayeredView } from '../../src/nfs/view/layered-view.js';
import { LAYER_ID_BIT } from '../../src/nfs/view/layer-state.js';
import type { ViewResult } from '../../src/nfs/view/view.js';
import { folderManifest } from './folder-manifest.js';

function value<T>(r: ViewResult<T>): T {
  if (!r.ok) assert.fail(`expected success, got ${r.error}`);
  return r.value;
}
function error<T>(r: ViewResult<T>): string {
  assert.equal(r.ok, false, 'expected a failure');
  return (r as { error: string }).error;
}

interface Lab {
  readonly golden: string;
  readonly layer: string;
  open(): Promise<LayeredView>;
}

async function lab(t: TestContext): Promise<Lab> {
  const top = await mkdtemp(join(tmpdir(), 'bramble-layered-'));
  t.after(() => rm(top, { recursive: true, force: true }));
  const golden = join(top, 'golden');
  await mkdir(join(golden, 'etc'), { recursive: true });
  await mkdir(join(golden, 'usr', 'share', 'doc'), { recursive: true });
  await writeFile(join(golden, 'etc', 'hostname'), 'golden\n');
  await writeFile(join(golden, 'etc', 'motd'), 'welcome\n');
  await writeFile(join(golden, 'usr', 'share', 'doc', 'README'), 'docs\n');
  await writeFile(join(golden, 'big'), Buffer.alloc(200_000, 7));
  await symlink('hostname', join(golden, 'etc', 'name-link'));
  for (let i = 0; i < 40; i++) await writeFile(join(golden, 'etc', `conf${i}`), `${i}\n`);
  const layer = join(top, 'machines', 'a');
  const opened: LayeredView[] = [];
  t.after(async () => {
    for (const view of opened) await view.close().catch(() => undefined);
  });
  return {
    golden,
    layer,
    async open() {
      const view = await openLayeredView({ golden: await openGoldenView(golden), folder: layer, log: silentLogger() });
      opened.push(view);
      return view;
    },
  };
}

async function walk(view: LayeredView, ...names: string[]): Promise<bigint> {
  let id = view.rootId;
  for (const name of names) id = value(await view.lookup(id, name));
  return id;
}

async function text(view: LayeredView, id: bigint): Promise<string> {
  return value(await view.read(id, 0n, 1 << 20)).data.toString();
}

async function names(view: LayeredView, dirId: bigint): Promise<string[]> {
  const out: string[] = [];
  let cookie = 0n;
  for (;;) {
    const page = value(await view.readdir(dirId, cookie, 0n, 5));
    out.push(...page.entries.map((e) => e.name));
    if (page.eof) return out.sort();
    cookie = page.entries.at(-1)!.cookie;
  }
}

const root = { uid: 0, gid: 0 };

test('reads fall through to golden with golden ids; a write copies up under the same id and golden stays as it was', async (t) => {
  const l = await lab(t);
  const before = await folderManifest(l.golden);
  const view = await l.open();
  const hostname = await walk(view, 'etc', 'hostname');
  assert.equal(hostname, (await lstat(join(l.golden, 'etc', 'hostname'), { bigint: true })).ino);
  assert.equal(await text(view, hostname), 'golden\n');
  value(await view.write(hostname, 3n, Buffer.from('machine'), 'file'));
  assert.equal(await walk(view, 'etc', 'hostname'), hostname, 'copy-up keeps the id');
  assert.equal(await text(view, hostname), 'golmachine');
  const attrs = value(await view.getattr(hostname));
  assert.equal(attrs.size, 10n);
  assert.equal(attrs.fileId, hostname);
  // a write past the end of a big golden file, then a truncate
  const big = await walk(view, 'big');
  value(await view.write(big, 300_000n, Buffer.from('tail'), 'unstable'));
  value(await view.commit(big));
  assert.equal(value(await view.getattr(big)).size, 300_004n);
  assert.equal(value(await view.read(big, 100n, 4)).data.toString('hex'), '07070707');
  value(await view.setattr(big, { size: 10n }));
  assert.equal(value(await view.getattr(big)).size, 10n);
  assert.deepEqual(await folderManifest(l.golden), before);
});

test('owners, modes and times of golden files change in the layer only, and survive a reopen', async (t) => {
  const l = await lab(t);
  const before = await folderManifest(l.golden);
  let view = await l.open();
  const motd = await walk(view, 'etc', 'motd');
  const attrs = value(await view.setattr(motd, { mode: 0o4600, uid: 1000, gid: 100, mtimeNs: 1_000_000_000n * 1_600_000_000n }));
  assert.equal(attrs.mode, 0o4600);
  assert.equal(attrs.uid, 1000);
  assert.equal(attrs.gid, 100);
  assert.equal(attrs.mtimeNs, 1_000_000_000n * 1_600_000_000n);
  const etc = await walk(view, 'etc');
  value(await view.setattr(etc, { mode: 0o700 }));
  await view.close();
  view = await l.open();
  const again = value(await view.getattr(motd));
  assert.deepEqual([again.mode, again.uid, again.gid, again.mtimeNs], [0o4600, 1000, 100, 1_000_000_000n * 1_600_000_000n]);
  assert.equal(value(await view.getattr(etc)).mode, 0o700);
  assert.equal(await text(view, motd), 'welcome\n');
  assert.deepEqual(await folderManifest(l.golden), before);
});

test('new files, directories, symlinks, devices, fifos and sockets live in the layer with their metadata, across a reopen', async (t) => {
  const l = await lab(t);
  let view = await l.open();
  const dev = value(await view.make(view.rootId, 'dev', { type: 'dir', mode: 0o755, ...root }));
  assert.ok((dev & LAYER_ID_BIT) !== 0n);
  const nul = value(await view.make(dev, 'null', { type: 'chr', mode: 0o666, ...root, rdev: { major: 1, minor: 3 } }));
  const sda = value(await view.make(dev, 'sda', { type: 'blk', mode: 0o660, uid: 0, gid: 6, rdev: { major: 8, minor: 0 } }));
  const fifo = value(await view.make(dev, 'initctl', { type: 'fifo', mode: 0o600, ...root }));
  const sock = value(await view.make(dev, 'log', { type: 'sock', mode: 0o666, ...root }));
  const link = value(await view.make(view.rootId, 'lib', { type: 'lnk', mode: 0o777, ...root, target: 'usr/lib' }));
  const file = value(await view.make(dev, 'note', { type: 'reg', mode: 0o640, uid: 1000, gid: 1000 }));
  value(await view.write(file, 0n, Buffer.from('hello'), 'file'));
  await view.close();
  view = await l.open();
  const a = async (id: bigint) => value(await view.getattr(id));
  assert.deepEqual([(await a(nul)).type, (await a(nul)).rdev], ['chr', { major: 1, minor: 3 }]);
  assert.deepEqual([(await a(sda)).type, (await a(sda)).rdev, (await a(sda)).gid], ['blk', { major: 8, minor: 0 }, 6]);
  assert.equal((await a(fifo)).type, 'fifo');
  assert.equal((await a(sock)).type, 'sock');
  assert.equal((await a(link)).type, 'lnk');
  assert.equal(value(await view.readlink(link)), 'usr/lib');
  assert.equal((await a(file)).uid, 1000);
  assert.equal((await a(file)).mode, 0o640);
  assert.equal(await text(view, file), 'hello');
  assert.equal(await walk(view, 'dev', 'note'), file);
  assert.deepEqual(await names(view, dev), ['.', '..', 'initctl', 'log', 'note', 'null', 'sda']);
  assert.equal(await walk(view, 'dev', '..'), view.rootId);
  assert.equal(error(await view.make(dev, 'null', { type: 'reg', mode: 0o644, ...root })), 'EXIST');
  assert.equal(error(await view.read(nul, 0n, 10)), 'INVAL');
});

test('removing a golden file leaves a whiteout: gone from lookups and listings, its handle stale, golden untouched; a new file may take the name', async (t) => {
  const l = await lab(t);
  const before = await folderManifest(l.golden);
  let view = await l.open();
  const etc = await walk(view, 'etc');
  const motd = await walk(view, 'etc', 'motd');
  value(await view.remove(etc, 'motd', false));
  assert.equal(error(await view.lookup(etc, 'motd')), 'NOENT');
  assert.equal(error(await view.getattr(motd)), 'STALE');
  assert.ok(!(await names(view, etc)).includes('motd'));
  await view.close();
  view = await l.open();
  assert.equal(error(await view.lookup(etc, 'motd')), 'NOENT');
  const fresh = value(await view.make(etc, 'motd', { type: 'reg', mode: 0o644, ...root }));
  assert.notEqual(fresh, motd);
  assert.equal(value(await view.getattr(fresh)).size, 0n);
  assert.equal((await names(view, etc)).filter((n) => n === 'motd').length, 1);
  assert.deepEqual(await folderManifest(l.golden), before);
});

test('lookupNow and listingFreshNow: golden names of an untouched listed directory; nothing once the layer has touched it', async (t) => {
  const l = await lab(t);
  const view = await l.open();
  const etc = await walk(view, 'etc');
  const motd = await walk(view, 'etc', 'motd');
  await names(view, etc);
  assert.equal(view.lookupNow(etc, 'motd'), motd, 'listed and untouched: the golden name');
  assert.equal(view.listingFreshNow(etc), true);
  const usr = await walk(view, 'usr');
  await names(view, usr);
  assert.equal(view.listingFreshNow(usr), true);
  value(await view.setattr(usr, { mode: 0o700 }));
  await names(view, usr);
  assert.equal(view.listingFreshNow(usr), false, 'a directory the layer has touched (a chmod, same mtime) is listed by the layer');
  value(await view.remove(etc, 'motd', false));
  assert.equal(view.lookupNow(etc, 'motd'), undefined, 'whited out: not the golden name');
  await names(view, etc);
  assert.equal(view.listingFreshNow(etc), false, 'touched: the layer lists it');
  assert.equal(view.lookupNow(etc, 'hostname'), undefined, 'touched: lookup answers');
});

test('rename: a golden file keeps its id under its new name; a renamed golden directory keeps its golden entries and its new parent', async (t) => {
  const l = await lab(t);
  const before = await folderManifest(l.golden);
  let view = await l.open();
  const etc = await walk(view, 'etc');
  const hostname = await walk(view, 'etc', 'hostname');
  value(await view.rename(etc, 'hostname', view.rootId, 'hostname.old'));
  assert.equal(error(await view.lookup(etc, 'hostname')), 'NOENT');
  assert.equal(await walk(view, 'hostname.old'), hostname);
  assert.equal(await text(view, hostname), 'golden\n');
  const doc = await walk(view, 'usr', 'share', 'doc');
  const opt = value(await view.make(view.rootId, 'opt', { type: 'dir', mode: 0o755, ...root }));
  value(await view.rename(await walk(view, 'usr', 'share'), 'doc', opt, 'manuals'));
  await view.close();
  view = await l.open();
  assert.equal(await walk(view, 'opt', 'manuals'), doc);
  assert.equal(await text(view, await walk(view, 'opt', 'manuals', 'README')), 'docs\n');
  assert.equal(await walk(view, 'opt', 'manuals', '..'), opt);
  assert.ok(!(await names(view, await walk(view, 'usr', 'share'))).includes('doc'));
  assert.deepEqual(await folderManifest(l.golden), before);
});

test('rename follows POSIX: replaces a file, an empty directory; refuses into itself, over a non-empty directory, across types', async (t) => {
  const l = await lab(t);
  const view = await l.open();
  const etc = await walk(view, 'etc');
  const conf1 = await walk(view, 'etc', 'conf1');
  value(await view.rename(etc, 'conf1', etc, 'conf2'));
  assert.equal(await walk(view, 'etc', 'conf2'), conf1);
  assert.equal(await text(view, conf1), '1\n');
  assert.equal(error(await view.rename(view.rootId, 'usr', await walk(view, 'usr', 'share'), 'loop')), 'INVAL');
  assert.equal(error(await view.rename(view.rootId, 'etc', view.rootId, 'usr')), 'NOTEMPTY');
  assert.equal(error(await view.rename(view.rootId, 'big', view.rootId, 'usr')), 'ISDIR');
  const empty = value(await view.make(view.rootId, 'empty', { type: 'dir', mode: 0o755, ...root }));
  assert.equal(error(await view.rename(view.rootId, 'empty', view.rootId, 'big')), 'NOTDIR');
  const other = value(await view.make(view.rootId, 'other', { type: 'dir', mode: 0o755, ...root }));
  value(await view.rename(view.rootId, 'other', view.rootId, 'empty'));
  assert.equal(await walk(view, 'empty'), other);
  assert.equal(error(await view.getattr(empty)), 'STALE');
  assert.equal(error(await view.rename(etc, 'missing', etc, 'x')), 'NOENT');
});

test('hard links: to a new file and to a golden file; one id, nlink counts names, writes show through both, removing one keeps the other', async (t) => {
  const l = await lab(t);
  const before = await folderManifest(l.golden);
  let view = await l.open();
  const etc = await walk(view, 'etc');
  const a = value(await view.make(view.rootId, 'a', { type: 'reg', mode: 0o644, ...root }));
  value(await view.link(a, etc, 'a-too'));
  assert.equal(value(await view.getattr(a)).nlink, 2);
  value(await view.write(await walk(view, 'etc', 'a-too'), 0n, Buffer.from('shared'), 'file'));
  assert.equal(await text(view, a), 'shared');
  const motd = await walk(view, 'etc', 'motd');
  value(await view.link(motd, view.rootId, 'motd-link'));
  assert.equal(value(await view.getattr(motd)).nlink, 2);
  value(await view.write(await walk(view, 'motd-link'), 0n, Buffer.from('W'), 'file'));
  assert.equal(await text(view, await walk(view, 'etc', 'motd')), 'Welcome\n');
  value(await view.remove(etc, 'motd', false));
  assert.equal(value(await view.getattr(motd)).nlink, 1);
  await view.close();
  view = await l.open();
  assert.equal(await text(view, await walk(view, 'motd-link')), 'Welcome\n');
  value(await view.remove(view.rootId, 'a', false));
  assert.equal(await text(view, await walk(view, 'etc', 'a-too')), 'shared');
  value(await view.remove(etc, 'a-too', false));
  assert.equal(error(await view.getattr(a)), 'STALE');
  assert.equal(error(await view.link(etc, view.rootId, 'etc2')), 'ISDIR');
  assert.deepEqual(await folderManifest(l.golden), before);
});

test('remove and rmdir check types and emptiness', async (t) => {
  const l = await lab(t);
  const view = await l.open();
  assert.equal(error(await view.remove(view.rootId, 'etc', false)), 'ISDIR');
  assert.equal(error(await view.remove(view.rootId, 'etc', true)), 'NOTEMPTY');
  assert.equal(error(await view.remove(view.rootId, 'big', true)), 'NOTDIR');
  assert.equal(error(await view.remove(view.rootId, 'nothing', false)), 'NOENT');
  const share = await walk(view, 'usr', 'share');
  value(await view.remove(await walk(view, 'usr', 'share', 'doc'), 'README', false));
  value(await view.remove(share, 'doc', true));
  assert.deepEqual(await names(view, share), ['.', '..']);
});

test('a retransmitted exclusive create finds its own file; another verifier gets EXIST', async (t) => {
  const l = await lab(t);
  const view = await l.open();
  const node = { type: 'reg' as const, mode: 0o600, ...root, exclusive: '0102030405060708' };
  const first = value(await view.make(view.rootId, 'lock', node));
  assert.equal(value(await view.make(view.rootId, 'lock', node)), first);
  assert.equal(error(await view.make(view.rootId, 'lock', { ...node, exclusive: '0807060504030201' })), 'EXIST');
});

test('a directory listing merges golden and layer names, pages every name once, and its mtime moves with each change', async (t) => {
  const l = await lab(t);
  const view = await l.open();
  const etc = await walk(view, 'etc');
  const m0 = value(await view.getattr(etc)).mtimeNs;
  value(await view.remove(etc, 'conf0', false));
  const m1 = value(await view.getattr(etc)).mtimeNs;
  assert.ok(m1 > m0);
  const made = await Promise.all(Array.from({ length: 30 }, (_, i) => view.make(etc, `new${i}`, { type: 'reg', mode: 0o644, ...root })));
  const ids = made.map(value);
  assert.equal(new Set(ids).size, 30, 'concurrent creates get distinct ids');
  assert.ok(value(await view.getattr(etc)).mtimeNs > m1);
  const listed = await names(view, etc);
  assert.equal(listed.length, 2 + 3 + 39 + 30); // dots, hostname/motd/name-link, conf1-39, new
  assert.ok(!listed.includes('conf0'));
  assert.ok(listed.includes('new29') && listed.includes('conf39') && listed.includes('name-link'));
});

test('a fresh layer folder (a reset) shows the golden root again', async (t) => {
  const l = await lab(t);
  let view = await l.open();
  value(await view.remove(await walk(view, 'etc'), 'motd', false));
  value(await view.make(view.rootId, 'mine', { type: 'reg', mode: 0o644, ...root }));
  await view.close();
  await rm(l.layer, { recursive: true });
  view = await l.open();
  assert.equal(await text(view, await walk(view, 'etc', 'motd')), 'welcome\n');
  assert.equal(error(await view.lookup(view.rootId, 'mine')), 'NOENT');
});

test('nothing leads out of the export: the root is its own parent, a symlink to a folder is not walked through, bad names are refused', async (t) => {
  const l = await lab(t);
  await symlink('/etc', join(l.golden, 'host-etc'));
  const view = await l.open();
  assert.equal(value(await view.lookup(view.rootId, '..')), view.rootId);
  const link = await walk(view, 'host-etc');
  assert.equal(value(await view.getattr(link)).type, 'lnk');
  assert.equal(error(await view.lookup(link, 'passwd')), 'NOTDIR');
  assert.equal(value(await view.readlink(link)), '/etc', 'the target is data for the client');
  assert.equal(error(await view.lookup(view.rootId, 'a/b')), 'INVAL');
  assert.equal(error(await view.lookup(view.rootId, 'x'.repeat(256))), 'NAMETOOLONG');
  assert.equal(error(await view.make(view.rootId, '../escape', { type: 'reg', mode: 0o644, ...root })), 'INVAL');
  // A made-up id is no file at all.
  assert.equal(error(await view.getattr(LAYER_ID_BIT | 999_999n)), 'STALE');
  assert.equal(error(await view.getattr(1n)), 'STALE');
});
