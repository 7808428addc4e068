// Disk reads (src/iscsi/file-read.ts): the page-cache read on the loop thread (native/cached_read.c, preadv2
// RWF_NOWAIT) gives the same bytes as the thread-pool read, refuses data that is not cached (that read goes to the
// pool instead), and both fill zeros past the given end and past the file's end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadCachedRead, readInto } from '../../src/iscsi/file-read.js';
import { isCi } from '../support/require-tool.js';

const NOT_CACHED = -1;

async function folder(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-file-read-'));
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
    execFileSync('dd', ['if=/dev/urandom', `of=${path}`, 'bs=64K', 'count=4', 'oflag=direct', 'status=none']);
  } catch (error) {
    if (isCi()) throw error;
    t.skip(`this file system takes no O_DIRECT writes (${(error as Error).message.split('\n')[0]}), so nothing here is uncached`);
    return;
  }
  const fh = await open(path, 'r');
  t.after(() => fh.close());
  const probe = Buffer.alloc(4096);
  assert.equal(addon.readCached(fh.fd, probe, 0, 4096, 65536), NOT_CACHED, 'written around the page cache: not cached');
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
