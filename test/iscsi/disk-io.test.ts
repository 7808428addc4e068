// Disk file I/O (src/iscsi/disk-io.ts): the page-cache read on the loop thread (native/cached_read.c, preadv2
// RWF_NOWAIT) gives the same bytes as the thread-pool read, refuses data that is not cached (that read goes to the
// pool instead), both fill zeros past the given end and past the file's end, and writeAt writes at its position.
// A disk's writer (native/disk_writer.c's thread, or the pool) lands every write, reports
// errors by code, waits for writes in flight when closed, and never holds the process open when idle.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createDiskWriter, loadCachedRead, loadDiskWriter, readInto, writeAt } from '../../src/iscsi/disk-io.js';
import { isCi } from '../support/require-tool.js';

const NOT_CACHED = -1;

async function folder(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-disk-io-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function addonOrSkip(t: TestContext) {
  const loaded = loadCachedRead();
  if (loaded.native) return loaded.addon;
  if (isCi()) assert.fail(`the cached_read addon must be built in CI (npm ci builds it): ${loaded.reason}`);
  t.skip(`cached_read addon not built (needs g++, make, python3): reads take the thread pool only (${loaded.reason})`);
  return null;
}

test('both paths read the same bytes, and fill zeros past the given end and past the file end', async (t) => {
  const dir = await folder(t);
  const bytes = randomBytes(3 * 4096 + 100);
  await writeFile(join(dir, 'disk'), bytes);
  const fh = await open(join(dir, 'disk'), 'r');
  t.after(() => fh.close());
  for (const useCache of [true, false]) {
    const whole = Buffer.alloc(4 * 4096, 0xee);
    await readInto(fh, whole, 0, undefined, useCache);
    assert.ok(whole.subarray(0, bytes.length).equals(bytes), `useCache ${useCache}: contents`);
    assert.ok(whole.subarray(bytes.length).every((b) => b === 0), `useCache ${useCache}: zeros past the file end`);
    const clipped = Buffer.alloc(4096, 0xee);
    await readInto(fh, clipped, 4096 + 10, 4096 + 1000, useCache);
    assert.ok(clipped.subarray(0, 990).equals(bytes.subarray(4096 + 10, 4096 + 1000)), `useCache ${useCache}: up to end`);
    assert.ok(clipped.subarray(990).every((b) => b === 0), `useCache ${useCache}: zeros past end`);
    const beyond = Buffer.alloc(512, 0xee);
    await readInto(fh, beyond, 10 * 4096, undefined, useCache);
    assert.ok(beyond.every((b) => b === 0), `useCache ${useCache}: wholly past the file end`);
  }
});

test('the addon reads cached bytes on this thread and refuses bytes that are not cached', async (t) => {
  const addon = addonOrSkip(t);
  if (addon === null) return;
  const dir = await folder(t);
  const path = join(dir, 'direct');
  // Written with O_DIRECT, the file's bytes go to the disk without passing through the page cache.
  try {
    execFileSync('dd', ['if=/dev/urandom', `of=${path}`, 'bs=64K', 'count=4', 'oflag=direct', 'conv=fsync', 'status=none']);
  } catch (error) {
    if (isCi()) throw error;
    t.skip(`this file system takes no O_DIRECT writes (${(error as Error).message.split('\n')[0]}), so nothing here is uncached`);
    return;
  }
  const fh = await open(path, 'r');
  t.after(() => fh.close());
  const probe = Buffer.alloc(4096);
  // Should the file system have put the bytes through the page cache after all, GNU dd's nocache with count=0
  // asks the kernel to drop the file's clean pages (advisory, hence a few tries).
  let probed = addon.readCached(fh.fd, probe, 0, 4096, 65536);
  for (let tries = 0; tries < 10 && probed !== NOT_CACHED; tries++) {
    execFileSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none']);
    probed = addon.readCached(fh.fd, probe, 0, 4096, 65536);
  }
  assert.equal(probed, NOT_CACHED, 'written around the page cache: not cached');
  // readInto still answers, through the thread pool, and that read brings the bytes into the cache.
  const viaPool = Buffer.alloc(4096);
  await readInto(fh, viaPool, 65536);
  const reference = Buffer.alloc(4096);
  await fh.read(reference, 0, 4096, 65536);
  assert.ok(viaPool.equals(reference));
  const cached = Buffer.alloc(4096);
  // Readahead that read started may still be in flight around the page for a moment; the page itself is cached.
  let got = NOT_CACHED;
  for (let tries = 0; tries < 50 && got === NOT_CACHED; tries++) {
    got = addon.readCached(fh.fd, cached, 0, 4096, 65536);
    if (got === NOT_CACHED) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(got, 4096, 'cached now');
  assert.ok(cached.equals(reference));
  assert.equal(addon.readCached(fh.fd, cached, 0, 4096, 4 * 65536), 0, 'at the file end: 0 bytes');
});

test('the addon refuses bad arguments with a clear error instead of touching memory it was not given', (t) => {
  const addon = addonOrSkip(t);
  if (addon === null) return;
  const buf = Buffer.alloc(16);
  assert.throws(() => addon.readCached(-1, buf, 0, 16, 0), /descriptor/);
  assert.throws(() => addon.readCached(0, buf, 8, 16, 0), /out of range/);
  assert.throws(() => addon.readCached(0, buf, 0, 16, -5), /out of range/);
  assert.throws(() => addon.readCached(0, 'text' as unknown as Uint8Array, 0, 1, 0), /Uint8Array/);
  assert.throws(() => addon.readCached(999_999, buf, 0, 16, 0), (e: NodeJS.ErrnoException) => e.code === 'EBADF');
});

test('writeAt writes all of its bytes at the position, past the end growing the file', async (t) => {
  const dir = await folder(t);
  const path = join(dir, 'disk');
  await writeFile(path, Buffer.alloc(8192, 1));
  const fh = await open(path, 'r+');
  t.after(() => fh.close());
  const data = randomBytes(5000);
  await writeAt(fh, data, 6000);
  const after = await readFile(path);
  assert.equal(after.length, 11000);
  assert.ok(after.subarray(0, 6000).every((b) => b === 1));
  assert.ok(after.subarray(6000).equals(data));
});

/** Both kinds of writer: the addon's thread (when built; CI must build it) and the thread pool. */
function writers(t: TestContext): { name: string; useThread: boolean }[] {
  const loaded = loadDiskWriter();
  if (!loaded.native && isCi()) assert.fail(`the disk_writer addon must be built in CI (npm ci builds it): ${loaded.reason}`);
  if (!loaded.native) t.diagnostic(`disk_writer addon not built (${loaded.reason}): only the thread-pool writer is tested`);
  return [...(loaded.native ? [{ name: 'thread', useThread: true }] : []), { name: 'pool', useThread: false }];
}

test('a writer lands thousands of concurrent writes and waits for them on close', async (t) => {
  for (const { name, useThread } of writers(t)) {
    const dir = await folder(t);
    const path = join(dir, 'disk');
    const size = 16 << 20;
    await writeFile(path, Buffer.alloc(size));
    const fh = await open(path, 'r+');
    t.after(() => fh.close());
    const writer = createDiskWriter(useThread);
    const model = Buffer.alloc(size);
    const writes: Promise<void>[] = [];
    // Writes in flight at once may land in any order (the pool runs four at a time), so none overlap.
    const taken = new Uint8Array(size / 512);
    let seed = 7;
    for (let i = 0; writes.length < 3000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const length = 512 * (1 + (seed % 4));
      const position = ((seed >>> 8) % ((size - length) / 512)) * 512;
      if (taken.subarray(position / 512, (position + length) / 512).some((b) => b === 1)) continue;
      taken.fill(1, position / 512, (position + length) / 512);
      const data = Buffer.alloc(length, i % 251);
      data.copy(model, position);
      writes.push(writer.write(fh, data, position));
    }
    // Closing at once: it waits for all 3,000.
    let settled = 0;
    for (const w of writes) void w.then(() => settled++);
    await writer.close();
    assert.equal(settled, 3000, `${name}: every write settled by close`);
    await Promise.all(writes);
    assert.ok((await readFile(path)).equals(model), `${name}: file contents`);
    await assert.rejects(writer.write(fh, Buffer.alloc(512), 0), (e: NodeJS.ErrnoException) => e.code === 'EBADF', `${name}: closed`);
  }
});

test('a write the system refuses rejects with its error code; the writer goes on working', async (t) => {
  for (const { name, useThread } of writers(t)) {
    const dir = await folder(t);
    await writeFile(join(dir, 'disk'), Buffer.alloc(4096));
    const readOnly = await open(join(dir, 'disk'), 'r');
    const writable = await open(join(dir, 'disk'), 'r+');
    t.after(() => Promise.all([readOnly.close(), writable.close()]));
    const writer = createDiskWriter(useThread);
    await assert.rejects(writer.write(readOnly, Buffer.alloc(512, 1), 0), (e: NodeJS.ErrnoException) => e.code === 'EBADF', name);
    await writer.write(writable, Buffer.alloc(512, 2), 512);
    assert.equal((await readFile(join(dir, 'disk')))[512], 2, name);
    await writer.close();
  }
});

test('an idle writer left open does not keep the process alive', async (t) => {
  if (!loadDiskWriter().native) {
    if (isCi()) assert.fail('the disk_writer addon must be built in CI');
    t.skip('disk_writer addon not built: the pool writer holds no handle of its own');
    return;
  }
  const dir = await folder(t);
  const script = `
    import { open } from 'node:fs/promises';
    import { createDiskWriter } from ${JSON.stringify(new URL('../../src/iscsi/disk-io.ts', import.meta.url).href)};
    const fh = await open(${JSON.stringify(join(dir, 'disk'))}, 'w+');
    const writer = createDiskWriter(true);
    await writer.write(fh, Buffer.alloc(4096, 9), 0);
    console.log('written');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), 15_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0, `the child should exit by itself once its write is done: ${out}`);
  assert.match(out, /written/);
  assert.equal((await readFile(join(dir, 'disk')))[4095], 9);
});
