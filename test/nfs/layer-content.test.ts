// A layer's content store (src/nfs/view/layer-content.ts): the stats it keeps between changes always show the
// last change, including one racing a stat in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openContentStore } from '../../src/nfs/view/layer-content.js';

async function store(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-content-'));
  const content = await openContentStore(join(dir, 'content'));
  t.after(async () => {
    await content.close();
    await rm(dir, { recursive: true, force: true });
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
