// Copy-on-write disks over a golden image: contents, copy-up, flush ordering across reopen and SIGKILL, UNMAP,
// and refusing a changed golden image or a damaged map (SBC-3 semantics, the cow-disk.ts crash rule).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CHUNK_BYTES, CowDiskError, createCowDisk, goldenIdentity, openCowDisk } from '../../src/iscsi/cow-disk.js';

const BLOCK = 512;
const GOLDEN_BYTES = 8 * CHUNK_BYTES + 3 * BLOCK; // not a whole number of chunks: the tail reads as zeros

/** Deterministic golden contents: block n is filled with a pattern naming n. */
function goldenBytes(): Buffer {
  const out = Buffer.alloc(GOLDEN_BYTES);
  for (let b = 0; b < GOLDEN_BYTES / BLOCK; b++) out.fill(`g${b}.`, b * BLOCK, (b + 1) * BLOCK);
  return out;
}

async function setup(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-cow-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const goldenPath = join(dir, 'golden.img');
  const golden = goldenBytes();
  await writeFile(goldenPath, golden);
  const paths = { map: join(dir, 'disk.map'), data: join(dir, 'disk.data') };
  await createCowDisk(paths, await goldenIdentity(goldenPath));
  const opened: Array<{ close(): Promise<void> }> = [];
  t.after(() => Promise.all(opened.map((d) => d.close().catch(() => {}))));
  const openDisk = async () => {
    const disk = await openCowDisk(paths, goldenPath);
    opened.push(disk);
    return disk;
  };
  return { dir, goldenPath, golden, paths, openDisk };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const blocksOf = (text: string, count: number): Buffer => Buffer.alloc(count * BLOCK, text);

test('a new disk reads as the golden image (zeros past its end), costs no data, and is whole chunks long', async (t) => {
  const { golden, paths, openDisk } = await setup(t);
  const disk = await openDisk();
  assert.equal(disk.blocks, BigInt((9 * CHUNK_BYTES) / BLOCK));
  assert.equal(disk.thin, true);
  const all = await disk.read(0n, Number(disk.blocks));
  assert.ok(all.subarray(0, GOLDEN_BYTES).equals(golden));
  assert.ok(all.subarray(GOLDEN_BYTES).every((b) => b === 0));
  assert.equal((await stat(paths.data)).size, 0);
  assert.equal(disk.changedChunks, 0);
});

test('writes copy up only the chunks they touch; the golden image stays byte-identical', async (t) => {
  const { goldenPath, golden, paths, openDisk } = await setup(t);
  const before = sha(await readFile(goldenPath));
  const disk = await openDisk();
  // Two blocks in the middle of chunk 1, and a write crossing from chunk 3 into chunk 4.
  await disk.write(BigInt(CHUNK_BYTES / BLOCK + 5), blocksOf('A', 2), false);
  await disk.write(BigInt((4 * CHUNK_BYTES) / BLOCK - 1), blocksOf('B', 2), false);
  assert.equal(disk.changedChunks, 3);
  const expected = Buffer.concat([golden, Buffer.alloc(9 * CHUNK_BYTES - GOLDEN_BYTES)]);
  blocksOf('A', 2).copy(expected, CHUNK_BYTES + 5 * BLOCK);
  blocksOf('B', 2).copy(expected, 4 * CHUNK_BYTES - BLOCK);
  assert.ok((await disk.read(0n, Number(disk.blocks))).equals(expected));
  assert.equal(sha(await readFile(goldenPath)), before);
  assert.equal((await stat(paths.data)).size, 3 * CHUNK_BYTES);
});

test('flushed writes survive a reopen; writes never flushed fall back to the golden image, whole and consistent', async (t) => {
  const { golden, openDisk } = await setup(t);
  const first = await openDisk();
  await first.write(0n, blocksOf('kept', 1), false);
  await first.flush();
  await first.write(BigInt((2 * CHUNK_BYTES) / BLOCK), blocksOf('lost', 1), false);
  // A FUA write is flushed with everything before it.
  await first.write(BigInt((5 * CHUNK_BYTES) / BLOCK), blocksOf('fua', 1), true);
  await first.write(BigInt((6 * CHUNK_BYTES) / BLOCK), blocksOf('lost too', 1), false);
  // No close (it would flush): the next open sees only what the map file holds, as after a crash.
  const second = await openDisk();
  assert.ok((await second.read(0n, 1)).equals(blocksOf('kept', 1)));
  assert.ok((await second.read(BigInt((2 * CHUNK_BYTES) / BLOCK), 1)).equals(blocksOf('lost', 1)), 'flushed by the FUA write after it');
  assert.ok((await second.read(BigInt((5 * CHUNK_BYTES) / BLOCK), 1)).equals(blocksOf('fua', 1)));
  assert.ok((await second.read(BigInt((6 * CHUNK_BYTES) / BLOCK), 1)).equals(golden.subarray(6 * CHUNK_BYTES, 6 * CHUNK_BYTES + BLOCK)), 'unflushed: as golden');
  // Its slot was written but no map entry names it: the next copy-up may take it, and must not disturb others.
  await second.write(BigInt((7 * CHUNK_BYTES) / BLOCK), blocksOf('reuse', 1), true);
  assert.ok((await second.read(0n, 1)).equals(blocksOf('kept', 1)));
  assert.ok((await second.read(BigInt((7 * CHUNK_BYTES) / BLOCK), 1)).equals(blocksOf('reuse', 1)));
});

test('UNMAP of whole chunks brings back the golden contents; a freed slot is reused only after the flush that freed it', async (t) => {
  const { golden, paths, openDisk } = await setup(t);
  const disk = await openDisk();
  await disk.write(0n, blocksOf('x', CHUNK_BYTES / BLOCK), false);
  await disk.write(BigInt(CHUNK_BYTES / BLOCK), blocksOf('y', 1), false);
  await disk.flush();
  // Unmaps chunk 0 whole, and only part of chunk 1 (which keeps its data).
  await disk.unmap(0n, CHUNK_BYTES / BLOCK + 4);
  assert.equal(disk.changedChunks, 1);
  assert.ok((await disk.read(0n, 1)).equals(golden.subarray(0, BLOCK)));
  assert.ok((await disk.read(BigInt(CHUNK_BYTES / BLOCK), 1)).equals(blocksOf('y', 1)));
  // Before the flush, a new copy-up must not land in chunk 0's old slot (slot 0): the map file still names it.
  await disk.write(BigInt((3 * CHUNK_BYTES) / BLOCK), blocksOf('z', 1), false);
  assert.equal((await stat(paths.data)).size, 3 * CHUNK_BYTES, 'a third slot, not slot 0');
  await disk.flush();
  await disk.write(BigInt((4 * CHUNK_BYTES) / BLOCK), blocksOf('w', 1), true);
  assert.equal((await stat(paths.data)).size, 3 * CHUNK_BYTES, 'slot 0 is free after the flush and is reused');
  const reopened = await openDisk();
  assert.ok((await reopened.read(0n, 1)).equals(golden.subarray(0, BLOCK)));
  assert.ok((await reopened.read(BigInt((3 * CHUNK_BYTES) / BLOCK), 1)).equals(blocksOf('z', 1)));
  assert.ok((await reopened.read(BigInt((4 * CHUNK_BYTES) / BLOCK), 1)).equals(blocksOf('w', 1)));
});

test('concurrent writes into one chunk not yet copied both land (the copy-up is made once)', async (t) => {
  const { openDisk } = await setup(t);
  const disk = await openDisk();
  const writes = Array.from({ length: 16 }, (_, i) => disk.write(BigInt(2 * (CHUNK_BYTES / BLOCK) + i * 8), blocksOf(`c${i}`, 1), false));
  await Promise.all(writes);
  assert.equal(disk.changedChunks, 1);
  for (let i = 0; i < 16; i++) assert.ok((await disk.read(BigInt(2 * (CHUNK_BYTES / BLOCK) + i * 8), 1)).equals(blocksOf(`c${i}`, 1)), `write ${i}`);
});

test('a golden image changed after the disk was made is refused, as is a damaged map', async (t) => {
  const { goldenPath, paths, openDisk } = await setup(t);
  (await openDisk()).close();
  await utimes(goldenPath, new Date(2030, 0, 1), new Date(2030, 0, 1));
  await assert.rejects(openCowDisk(paths, goldenPath), (e: unknown) => e instanceof CowDiskError && e.code === 'GOLDEN_CHANGED');

  const other = await setup(t);
  await writeFile(other.paths.map, Buffer.from('not a map at all, just text that is long enough to read a header from.....'));
  await assert.rejects(openCowDisk(other.paths, other.goldenPath), (e: unknown) => e instanceof CowDiskError && e.code === 'BAD_MAP');
  await assert.rejects(createCowDisk(other.paths, await goldenIdentity(other.goldenPath)), (e: unknown) => e instanceof CowDiskError && e.code === 'EXISTS');
});

/**
 * A child process writes blocks with FUA and prints each one as it is acknowledged, until it is killed with
 * SIGKILL mid-stream. Every acknowledged block must read back after a reopen.
 */
test('SIGKILL in the middle of FUA writes: every acknowledged write reads back', async (t) => {
  const { goldenPath, paths, openDisk } = await setup(t);
  const script = `
    import { openCowDisk } from ${JSON.stringify(new URL('../../src/iscsi/cow-disk.ts', import.meta.url).href)};
    const disk = await openCowDisk(${JSON.stringify(paths)}, ${JSON.stringify(goldenPath)});
    for (let i = 0; ; i++) {
      const lba = (i * 37) % ${(9 * CHUNK_BYTES) / BLOCK};
      const block = Buffer.alloc(512, 'w' + i + '.');
      await disk.write(BigInt(lba), block, true);
      process.stdout.write(lba + ' ' + i + '\\n');
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').length > 300) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`writer exited early (${code}): ${err}`)));
  });
  await new Promise((resolve) => child.once('exit', resolve));
  const acked = new Map<number, number>();
  for (const line of out.split('\n')) {
    const [lba, i] = line.split(' ').map(Number);
    if (line.length > 0 && Number.isInteger(lba) && Number.isInteger(i)) acked.set(lba!, i!);
  }
  assert.ok(acked.size > 100, `only ${acked.size} acknowledged writes`);
  const disk = await openDisk();
  for (const [lba, i] of acked) {
    const got = await disk.read(BigInt(lba), 1);
    // The last acknowledged write to this block, or one acknowledged after it that the output had not shown yet.
    const text = got.toString('latin1', 0, 12);
    const n = Number(/^w(\d+)\./.exec(text)?.[1]);
    assert.ok(n >= i, `block ${lba}: expected write ${i} or later, found ${JSON.stringify(text)}`);
  }
});
