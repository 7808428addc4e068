// Copy-on-write disks over a golden image: contents, copy-up, flush ordering across reopen and SIGKILL, UNMAP,
// and refusing a changed golden image or a damaged map (SBC-3 semantics, the cow-disk.ts crash rule).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BufferPool } from '../../src/net/buffer-pool.js';
import { createDiskWriter, type DiskWriter } from '../../src/iscsi/disk-io.js';
import { CHUNK_BYTES, CowDiskError, createCowDisk, goldenIdentity, openCowDisk } from '../../src/iscsi/cow-disk.js';

const BLOCK = 512;
/** A page, and what a version 2 map filled by. */
const PAGE = 4096;
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
  // A pool that keeps buffers, so that fills and reads run on buffers used before, as they do when served.
  const buffers = new BufferPool(16 * 1024 * 1024);
  const openDisk = async () => {
    const disk = await openCowDisk(paths, goldenPath, { buffers });
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
  // Three slots taken, each holding only the blocks written (three pages of the file in all), not whole 64 KiB chunks.
  const data = await stat(paths.data);
  assert.ok(data.size > 2 * CHUNK_BYTES && data.size <= 3 * CHUNK_BYTES, `data file of ${data.size} bytes`);
  assert.ok(data.blocks * 512 < CHUNK_BYTES, `${data.blocks * 512} bytes stored for 4 blocks`);
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
  const third = (await stat(paths.data)).size;
  assert.ok(third > 2 * CHUNK_BYTES, 'a third slot, not slot 0');
  await disk.flush();
  await disk.write(BigInt((4 * CHUNK_BYTES) / BLOCK), blocksOf('w', 1), true);
  assert.equal((await stat(paths.data)).size, third, 'slot 0 is free after the flush and is reused');
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

test('a write into a chunk not yet written stores only its own blocks: nothing is copied from the golden image', async (t) => {
  const { golden, paths, openDisk } = await setup(t);
  const disk = await openDisk();
  // 4 KiB not aligned to a page: blocks 19..26 of chunk 5, halves of two pages.
  const at = 5 * CHUNK_BYTES + 2 * PAGE + 3 * BLOCK;
  await disk.write(BigInt(at / BLOCK), blocksOf('s', 8), false);
  const expected = Buffer.from(golden.subarray(5 * CHUNK_BYTES, 6 * CHUNK_BYTES));
  blocksOf('s', 8).copy(expected, at - 5 * CHUNK_BYTES);
  assert.ok((await disk.read(BigInt((5 * CHUNK_BYTES) / BLOCK), CHUNK_BYTES / BLOCK)).equals(expected), 'the chunk: golden around the write');
  // The slot (the data file's first) holds the 8 blocks and zeros around them, where a copy-up would have put golden bytes.
  const slot = await readFile(paths.data);
  const written = at - 5 * CHUNK_BYTES;
  assert.ok(slot.subarray(written, written + 8 * BLOCK).equals(blocksOf('s', 8)));
  assert.ok(slot.subarray(0, written).every((b) => b === 0), 'nothing golden before the write');
  assert.ok(slot.subarray(written + 8 * BLOCK).every((b) => b === 0), 'nothing golden after it');
  // The map names exactly those blocks once flushed: entry 5 is slot 0 with bits 19..26 set.
  await disk.flush();
  const map = await readFile(paths.map);
  assert.equal(map.readUInt32LE(8), 3, 'map version 3');
  const entry = map.subarray(64 + 5 * 24, 64 + 6 * 24);
  // Bits 19..26 of the first word are 0x07f80000, little-endian 00 00 f8 07.
  assert.equal(entry.toString('hex'), '01000000' + '00000000' + '0000f807' + '00000000'.repeat(3));
  // After a reopen the blocks are still there and the rest still golden.
  const reopened = await openDisk();
  assert.ok((await reopened.read(BigInt((5 * CHUNK_BYTES) / BLOCK), CHUNK_BYTES / BLOCK)).equals(expected), 'the same after a reopen');
});

test('writes on a slow disk: reads meanwhile see golden or the new data, and every write lands', async (t) => {
  const { golden, paths, goldenPath } = await setup(t);
  // Each write waits 50 ms before it starts, so that reads and further writes into the same chunks run meanwhile.
  const real = createDiskWriter(false);
  const slow: DiskWriter = {
    write: (fh, data, position) => sleep(50).then(() => real.write(fh, data, position)),
    close: () => real.close(),
  };
  const disk = await openCowDisk(paths, goldenPath, { buffers: new BufferPool(16 * 1024 * 1024), writer: slow });
  t.after(() => disk.close());
  // First one block at the start of each of 8 chunks, so each has its slot; then, all at once, 4 KiB at 1 KiB
  // into a page of each chunk and another block at each chunk's start.
  const expected = Buffer.concat([golden, Buffer.alloc(Number(disk.blocks) * BLOCK - GOLDEN_BYTES)]);
  await Promise.all(Array.from({ length: 8 }, (_, c) => disk.write(BigInt((c * CHUNK_BYTES) / BLOCK), blocksOf(`first${c}`, 1), false)));
  const writes: Promise<void>[] = [];
  for (let c = 0; c < 8; c++) {
    const at = c * CHUNK_BYTES + 3 * PAGE + 2 * BLOCK;
    const data = blocksOf(`f${c}`, 8);
    data.copy(expected, at);
    writes.push(disk.write(BigInt(at / BLOCK), data, false));
    const head = blocksOf(`h${c}`, 1);
    head.copy(expected, c * CHUNK_BYTES);
    writes.push(disk.write(BigInt((c * CHUNK_BYTES) / BLOCK), head, false));
  }
  const during = await disk.read(BigInt((3 * CHUNK_BYTES + 3 * PAGE + 2 * BLOCK) / BLOCK), 8);
  const goldenThere = golden.subarray(3 * CHUNK_BYTES + 3 * PAGE + 2 * BLOCK, 3 * CHUNK_BYTES + 3 * PAGE + 10 * BLOCK);
  assert.ok(during.equals(goldenThere) || during.equals(blocksOf('f3', 8)), 'a read while the write is in flight: golden or the new data');
  await Promise.all(writes);
  assert.equal(disk.changedChunks, 8);
  assert.ok((await disk.read(0n, (8 * CHUNK_BYTES) / BLOCK)).equals(expected.subarray(0, 8 * CHUNK_BYTES)), 'every write landed');
});

test('a write still in flight when UNMAP frees its chunk is not named by the chunk\'s next slot', async (t) => {
  const { golden, paths, goldenPath } = await setup(t);
  const real = createDiskWriter(false);
  let delay = 0;
  const slow: DiskWriter = {
    write: (fh, data, position) => sleep(delay).then(() => real.write(fh, data, position)),
    close: () => real.close(),
  };
  const disk = await openCowDisk(paths, goldenPath, { buffers: new BufferPool(16 * 1024 * 1024), writer: slow });
  t.after(() => disk.close());
  const chunk = 2 * (CHUNK_BYTES / BLOCK);
  await disk.write(BigInt(chunk), blocksOf('old', 1), false);
  // A slow write into the chunk's slot; UNMAP frees the chunk meanwhile, and a quick write takes a new slot for it.
  delay = 100;
  const inFlight = disk.write(BigInt(chunk + 9), blocksOf('late', 1), false);
  await disk.unmap(BigInt(chunk), CHUNK_BYTES / BLOCK);
  delay = 0;
  await disk.write(BigInt(chunk + 20), blocksOf('new', 1), false);
  await inFlight;
  // The late write counts as done before the UNMAP: its block reads as golden again, not as the new slot's hole.
  const at = 2 * CHUNK_BYTES + 9 * BLOCK;
  assert.ok((await disk.read(BigInt(chunk + 9), 1)).equals(golden.subarray(at, at + BLOCK)), 'the late write\'s block reads as golden');
  assert.ok((await disk.read(BigInt(chunk + 20), 1)).equals(blocksOf('new', 1)), 'the write after the UNMAP reads back');
  assert.equal(disk.changedChunks, 1);
});

/** A seeded generator (xorshift32), so that a failing sequence can be replayed. */
function random(seed: number): (below: number) => number {
  let x = seed >>> 0 || 1;
  return (below) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % below;
  };
}

test('random writes, UNMAPs, flushes and reopens read back exactly as a plain buffer holding the same writes', async (t) => {
  const { golden, goldenPath, openDisk } = await setup(t);
  const before = sha(await readFile(goldenPath));
  let disk = await openDisk();
  const blocks = Number(disk.blocks);
  const model = Buffer.concat([golden, Buffer.alloc(blocks * BLOCK - GOLDEN_BYTES)]);
  const next = random(0x5eed);
  // UNMAPed blocks may read as anything; they are golden again in the model only where a whole chunk was freed.
  const undefinedBlocks = new Set<number>();
  for (let round = 0; round < 60; round++) {
    // Writes in one round do not overlap, so any order they land in gives the same contents; they run at once,
    // several into the same chunk.
    const taken = new Uint8Array(blocks);
    const writes: Promise<void>[] = [];
    for (let w = 0; w < 12; w++) {
      const count = 1 + (next(4) === 0 ? next(260) : next(16));
      const lba = next(blocks - count);
      if (taken.subarray(lba, lba + count).some((b) => b === 1)) continue;
      taken.fill(1, lba, lba + count);
      const data = Buffer.alloc(count * BLOCK, `r${round}w${w}:`);
      data.copy(model, lba * BLOCK);
      for (let b = lba; b < lba + count; b++) undefinedBlocks.delete(b);
      writes.push(disk.write(BigInt(lba), data, next(8) === 0));
    }
    await Promise.all(writes);
    if (next(5) === 0) {
      const count = next(3 * (CHUNK_BYTES / BLOCK));
      const lba = next(blocks - count);
      await disk.unmap(BigInt(lba), count);
      for (let b = lba; b < lba + count; b++) undefinedBlocks.add(b);
    }
    if (next(6) === 0) {
      await disk.close();
      disk = await openDisk();
    } else if (next(4) === 0) await disk.flush();
    const all = await disk.read(0n, blocks);
    for (let b = 0; b < blocks; b++) {
      if (undefinedBlocks.has(b)) continue;
      if (all.compare(model, b * BLOCK, (b + 1) * BLOCK, b * BLOCK, (b + 1) * BLOCK) !== 0) {
        assert.fail(`round ${round}: block ${b} reads ${JSON.stringify(all.toString('latin1', b * BLOCK, b * BLOCK + 12))}, expected ${JSON.stringify(model.toString('latin1', b * BLOCK, b * BLOCK + 12))}`);
      }
    }
  }
  assert.equal(sha(await readFile(goldenPath)), before);
});

/** A map file header as any version writes it, over the golden image at `goldenPath`, for 9 chunks. */
async function oldHeader(goldenPath: string, version: number): Promise<Buffer> {
  const identity = await goldenIdentity(goldenPath);
  const head = Buffer.alloc(64);
  head.write('BRMBLCOW', 0, 'latin1');
  head.writeUInt32LE(version, 8);
  head.writeUInt32LE(CHUNK_BYTES, 12);
  head.writeUInt32LE(9, 16);
  head.writeBigUInt64LE(BigInt(identity.size), 24);
  head.writeBigUInt64LE(identity.ino, 32);
  head.writeBigUInt64LE(identity.mtimeNs, 40);
  return head;
}

test('a version 1 map (whole chunks, u32 entries) is read and rewritten as version 3', async (t) => {
  const { golden, goldenPath, paths, openDisk } = await setup(t);
  // What version 1 wrote: chunk 2 in slot 0 (all 'v'), chunk 7 in slot 1 (all 'w').
  const entries = Buffer.alloc(9 * 4);
  entries.writeUInt32LE(1, 2 * 4);
  entries.writeUInt32LE(2, 7 * 4);
  await writeFile(paths.map, Buffer.concat([await oldHeader(goldenPath, 1), entries]));
  await writeFile(paths.data, Buffer.concat([Buffer.alloc(CHUNK_BYTES, 'v'), Buffer.alloc(CHUNK_BYTES, 'w')]));
  const disk = await openDisk();
  const expected = Buffer.concat([golden, Buffer.alloc(9 * CHUNK_BYTES - GOLDEN_BYTES)]);
  expected.fill('v', 2 * CHUNK_BYTES, 3 * CHUNK_BYTES);
  expected.fill('w', 7 * CHUNK_BYTES, 8 * CHUNK_BYTES);
  assert.ok((await disk.read(0n, Number(disk.blocks))).equals(expected));
  assert.equal(disk.changedChunks, 2);
  const map = await readFile(paths.map);
  assert.equal(map.readUInt32LE(8), 3, 'rewritten as version 3');
  assert.equal(map.length, 64 + 9 * 24);
  assert.equal(map.subarray(64 + 2 * 24, 64 + 3 * 24).toString('hex'), '01000000' + '00000000' + 'ff'.repeat(16));
  // It keeps working as a version 3 disk: a write, a flush, a reopen.
  await disk.write(BigInt((2 * CHUNK_BYTES) / BLOCK), blocksOf('n', 1), true);
  blocksOf('n', 1).copy(expected, 2 * CHUNK_BYTES);
  assert.ok((await (await openDisk()).read(0n, Number(disk.blocks))).equals(expected));
});

test('a version 2 map (4 KiB pieces) is read and rewritten as version 3, each piece as its 8 blocks', async (t) => {
  const { golden, goldenPath, paths, openDisk } = await setup(t);
  // What version 2 wrote: chunk 4 in slot 0 holding pieces 0 and 15; chunk 6 in slot 1 holding piece 3 only.
  const entries = Buffer.alloc(9 * 8);
  entries.writeUInt32LE(1, 4 * 8);
  entries.writeUInt16LE(0x8001, 4 * 8 + 4);
  entries.writeUInt32LE(2, 6 * 8);
  entries.writeUInt16LE(0x0008, 6 * 8 + 4);
  await writeFile(paths.map, Buffer.concat([await oldHeader(goldenPath, 2), entries]));
  await writeFile(paths.data, Buffer.concat([Buffer.alloc(CHUNK_BYTES, 'p'), Buffer.alloc(CHUNK_BYTES, 'q')]));
  const disk = await openDisk();
  const expected = Buffer.concat([golden, Buffer.alloc(9 * CHUNK_BYTES - GOLDEN_BYTES)]);
  expected.fill('p', 4 * CHUNK_BYTES, 4 * CHUNK_BYTES + PAGE);
  expected.fill('p', 5 * CHUNK_BYTES - PAGE, 5 * CHUNK_BYTES);
  expected.fill('q', 6 * CHUNK_BYTES + 3 * PAGE, 6 * CHUNK_BYTES + 4 * PAGE);
  assert.ok((await disk.read(0n, Number(disk.blocks))).equals(expected), 'pieces read back as their blocks');
  assert.equal(disk.changedChunks, 2);
  const map = await readFile(paths.map);
  assert.equal(map.readUInt32LE(8), 3, 'rewritten as version 3');
  assert.equal(map.subarray(64 + 4 * 24, 64 + 5 * 24).toString('hex'), '01000000' + '00000000' + 'ff00000000000000000000000000' + '00ff');
  assert.equal(map.subarray(64 + 6 * 24, 64 + 7 * 24).toString('hex'), '02000000' + '00000000' + '000000ff' + '00'.repeat(12));
  // A block written next to piece 3 of chunk 6 joins it; after a flush and reopen all of it reads back.
  await disk.write(BigInt((6 * CHUNK_BYTES + 4 * PAGE) / BLOCK), blocksOf('n', 1), true);
  blocksOf('n', 1).copy(expected, 6 * CHUNK_BYTES + 4 * PAGE);
  assert.ok((await (await openDisk()).read(0n, Number(disk.blocks))).equals(expected), 'the same after a write, a flush and a reopen');
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
