// A layer's content store (src/nfs/view/layer-content.ts): the stats it keeps between changes always show the
// last change, including one racing a stat in flight; unstable writes left to land after the reply are seen by
// every later use of their file, in the order they came, and one that fails is reported once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openContentStore } from '../../src/nfs/view/layer-content.js';

async function store(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-content-'));
  const content = await openContentStore(join(dir, 'content'));
  t.after(async () => {
    try {
      await content.close();
    } finally {
      // Also when close fails (a test that left a FIFO open as a content file), the folder goes.
      await rm(dir, { recursive: true, force: true });
    }
  });
  return { dir, content };
}

test('a kept stat follows every change: write, truncate, times, copy-up and remove', async (t) => {
  const { dir, content } = await store(t);
  await content.create(1n);
  assert.equal((await content.stat(1n))?.size, 0n);
  assert.equal((await content.stat(1n))?.size, 0n, 'asked twice, the same');
  await content.write(1n, 0n, Buffer.from('hello world'), 'unstable');
  assert.equal((await content.stat(1n))?.size, 11n);
  await content.write(1n, 100n, Buffer.from('x'), 'file');
  assert.equal((await content.stat(1n))?.size, 101n);
  await content.truncate(1n, 5n);
  assert.equal((await content.stat(1n))?.size, 5n);
  await content.setTimes(1n, 1_000_000_000n, 2_000_000_000n);
  assert.equal((await content.stat(1n))?.mtimeNs, 2_000_000_000n);
  const golden = join(dir, 'golden');
  await writeFile(golden, 'golden bytes!');
  await content.copyFrom(1n, golden, 3_000_000_000n, 4_000_000_000n);
  const copied = await content.stat(1n);
  assert.deepEqual([copied?.size, copied?.mtimeNs], [13n, 4_000_000_000n]);
  assert.equal((await content.read(1n, 0n, 100, 13n)).data.toString(), 'golden bytes!');
  await content.remove(1n);
  assert.equal(await content.stat(1n), null);
});

test('a stat that was in flight while a write ran is not kept', async (t) => {
  const { content } = await store(t);
  await content.create(2n);
  // Started before the write and answered around it: whatever it saw, the next stat must show the write.
  const racing = content.stat(2n);
  const writing = content.write(2n, 0n, Buffer.alloc(4096, 1), 'unstable');
  await Promise.all([racing, writing]);
  assert.equal((await content.stat(2n))?.size, 4096n);
});

test('the stat kept after a write is the file on disk, also after writes that ran side by side', async (t) => {
  const { dir, content } = await store(t);
  await content.create(3n);
  const path = join(dir, 'content', (3n).toString(16).padStart(16, '0'));
  const onDisk = async () => {
    const st = await stat(path, { bigint: true });
    return [st.size, st.mtimeNs, st.ctimeNs, st.blocks];
  };
  for (const end of [1000n, 5000n, 70_000n]) {
    await content.write(3n, end - 1000n, Buffer.alloc(1000, 1), 'unstable');
    const kept = await content.stat(3n);
    assert.equal(kept?.size, end);
    await new Promise((resolve) => setImmediate(resolve));
    const later = await content.stat(3n);
    assert.deepEqual([later?.size, later?.mtimeNs, later?.ctimeNs, later?.blocks], await onDisk(), `after the write ending at ${end}, once the loop has turned`);
  }
  // Ends out of order: each write's end may find others still running, and the last to end keeps the stat.
  const ends = Array.from({ length: 40 }, (_, i) => BigInt(((i * 7919) % 40) * 3000 + 500));
  await Promise.all(ends.map((end) => content.write(3n, end - 500n, Buffer.alloc(500, 2), 'unstable')));
  const after = await content.stat(3n);
  assert.equal(after?.size, ends.reduce((a, b) => (a > b ? a : b)));
  assert.deepEqual([after?.size, after?.mtimeNs, after?.ctimeNs, after?.blocks], await onDisk());
  await new Promise((resolve) => setImmediate(resolve));
  const later = await content.stat(3n);
  assert.deepEqual([later?.size, later?.mtimeNs, later?.ctimeNs, later?.blocks], await onDisk(), 'still so once the loop has turned');
});

/** A keepArgs that counts what was kept and given back. */
function keeper(): { keep: () => () => void; kept: number; given: number } {
  const counts = {
    kept: 0,
    given: 0,
    keep: () => {
      counts.kept++;
      return () => void counts.given++;
    },
  };
  return counts;
}

const MiB = 1024 * 1024;
const contentPath = (dir: string, id: bigint): string => join(dir, 'content', id.toString(16).padStart(16, '0'));

test('an unstable write with keep is pending; every later use of the file sees it, and its bytes are given back once written', async (t) => {
  const { dir, content } = await store(t);
  await content.create(4n);
  const k = keeper();
  assert.equal(await content.write(4n, 0n, Buffer.alloc(MiB, 1), 'unstable', k.keep), 'pending');
  // Issued back to back, without waiting: each lands after the one before it.
  assert.equal(await content.write(4n, 0n, Buffer.alloc(4096, 2), 'unstable', k.keep), 'pending');
  assert.equal(k.kept, 2);
  const st = await content.stat(4n);
  assert.equal(st?.size, BigInt(MiB), 'a stat waits for the writes still going');
  assert.equal(k.given, 2, 'both were given back once in the file');
  const back = (await content.read(4n, 0n, MiB, st!.size)).data;
  assert.ok(back.subarray(0, 4096).every((b) => b === 2) && back.subarray(4096).every((b) => b === 1), 'in the order they came');
  // Stable writes, and writes without keep, are answered once written.
  assert.equal(await content.write(4n, 0n, Buffer.from('x'), 'file', k.keep), 'written');
  assert.equal(await content.write(4n, 0n, Buffer.from('y'), 'unstable'), 'written');
  assert.equal(k.kept, 2);
  // A READ waits too: a write then a read, back to back.
  void content.write(4n, 10n, Buffer.from('landed'), 'unstable', k.keep);
  assert.equal((await content.read(4n, 10n, 6, BigInt(MiB))).data.toString(), 'landed');
  // Times set after a pending write are the times the file keeps (the write does not move them after).
  void content.write(4n, 0n, Buffer.alloc(8 * MiB, 3), 'unstable', k.keep);
  await content.setTimes(4n, 1_000_000_000n, 2_000_000_000n);
  assert.equal((await stat(contentPath(dir, 4n), { bigint: true })).mtimeNs, 2_000_000_000n);
  assert.equal((await content.stat(4n))?.size, BigInt(8 * MiB));
});

test('at most 16 MiB of writes are pending at once; past that a write is answered once written', async (t) => {
  const { dir, content } = await store(t);
  await content.create(5n);
  const k = keeper();
  // All issued before any can land: the store counts them as they come.
  const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => content.write(5n, BigInt(i * MiB), Buffer.alloc(MiB, i + 1), 'unstable', k.keep)));
  assert.deepEqual(outcomes, [...Array<string>(16).fill('pending'), ...Array<string>(4).fill('written')]);
  await content.close();
  const bytes = await stat(contentPath(dir, 5n));
  assert.equal(bytes.size, 20 * MiB, 'close waits for every pending write');
  assert.equal(k.given, 16);
});

test('a pending write that fails is reported by the next sync of its file, once', async (t) => {
  const { dir, content } = await store(t);
  await content.create(6n);
  // A FIFO where the content file was: opening it read-write works, pwrite(2) on it fails (ESPIPE).
  const path = contentPath(dir, 6n);
  await rm(path);
  execFileSync('mkfifo', [path]);
  const k = keeper();
  assert.equal(await content.write(6n, 0n, Buffer.from('lost'), 'unstable', k.keep), 'pending');
  await assert.rejects(content.sync(6n), { code: 'ESPIPE' });
  assert.equal(k.given, 1, 'given back although it failed');
  // Reported once: the next sync fails only for its own reason (fsync of a FIFO).
  await assert.rejects(content.sync(6n), (error: NodeJS.ErrnoException) => error.code !== 'ESPIPE');
  // The next write reports it too, when it comes first.
  assert.equal(await content.write(6n, 0n, Buffer.from('lost'), 'unstable', k.keep), 'pending');
  await content.stat(6n); // waits for it to land (and fail)
  await assert.rejects(content.write(6n, 0n, Buffer.from('x'), 'unstable', k.keep), { code: 'ESPIPE' });
  await content.remove(6n);
});
