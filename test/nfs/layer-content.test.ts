// A layer's content store (src/nfs/view/layer-content.ts): the stats it keeps between changes always show the
// last change, including one racing a stat in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
