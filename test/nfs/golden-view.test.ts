// The read-only golden view: lookups by id, attributes, symlinks as data, paging with stable cookies, stale ids.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { splitDevice, statManyInJs } from '../../src/nfs/view/file-stat.js';
import { openGoldenView, type GoldenView } from '../../src/nfs/view/golden-view.js';
import type { ViewResult } from '../../src/nfs/view/view.js';

function value<T>(r: ViewResult<T>): T {
  if (!r.ok) assert.fail(`expected success, got ${r.error}`);
  return r.value;
}

async function goldenTree(t: TestContext): Promise<{ top: string; root: string; big: Buffer }> {
  const top = await mkdtemp(join(tmpdir(), 'bramble-golden-'));
  t.after(() => rm(top, { recursive: true, force: true }));
  const root = join(top, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'usr', 'bin'), { recursive: true });
  await writeFile(join(top, 'outside-secret'), 'not for clients\n');
  await writeFile(join(root, 'etc', 'hostname'), 'golden\n');
  const big = randomBytes(300_000);
  await writeFile(join(root, 'usr', 'bin', 'tool'), big);
  await link(join(root, 'usr', 'bin', 'tool'), join(root, 'usr', 'bin', 'tool-link'));
  await symlink('../outside-secret', join(root, 'escape'));
  await symlink('/etc/passwd', join(root, 'absolute'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  for (let i = 0; i < 50; i++) await writeFile(join(root, 'etc', `f${String(i).padStart(2, '0')}`), `${i}\n`);
  return { top, root, big };
}

async function walkTo(view: GoldenView, ...names: string[]): Promise<bigint> {
  let id = view.rootId;
  for (const name of names) id = value(await view.lookup(id, name));
  return id;
}

test('lookup by id, getattr and read: contents and attributes are those of the folder', async (t) => {
  const { root, big } = await goldenTree(t);
  const view = await openGoldenView(root);
  const tool = await walkTo(view, 'usr', 'bin', 'tool');
  const attrs = value(await view.getattr(tool));
  const st = await lstat(join(root, 'usr', 'bin', 'tool'), { bigint: true });
  assert.equal(attrs.type, 'reg');
  assert.equal(attrs.fileId, st.ino);
  assert.equal(attrs.size, 300_000n);
  assert.equal(attrs.nlink, 2);
  assert.equal(attrs.mode, Number(st.mode & 0o7777n));
  const first = value(await view.read(tool, 0n, 131072));
  assert.deepEqual(first.data, big.subarray(0, 131072));
  assert.equal(first.eof, false);
  const last = value(await view.read(tool, 262144n, 131072));
  assert.deepEqual(last.data, big.subarray(262144));
  assert.equal(last.eof, true);
  assert.deepEqual(value(await view.read(tool, 400_000n, 10)), { data: Buffer.alloc(0), eof: true });
  // Both names of a hard link are one file.
  assert.equal(await walkTo(view, 'usr', 'bin', 'tool-link'), tool);
  assert.equal(value(await view.getattr(await walkTo(view, 'fifo'))).type, 'fifo');
});

test('symlinks are data: readlink gives the target, lookups never follow one, even one pointing outside', async (t) => {
  const { root } = await goldenTree(t);
  const view = await openGoldenView(root);
  const escape = await walkTo(view, 'escape');
  assert.equal(value(await view.getattr(escape)).type, 'lnk');
  assert.equal(value(await view.readlink(escape)), '../outside-secret');
  assert.deepEqual(await view.lookup(escape, 'anything'), { ok: false, error: 'NOTDIR' });
  assert.deepEqual(await view.read(escape, 0n, 100), { ok: false, error: 'INVAL' });
  assert.equal(value(await view.readlink(await walkTo(view, 'absolute'))), '/etc/passwd');
});

test('names: "." and ".." (the root is its own parent), and bad names are refused', async (t) => {
  const { root } = await goldenTree(t);
  const view = await openGoldenView(root);
  const etc = await walkTo(view, 'etc');
  assert.equal(value(await view.lookup(etc, '.')), etc);
  assert.equal(value(await view.lookup(etc, '..')), view.rootId);
  assert.equal(value(await view.lookup(view.rootId, '..')), view.rootId);
  assert.deepEqual(await view.lookup(view.rootId, 'etc/hostname'), { ok: false, error: 'INVAL' });
  assert.deepEqual(await view.lookup(view.rootId, ''), { ok: false, error: 'INVAL' });
  assert.deepEqual(await view.lookup(view.rootId, 'x'.repeat(256)), { ok: false, error: 'NAMETOOLONG' });
  assert.deepEqual(await view.lookup(view.rootId, 'missing'), { ok: false, error: 'NOENT' });
  assert.deepEqual(await view.lookup(await walkTo(view, 'etc', 'hostname'), 'x'), { ok: false, error: 'NOTDIR' });
});

test('readdir pages with cookies that resume where they stopped; a changed directory refuses old cookies', async (t) => {
  const { root } = await goldenTree(t);
  // Changes by hand show once attributes are read again: with no attribute cache, at once.
  const view = await openGoldenView(root, { attributeCacheMs: 0 });
  const etc = await walkTo(view, 'etc');
  const names: string[] = [];
  let cookie = 0n;
  let verifier = 0n;
  for (;;) {
    const page = value(await view.readdir(etc, cookie, verifier, 7));
    assert.ok(page.entries.length <= 7);
    names.push(...page.entries.map((e) => e.name));
    if (page.eof) break;
    cookie = page.entries.at(-1)!.cookie;
    verifier = page.verifier;
  }
  assert.deepEqual(names, ['.', '..', ...[...Array(50).keys()].map((i) => `f${String(i).padStart(2, '0')}`), 'hostname']);
  const page = value(await view.readdir(etc, 0n, 0n, 5));
  // The admin changes the golden folder: the directory's mtime moves, and so does the verifier.
  await new Promise((r) => setTimeout(r, 20));
  await writeFile(join(root, 'etc', 'new'), 'x');
  assert.deepEqual(await view.readdir(etc, page.entries.at(-1)!.cookie, page.verifier, 5), { ok: false, error: 'BAD_COOKIE' });
});

test('an id from before a restart is found by walking the folder; a replaced file is STALE', async (t) => {
  const { root } = await goldenTree(t);
  const first = await openGoldenView(root);
  const hostname = await walkTo(first, 'etc', 'hostname');
  const again = await openGoldenView(root, { attributeCacheMs: 0 }); // a new server knows nothing yet
  assert.equal(value(await again.getattr(hostname)).size, 7n);
  await rm(join(root, 'etc', 'hostname'));
  await writeFile(join(root, 'etc', 'hostname'), 'replaced\n');
  assert.deepEqual(await again.getattr(hostname), { ok: false, error: 'STALE' });
  assert.deepEqual(await again.getattr(123456789n), { ok: false, error: 'STALE' });
});

test('device numbers split as glibc does (major 8 minor 1 = sda1; large minors)', () => {
  assert.deepEqual(splitDevice(0x801n), { major: 8, minor: 1 });
  assert.deepEqual(splitDevice(0x10300n), { major: 259, minor: 0 });
  assert.deepEqual(splitDevice((0x123n << 8n) | 0x45n | (0x678n << 12n) << 8n), { major: 0x123, minor: 0x45 | (0x678 << 8) });
});

test('attributes are kept for a moment: a change by hand shows once they are read again', async (t) => {
  const { root } = await goldenTree(t);
  const view = await openGoldenView(root, { attributeCacheMs: 300 });
  const hostname = await walkTo(view, 'etc', 'hostname');
  assert.equal(value(await view.getattr(hostname)).size, 7n);
  await writeFile(join(root, 'etc', 'hostname'), 'a longer name\n');
  assert.equal(value(await view.getattr(hostname)).size, 7n, 'still the kept attributes');
  await new Promise((resolve) => setTimeout(resolve, 350));
  assert.equal(value(await view.getattr(hostname)).size, 14n);
  await view.close();
});

test('a listed directory is watched: changes made in it by hand show at once, long before attributes would age', async (t) => {
  const { root } = await goldenTree(t);
  // Attributes would hold for a minute unwatched (10 s watched): only a report can make these changes show.
  const view = await openGoldenView(root, { attributeCacheMs: 60_000 });
  t.after(() => view.close());
  const etc = await walkTo(view, 'etc');
  value(await view.list(etc));
  const hostname = await walkTo(view, 'etc', 'hostname');
  const shows = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    for (let waited = 0; waited < 3000; waited += 20) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.fail(`${what} did not show within 3 s`);
  };
  assert.equal(value(await view.getattr(hostname)).mode, 0o644);
  execFileSync('chmod', ['600', join(root, 'etc', 'hostname')]);
  await shows('a chmod', async () => value(await view.getattr(hostname)).mode === 0o600);
  await writeFile(join(root, 'etc', 'hostname'), 'a longer golden name\n');
  await shows('a write', async () => value(await view.getattr(hostname)).size === 21n);
  assert.equal(view.attributesNow(hostname)?.size, 21n);
  await writeFile(join(root, 'etc', 'new-file'), 'x');
  await shows('a new name', async () => value(await view.list(etc)).entries.some((e) => e.name === 'new-file'));
  execFileSync('chmod', ['700', join(root, 'etc')]);
  await shows("the directory's own chmod", async () => value(await view.getattr(etc)).mode === 0o700);
});

test('listingFreshNow: true only while listing the directory again would read nothing', async (t) => {
  const { root } = await goldenTree(t);
  const view = await openGoldenView(root, { attributeCacheMs: 60_000 });
  t.after(() => view.close());
  const etc = await walkTo(view, 'etc');
  assert.equal(view.listingFreshNow(etc), false, 'never listed');
  value(await view.list(etc));
  assert.equal(view.listingFreshNow(etc), true, 'just listed');
  const before = view.epoch();
  execFileSync('chmod', ['600', join(root, 'etc', 'hostname')]);
  for (let waited = 0; waited < 3000 && view.listingFreshNow(etc); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(view.listingFreshNow(etc), false, "a report of a change in it (an entry's chmod)");
  value(await view.getattr(etc));
  assert.equal(view.listingFreshNow(etc), false, "the directory's own attributes read again, but not its entries'");
  const hostname = await walkTo(view, 'etc', 'hostname');
  value(await view.list(etc));
  assert.equal(view.listingFreshNow(etc), true, 'listed again');
  assert.equal(view.attributesNow(hostname)?.mode, 0o600, 'and the listing read the change');
  assert.notEqual(view.epoch(), before, 'which moved the epoch');

  const aging = await openGoldenView(root, { attributeCacheMs: 1000, watch: false });
  t.after(() => aging.close());
  const usr = value(await aging.lookup(aging.rootId, 'usr'));
  value(await aging.list(usr));
  assert.equal(aging.listingFreshNow(usr), true);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal(aging.listingFreshNow(usr), false, 'unwatched, its attributes aged');
  value(await aging.getattr(usr));
  assert.equal(aging.listingFreshNow(usr), false, "the directory's own attributes read again, but not its entries'");

  // The directory's attributes age before its listing does (read a second earlier); read again, they show a new
  // mtime while the listing's own time still runs: the listing is old all the same.
  const slow = await openGoldenView(root, { attributeCacheMs: 2000, watch: false });
  t.after(() => slow.close());
  const slowEtc = value(await slow.lookup(slow.rootId, 'etc'));
  const dirRead = Date.now();
  value(await slow.getattr(slowEtc));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  value(await slow.list(slowEtc));
  await writeFile(join(root, 'etc', 'added-by-hand'), 'x');
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, dirRead + 2100 - Date.now())));
  value(await slow.getattr(slowEtc));
  assert.equal(slow.listingFreshNow(slowEtc), false, "the directory's new mtime is not the listing's");
});

test('lookupNow: a name of a listing kept at the directory\'s mtime while its attributes are fresh; otherwise undefined', async (t) => {
  const { root } = await goldenTree(t);
  const view = await openGoldenView(root, { attributeCacheMs: 60_000 });
  t.after(() => view.close());
  const etc = await walkTo(view, 'etc');
  const hostname = await walkTo(view, 'etc', 'hostname');
  assert.equal(view.lookupNow(etc, 'hostname'), undefined, 'etc not listed yet');
  value(await view.list(etc));
  assert.equal(view.lookupNow(etc, 'hostname'), hostname);
  assert.equal(view.lookupNow(etc, 'no-such-name'), undefined, 'not there: lookup answers that');
  assert.equal(view.lookupNow(hostname, 'x'), undefined, 'not a directory');
  await writeFile(join(root, 'etc', 'made-by-hand'), 'x');
  for (let waited = 0; waited < 3000 && view.lookupNow(etc, 'hostname') !== undefined; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(view.lookupNow(etc, 'hostname'), undefined, 'a change reported in etc: its attributes are old');
  value(await view.getattr(etc));
  assert.equal(view.lookupNow(etc, 'made-by-hand'), undefined, "etc's new mtime is not the listing's");
  value(await view.list(etc));
  assert.equal(view.lookupNow(etc, 'made-by-hand'), value(await view.lookup(etc, 'made-by-hand')), 'listed again: found, as lookup finds it');
  await rm(join(root, 'etc', 'hostname'));
  for (let waited = 0; waited < 3000 && view.lookupNow(etc, 'made-by-hand') !== undefined; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  value(await view.getattr(etc));
  assert.equal(view.lookupNow(etc, 'hostname'), undefined, "removed by hand: etc's new mtime is not the listing's");
});

test('with watching off, kept attributes age by time alone', async (t) => {
  const { root } = await goldenTree(t);
  const view = await openGoldenView(root, { attributeCacheMs: 60_000, watch: false });
  t.after(() => view.close());
  const etc = await walkTo(view, 'etc');
  value(await view.list(etc));
  const hostname = await walkTo(view, 'etc', 'hostname');
  execFileSync('chmod', ['600', join(root, 'etc', 'hostname')]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(value(await view.getattr(hostname)).mode, 0o644, 'still the kept attributes: nothing reports the change');
});

test('the lstatSync fallback (no native addon) lists and answers exactly as the native batch does', async (t) => {
  const { root } = await goldenTree(t);
  const native = await openGoldenView(root);
  const fallback = await openGoldenView(root, { statMany: statManyInJs });
  t.after(async () => {
    await native.close();
    await fallback.close();
  });
  for (const path of [[], ['etc'], ['usr', 'bin']]) {
    const [a, b] = [await walkTo(native, ...path), await walkTo(fallback, ...path)];
    const listed = async (view: GoldenView, dir: bigint) => {
      const entries = [...value(await view.list(dir)).entries].sort((x, y) => (x.name < y.name ? -1 : 1));
      return Promise.all(entries.map(async (e) => ({ name: e.name, id: e.id, attrs: view.attributesNow(e.id) ?? value(await view.getattr(e.id)) })));
    };
    assert.deepEqual(await listed(fallback, b), await listed(native, a), path.join('/') || '/');
  }
});
