// A machine's copy-on-write Disk over a golden image (SBC-3 block semantics): only the blocks it changed are
// stored, in a data file, found through a map file. Made in an instant, reset by deleting it.
//
// Space is handed out in 64 KiB chunks (slots of the data file), and a slot fills block by block: a write stores
// the blocks it carries and nothing else, and a slot's blocks not yet written read as golden. Nothing is ever
// copied from the golden image, so a 4 KiB write that is not 4 KiB-aligned costs 4 KiB, not the 8 KiB of the two
// 4 KiB pieces it touches (map version 2 filled whole pieces, qcow2's subclusters do the same).
//
// Crash safety, the rule everything here follows: the map on disk only ever points at data that is already on
// disk. Data is written first; the map entry naming it is written at the next flush (SYNCHRONIZE CACHE or a FUA
// write), after the data file's fdatasync. A crash loses what was not flushed, as a disk's volatile cache would,
// and never leaves an entry pointing at garbage. A slot freed by UNMAP is reused only after the map entry that
// freed it is on disk, so no entry on disk can point at a slot rewritten for another.
//
// map file: a 64-byte header (magic, version, chunk size, chunk count, the golden image's size and identity),
// then one 24-byte entry per chunk: u32 LE 0 for "as the golden image" or n for slot n - 1 of the data file, u32
// zero, then 128 bits (four u32 LE words; bit i of word w is block 32w + i of the chunk) set for the blocks the
// slot holds. Maps of version 1 (u32 entries, whole chunks copied up) and 2 (8-byte entries, one bit per 4 KiB
// piece) are rewritten as version 3 when opened.
import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BufferPool } from '../net/buffer-pool.js';
import { BlockPresence } from './block-presence.js';
import type { Disk } from './disk.js';
import { createDiskWriter, readInto, writeAt, type DiskWriter } from './disk-io.js';
import { BLOCK_SIZE } from './raw-disk.js';

export const CHUNK_BYTES = 64 * 1024;
/** Blocks per chunk: the bits of a map entry. */
const CHUNK_BLOCKS = CHUNK_BYTES / BLOCK_SIZE;
const HEADER_BYTES = 64;
const MAGIC = Buffer.from('BRMBLCOW', 'latin1');
const VERSION = 3;
/** u32 slot + 1, u32 zero, CHUNK_BLOCKS bits. */
const ENTRY_BYTES = 8 + CHUNK_BLOCKS / 8;
const BITS_AT = 8;
/** Whole chunks copied up, u32 entries. */
const VERSION_WHOLE_CHUNKS = 1;
/** 8-byte entries: u32 slot + 1, u16 with bit i set when 4 KiB piece i of the slot holds data, u16 zero. */
const VERSION_PIECES = 2;
const PIECE_ENTRY_BYTES = 8;
const PIECE_BLOCKS = 4096 / BLOCK_SIZE;

/** What the overlay was made against; a golden image that changed since would show through wrongly. */
export interface GoldenIdentity {
  readonly size: number;
  readonly ino: bigint;
  readonly mtimeNs: bigint;
}

export class CowDiskError extends Error {
  constructor(
    readonly code: 'BAD_MAP' | 'GOLDEN_CHANGED' | 'EXISTS',
    message: string,
  ) {
    super(message);
    this.name = 'CowDiskError';
  }
}

export async function goldenIdentity(path: string): Promise<GoldenIdentity> {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat({ bigint: true });
    return { size: Number(st.size), ino: st.ino, mtimeNs: st.mtimeNs };
  } finally {
    await fh.close();
  }
}

function header(chunks: number, golden: GoldenIdentity): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(VERSION, 8);
  h.writeUInt32LE(CHUNK_BYTES, 12);
  h.writeUInt32LE(chunks, 16);
  h.writeBigUInt64LE(BigInt(golden.size), 24);
  h.writeBigUInt64LE(golden.ino, 32);
  h.writeBigUInt64LE(golden.mtimeNs, 40);
  return h;
}

/**
 * Creates an empty overlay of `sizeBytes` (whole chunks; at least the golden image's size) in `mapPath` and
 * `dataPath`. Both files are sparse: nothing is copied.
 */
export async function createCowDisk(paths: { readonly map: string; readonly data: string }, golden: GoldenIdentity, sizeBytes = golden.size): Promise<void> {
  const chunks = Math.ceil(sizeBytes / CHUNK_BYTES);
  const map = await open(paths.map, 'wx').catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EEXIST' ? new CowDiskError('EXISTS', `${paths.map} exists`) : error;
  });
  try {
    await map.write(header(chunks, golden), 0, HEADER_BYTES, 0);
    await map.truncate(HEADER_BYTES + chunks * ENTRY_BYTES);
    await map.sync();
  } finally {
    await map.close();
  }
  const data = await open(paths.data, 'w');
  await data.sync();
  await data.close();
}

export interface CowDisk extends Disk {
  /** Chunks the machine has changed. */
  readonly changedChunks: number;
}

export interface CowDiskOptions {
  /** Where read data comes from (the reader may give it back there once sent); none: new each time. */
  readonly buffers?: BufferPool;
  /** Where the data file's writes go; a writer thread of the disk's own unless given (tests slow it down). */
  readonly writer?: DiskWriter;
}

/** Opens an overlay over the golden image at `goldenPath` (opened read-only; never written). */
export async function openCowDisk(paths: { readonly map: string; readonly data: string }, goldenPath: string, options: CowDiskOptions = {}): Promise<CowDisk> {
  const golden = await open(goldenPath, 'r');
  let mapFile: FileHandle | null = null;
  let dataFile: FileHandle | null = null;
  try {
    mapFile = await open(paths.map, 'r+');
    dataFile = await open(paths.data, 'r+');
    const head = Buffer.alloc(HEADER_BYTES);
    await mapFile.read(head, 0, HEADER_BYTES, 0);
    const version = head.readUInt32LE(8);
    if (!head.subarray(0, 8).equals(MAGIC) || (version !== VERSION && version !== VERSION_PIECES && version !== VERSION_WHOLE_CHUNKS) || head.readUInt32LE(12) !== CHUNK_BYTES) {
      throw new CowDiskError('BAD_MAP', `${paths.map} is not a copy-on-write map this version reads`);
    }
    const chunks = head.readUInt32LE(16);
    const st = await golden.stat({ bigint: true });
    if (Number(st.size) !== Number(head.readBigUInt64LE(24)) || st.ino !== head.readBigUInt64LE(32) || st.mtimeNs !== head.readBigUInt64LE(40)) {
      throw new CowDiskError('GOLDEN_CHANGED', `the golden image ${goldenPath} changed since this disk was made from it`);
    }
    let entries: Buffer;
    if (version === VERSION) {
      entries = Buffer.alloc(chunks * ENTRY_BYTES);
      await mapFile.read(entries, 0, entries.length, HEADER_BYTES);
    } else {
      const old = Buffer.alloc(chunks * (version === VERSION_PIECES ? PIECE_ENTRY_BYTES : 4));
      await mapFile.read(old, 0, old.length, HEADER_BYTES);
      entries = entriesFromOlder(version, old, chunks);
      await mapFile.close();
      mapFile = null;
      mapFile = await rewriteMap(paths.map, Buffer.concat([header(chunks, { size: Number(st.size), ino: st.ino, mtimeNs: st.mtimeNs }), entries]));
    }
    return cowDisk(golden, mapFile, dataFile, chunks, Number(st.size), entries, options.buffers ?? new BufferPool(0), options.writer ?? createDiskWriter());
  } catch (error) {
    await Promise.all([golden.close(), mapFile?.close(), dataFile?.close()]);
    throw error;
  }
}

/** Version 3 entries from a version 1 map (a slot holds its whole chunk) or a version 2 map (4 KiB pieces). */
function entriesFromOlder(version: number, old: Buffer, chunks: number): Buffer {
  const presence = new BlockPresence(chunks, CHUNK_BLOCKS);
  const entries = Buffer.alloc(chunks * ENTRY_BYTES);
  for (let c = 0; c < chunks; c++) {
    const entry = version === VERSION_PIECES ? old.readUInt32LE(c * PIECE_ENTRY_BYTES) : old.readUInt32LE(c * 4);
    if (entry === 0) continue;
    if (version === VERSION_PIECES) {
      const pieces = old.readUInt16LE(c * PIECE_ENTRY_BYTES + 4);
      for (let p = 0; p < CHUNK_BLOCKS / PIECE_BLOCKS; p++) if ((pieces & (1 << p)) !== 0) presence.mark(c, p * PIECE_BLOCKS, (p + 1) * PIECE_BLOCKS - 1);
    } else presence.mark(c, 0, CHUNK_BLOCKS - 1);
    entries.writeUInt32LE(entry, c * ENTRY_BYTES);
    presence.writeTo(c, entries, c * ENTRY_BYTES + BITS_AT);
  }
  return entries;
}

/** Replaces the map file whole: written beside it, synced, renamed over it, so a crash leaves one or the other. */
async function rewriteMap(path: string, contents: Buffer): Promise<FileHandle> {
  const partial = `${path}.partial`;
  const fh = await open(partial, 'w');
  try {
    await fh.writeFile(contents);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(partial, path);
  const folder = await open(dirname(path), 'r');
  await folder.sync().finally(() => folder.close());
  return open(path, 'r+');
}

function cowDisk(golden: FileHandle, mapFile: FileHandle, dataFile: FileHandle, chunks: number, goldenSize: number, entries: Buffer, buffers: BufferPool, writer: DiskWriter): CowDisk {
  /** slot + 1 per chunk (0: none), as in memory now; the map file has it as of the last flush. */
  const slots = new Uint32Array(chunks);
  /** Per chunk, which blocks its slot holds; the others read as golden. */
  const present = new BlockPresence(chunks, CHUNK_BLOCKS);
  const used = new Set<number>();
  let highest = -1;
  for (let c = 0; c < chunks; c++) {
    const entry = entries.readUInt32LE(c * ENTRY_BYTES);
    if (entry === 0) continue;
    present.readFrom(c, entries, c * ENTRY_BYTES + BITS_AT);
    // A slot taken but holding nothing yet when the map was written: nothing to keep, and the slot is free.
    if (!present.any(c)) continue;
    if (entry - 1 >= chunks || used.has(entry - 1)) throw new CowDiskError('BAD_MAP', `chunk ${c} names slot ${entry - 1}, which is out of range or taken`);
    slots[c] = entry;
    used.add(entry - 1);
    highest = Math.max(highest, entry - 1);
  }
  // Slots below the highest one no entry names: freed, or written for a chunk whose entry never reached the
  // file before a crash. Either way nothing on disk points at them.
  const free: number[] = [];
  for (let s = highest; s >= 0; s--) if (!used.has(s)) free.push(s);
  let nextSlot = highest + 1;
  /** Freed since the last flush, each with the writes that were in flight when it was freed. */
  let freedPending: { readonly slot: number; readonly writes: Promise<unknown>[] }[] = [];
  const dirty = new Set<number>();
  /** Writes in flight, so that a slot UNMAP frees is not handed out while one of them may still land in it. */
  const writing = new Set<Promise<void>>();
  let flushing: Promise<void> = Promise.resolve();
  let changed = used.size;

  const slotOffset = (slot: number): number => slot * CHUNK_BYTES;

  // Past the golden image's end (a disk made larger than it), or a data file cut short: zeros.
  const readGolden = (into: Buffer, position: number): Promise<void> => readInto(golden, into, position, goldenSize);

  const readChunkPart = async (chunk: number, offsetInChunk: number, target: Buffer): Promise<void> => {
    const goldenAt = chunk * CHUNK_BYTES;
    const first = offsetInChunk / BLOCK_SIZE;
    const last = first + target.length / BLOCK_SIZE - 1;
    const state = slots[chunk] === 0 ? 'none' : present.state(chunk, first, last);
    if (state === 'none') return readGolden(target, goldenAt + offsetInChunk);
    const slotAt = slotOffset(slots[chunk]! - 1);
    if (state === 'all') return readInto(dataFile, target, slotAt + offsetInChunk);
    const reads: Promise<void>[] = [];
    present.runs(chunk, first, last, (isPresent, a, b) => {
      const into = target.subarray((a - first) * BLOCK_SIZE, (b - first + 1) * BLOCK_SIZE);
      reads.push(isPresent ? readInto(dataFile, into, slotAt + a * BLOCK_SIZE) : readGolden(into, goldenAt + a * BLOCK_SIZE));
    });
    await Promise.all(reads);
  };

  const takeSlot = (): number => free.pop() ?? nextSlot++;

  /** The chunk's slot + 1, taking one if it has none. */
  const slotFor = async (chunk: number): Promise<number> => {
    // One slot per chunk is all the data file ever needs; with none free, slots UNMAP freed become free at the
    // next flush. (Each chunk holds at most one slot, so while this one holds none, a flush always frees one.)
    while (slots[chunk] === 0 && free.length === 0 && nextSlot >= chunks) await flush();
    if (slots[chunk] === 0) slots[chunk] = takeSlot() + 1;
    return slots[chunk]!;
  };

  const landIn = (chunk: number, entry: number, offsetInChunk: number, data: Buffer): Promise<void> => {
    const write = writer.write(dataFile, data, slotOffset(entry - 1) + offsetInChunk).then(() => {
      // Only now, with the data in the file, may the map name it (and only in memory until the next flush). An
      // UNMAP while the write was in flight freed the slot: the write then counts as done before the UNMAP.
      if (slots[chunk] !== entry) return;
      const first = offsetInChunk / BLOCK_SIZE;
      const last = first + data.length / BLOCK_SIZE - 1;
      if (present.state(chunk, first, last) === 'all') return;
      if (present.mark(chunk, first, last)) changed++;
      dirty.add(chunk);
    });
    writing.add(write);
    const settled = (): void => void writing.delete(write);
    write.then(settled, settled);
    return write;
  };

  const writeChunkPart = (chunk: number, offsetInChunk: number, data: Buffer): Promise<void> => {
    const entry = slots[chunk]!;
    if (entry !== 0) return landIn(chunk, entry, offsetInChunk, data);
    return slotFor(chunk).then((taken) => landIn(chunk, taken, offsetInChunk, data));
  };

  /** Calls `fn` per chunk the byte range [start, start + bytes) touches. */
  const chunkParts = (start: number, bytes: number, fn: (chunk: number, offsetInChunk: number, at: number, length: number) => Promise<void>): Promise<void> => {
    const firstChunk = Math.floor(start / CHUNK_BYTES);
    if (Math.floor((start + bytes - 1) / CHUNK_BYTES) === firstChunk) return fn(firstChunk, start - firstChunk * CHUNK_BYTES, 0, bytes);
    const parts: Promise<void>[] = [];
    for (let at = 0; at < bytes; ) {
      const position = start + at;
      const chunk = Math.floor(position / CHUNK_BYTES);
      const offsetInChunk = position - chunk * CHUNK_BYTES;
      const length = Math.min(CHUNK_BYTES - offsetInChunk, bytes - at);
      parts.push(fn(chunk, offsetInChunk, at, length));
      at += length;
    }
    return Promise.all(parts).then(() => undefined);
  };

  const persistMap = async (): Promise<void> => {
    if (dirty.size === 0 && freedPending.length === 0) {
      await dataFile.datasync();
      return;
    }
    // The entries as they are now, before the data sync: an entry set after this point may name data the sync
    // below does not cover, so it waits (dirty again) for the next flush.
    const changedChunks = [...dirty].sort((a, b) => a - b);
    const snapshot = Buffer.alloc(changedChunks.length * ENTRY_BYTES);
    changedChunks.forEach((chunk, i) => {
      snapshot.writeUInt32LE(slots[chunk]!, i * ENTRY_BYTES);
      present.writeTo(chunk, snapshot, i * ENTRY_BYTES + BITS_AT);
    });
    dirty.clear();
    const freed = freedPending;
    freedPending = [];
    await dataFile.datasync();
    // Runs of neighbouring entries go out as one write each.
    for (let i = 0; i < changedChunks.length; ) {
      let j = i;
      while (j + 1 < changedChunks.length && changedChunks[j + 1] === changedChunks[j]! + 1) j++;
      await writeAt(mapFile, snapshot.subarray(i * ENTRY_BYTES, (j + 1) * ENTRY_BYTES), HEADER_BYTES + changedChunks[i]! * ENTRY_BYTES);
      i = j + 1;
    }
    await mapFile.datasync();
    for (const { slot, writes } of freed) {
      await Promise.allSettled(writes);
      free.push(slot);
    }
  };

  const flush = (): Promise<void> => {
    // One at a time, in order: a flush covers everything written before it was asked for.
    flushing = flushing.then(persistMap, persistMap);
    return flushing;
  };

  return {
    blockSize: BLOCK_SIZE,
    blocks: BigInt(Math.floor((chunks * CHUNK_BYTES) / BLOCK_SIZE)),
    readOnly: false,
    thin: true,
    get changedChunks() {
      return changed;
    },
    async read(lba, count) {
      const out = buffers.take(count * BLOCK_SIZE);
      await chunkParts(Number(lba) * BLOCK_SIZE, out.length, (chunk, offsetInChunk, at, length) => readChunkPart(chunk, offsetInChunk, out.subarray(at, at + length)));
      return out;
    },
    async write(lba, data, fua) {
      await chunkParts(Number(lba) * BLOCK_SIZE, data.length, (chunk, offsetInChunk, at, length) => writeChunkPart(chunk, offsetInChunk, data.subarray(at, at + length)));
      if (fua) await flush();
    },
    flush,
    async unmap(lba, count) {
      // Whole chunks go back to the golden image's contents (LBPRZ is clear: unmapped blocks read as anything);
      // a partly covered chunk keeps its data, which UNMAP allows.
      const start = Number(lba) * BLOCK_SIZE;
      const end = start + count * BLOCK_SIZE;
      for (let chunk = Math.ceil(start / CHUNK_BYTES); (chunk + 1) * CHUNK_BYTES <= end; chunk++) {
        const entry = slots[chunk]!;
        if (entry === 0) continue;
        if (present.any(chunk)) changed--;
        slots[chunk] = 0;
        present.clear(chunk);
        dirty.add(chunk);
        freedPending.push({ slot: entry - 1, writes: [...writing] });
      }
    },
    async close() {
      await flush().catch(() => {});
      await writer.close();
      await Promise.all([golden.close(), mapFile.close(), dataFile.close()]);
    },
  };
}
