// A machine's copy-on-write Disk over a golden image (SBC-3 block semantics): only the blocks it changed are
// stored, in a data file, found through a map file. Made in an instant, reset by deleting it.
//
// Space is handed out in 64 KiB chunks (slots of the data file), but a slot fills 4 KiB piece by piece: a small
// write into a chunk not yet written copies at most the edges of the pieces it touches from the golden image,
// not the whole chunk, as qcow2's subclusters do. Pieces not yet filled read as golden.
//
// Crash safety, the rule everything here follows: the map on disk only ever points at data that is already on
// disk. Data is written first; the map entry naming it is written at the next flush (SYNCHRONIZE CACHE or a FUA
// write), after the data file's fdatasync. A crash loses what was not flushed, as a disk's volatile cache would,
// and never leaves an entry pointing at garbage. A slot freed by UNMAP is reused only after the map entry that
// freed it is on disk, so no entry on disk can point at a slot rewritten for another.
//
// map file: a 64-byte header (magic, version, chunk size, chunk count, the golden image's size and identity),
// then one 8-byte entry per chunk: u32 LE 0 for "as the golden image" or n for slot n - 1 of the data file,
// u16 LE with bit i set when piece i of the slot holds data, u16 zero. Version 1 maps (u32 entries, whole
// chunks copied up) are rewritten as version 2 when opened.
import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BufferPool } from '../net/buffer-pool.js';
import type { Disk } from './disk.js';
import { createDiskWriter, readInto, writeAt, type DiskWriter } from './disk-io.js';
import { BLOCK_SIZE } from './raw-disk.js';

export const CHUNK_BYTES = 64 * 1024;
/** The unit a slot fills by: a write into an unfilled piece copies the rest of that piece from the golden image. */
export const PIECE_BYTES = 4096;
/** Every piece of a chunk present. */
const FULL = (1 << (CHUNK_BYTES / PIECE_BYTES)) - 1;
const HEADER_BYTES = 64;
const MAGIC = Buffer.from('BRMBLCOW', 'latin1');
const VERSION = 2;
const ENTRY_BYTES = 8;
/** Whole chunks copied up, u32 entries: read and rewritten as version 2. */
const VERSION_WHOLE_CHUNKS = 1;

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
  /** Where read data (the reader may give it back there once sent) and fills' pieces come from; none: new each time. */
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
    if (!head.subarray(0, 8).equals(MAGIC) || (version !== VERSION && version !== VERSION_WHOLE_CHUNKS) || head.readUInt32LE(12) !== CHUNK_BYTES) {
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
      const old = Buffer.alloc(chunks * 4);
      await mapFile.read(old, 0, old.length, HEADER_BYTES);
      entries = Buffer.alloc(chunks * ENTRY_BYTES);
      for (let c = 0; c < chunks; c++) {
        const entry = old.readUInt32LE(c * 4);
        if (entry === 0) continue;
        entries.writeUInt32LE(entry, c * ENTRY_BYTES);
        entries.writeUInt16LE(FULL, c * ENTRY_BYTES + 4);
      }
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
  /** Per chunk, which 4 KiB pieces of its slot hold the machine's data; the others read as golden. */
  const present = new Uint16Array(chunks);
  const used = new Set<number>();
  let highest = -1;
  for (let c = 0; c < chunks; c++) {
    const entry = entries.readUInt32LE(c * ENTRY_BYTES);
    const bits = entries.readUInt16LE(c * ENTRY_BYTES + 4);
    // A slot taken but holding nothing yet when the map was written: nothing to keep, and the slot is free.
    if (entry === 0 || bits === 0) continue;
    if (entry - 1 >= chunks || used.has(entry - 1)) throw new CowDiskError('BAD_MAP', `chunk ${c} names slot ${entry - 1}, which is out of range or taken`);
    slots[c] = entry;
    present[c] = bits;
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
  /**
   * Per chunk, the writes that fill pieces not yet in its slot, one after another: two of them filling the same
   * piece's other blocks from the golden image would each put back golden bytes over the other's data.
   */
  const filling = new Map<number, Promise<void>>();
  /**
   * Writes in flight straight into a slot (pieces already filled), so that a slot UNMAP frees is not handed out
   * while one may still land in it. Fills need no such list: UNMAP waits for a chunk's fills itself.
   */
  const writing = new Set<Promise<void>>();
  let flushing: Promise<void> = Promise.resolve();
  let changed = used.size;

  const slotOffset = (slot: number): number => slot * CHUNK_BYTES;

  // Past the golden image's end (a disk made larger than it), or a data file cut short: zeros.
  const readGolden = (into: Buffer, position: number): Promise<void> => readInto(golden, into, position, goldenSize);

  /** The pieces [first, last] of a chunk as a bit mask. */
  const piecesMask = (first: number, last: number): number => ((1 << (last + 1)) - 1) & ~((1 << first) - 1);

  /**
   * Calls `fn` for each run of neighbouring pieces in [first, last] that are all present or all absent, with the
   * run's byte range in the chunk clipped to [from, to).
   */
  const forEachRun = (chunk: number, from: number, to: number, fn: (isPresent: boolean, first: number, last: number, start: number, end: number) => Promise<void>): Promise<void>[] => {
    const bits = present[chunk]!;
    const firstPiece = Math.floor(from / PIECE_BYTES);
    const lastPiece = Math.floor((to - 1) / PIECE_BYTES);
    const runs: Promise<void>[] = [];
    for (let a = firstPiece; a <= lastPiece; ) {
      const isPresent = (bits & (1 << a)) !== 0;
      let b = a;
      while (b + 1 <= lastPiece && ((bits & (1 << (b + 1))) !== 0) === isPresent) b++;
      runs.push(fn(isPresent, a, b, Math.max(from, a * PIECE_BYTES), Math.min(to, (b + 1) * PIECE_BYTES)));
      a = b + 1;
    }
    return runs;
  };

  const readChunkPart = async (chunk: number, offsetInChunk: number, target: Buffer): Promise<void> => {
    const bits = present[chunk]!;
    const goldenAt = chunk * CHUNK_BYTES;
    if (bits === 0) return readGolden(target, goldenAt + offsetInChunk);
    const slotAt = slotOffset(slots[chunk]! - 1);
    if (bits === FULL) return readInto(dataFile, target, slotAt + offsetInChunk);
    await Promise.all(
      forEachRun(chunk, offsetInChunk, offsetInChunk + target.length, (isPresent, _a, _b, start, end) => {
        const into = target.subarray(start - offsetInChunk, end - offsetInChunk);
        return isPresent ? readInto(dataFile, into, slotAt + start) : readGolden(into, goldenAt + start);
      }),
    );
  };

  const takeSlot = (): number => free.pop() ?? nextSlot++;

  /** Writes `data` at `offsetInChunk` where some piece it touches is not in the chunk's slot yet. */
  const fillChunkPart = async (chunk: number, offsetInChunk: number, data: Buffer): Promise<void> => {
    if (slots[chunk] === 0) {
      // One slot per chunk is all the data file ever needs; with none free, slots UNMAP freed become free at the
      // next flush. (Each chunk holds at most one slot, so while this one holds none, a flush always frees one.)
      while (free.length === 0 && nextSlot >= chunks) await flush();
      slots[chunk] = takeSlot() + 1;
    }
    const slotAt = slotOffset(slots[chunk]! - 1);
    const end = offsetInChunk + data.length;
    let filled = 0;
    await Promise.all(
      forEachRun(chunk, offsetInChunk, end, async (isPresent, a, b, start, stop) => {
        const part = data.subarray(start - offsetInChunk, stop - offsetInChunk);
        if (isPresent) return writer.write(dataFile, part, slotAt + start);
        const spanStart = a * PIECE_BYTES;
        const spanEnd = (b + 1) * PIECE_BYTES;
        filled |= piecesMask(a, b);
        if (start === spanStart && stop === spanEnd) return writer.write(dataFile, part, slotAt + start);
        // The blocks of the run's first and last pieces that this write does not cover come from the golden image.
        const span = buffers.take(spanEnd - spanStart);
        const goldenAt = chunk * CHUNK_BYTES + spanStart;
        if (b - a <= 1) await readGolden(span, goldenAt);
        else {
          if (start > spanStart) await readGolden(span.subarray(0, PIECE_BYTES), goldenAt);
          if (stop < spanEnd) await readGolden(span.subarray(span.length - PIECE_BYTES), goldenAt + span.length - PIECE_BYTES);
        }
        part.copy(span, start - spanStart);
        return writer.write(dataFile, span, slotAt + spanStart).finally(() => buffers.give(span));
      }),
    );
    // Only now, with the data in the file, may the map name it (and only in memory until the next flush).
    if (filled === 0) return;
    if (present[chunk] === 0) changed++;
    present[chunk] = present[chunk]! | filled;
    dirty.add(chunk);
  };

  const writeChunkPart = (chunk: number, offsetInChunk: number, data: Buffer): Promise<void> => {
    const mask = piecesMask(Math.floor(offsetInChunk / PIECE_BYTES), Math.floor((offsetInChunk + data.length - 1) / PIECE_BYTES));
    const pending = filling.get(chunk);
    if (pending === undefined && (present[chunk]! & mask) === mask) {
      const direct = writer.write(dataFile, data, slotOffset(slots[chunk]! - 1) + offsetInChunk);
      writing.add(direct);
      const settled = (): void => void writing.delete(direct);
      direct.then(settled, settled);
      return direct;
    }
    const fill = (pending ?? Promise.resolve()).then(
      () => fillChunkPart(chunk, offsetInChunk, data),
      () => fillChunkPart(chunk, offsetInChunk, data),
    );
    filling.set(chunk, fill);
    const forget = (): void => {
      if (filling.get(chunk) === fill) filling.delete(chunk);
    };
    fill.then(forget, forget);
    return fill;
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
    const changedEntries = [...dirty].sort((a, b) => a - b).map((chunk) => [chunk, slots[chunk]!, present[chunk]!] as const);
    dirty.clear();
    const freed = freedPending;
    freedPending = [];
    await dataFile.datasync();
    // Runs of neighbouring entries go out as one write each.
    for (let i = 0; i < changedEntries.length; ) {
      let j = i;
      while (j + 1 < changedEntries.length && changedEntries[j + 1]![0] === changedEntries[j]![0] + 1) j++;
      const run = Buffer.alloc((j - i + 1) * ENTRY_BYTES);
      for (let k = i; k <= j; k++) {
        run.writeUInt32LE(changedEntries[k]![1], (k - i) * ENTRY_BYTES);
        run.writeUInt16LE(changedEntries[k]![2], (k - i) * ENTRY_BYTES + 4);
      }
      await writeAt(mapFile, run, HEADER_BYTES + changedEntries[i]![0] * ENTRY_BYTES);
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
        while (filling.has(chunk)) await filling.get(chunk)!.catch(() => {});
        const entry = slots[chunk]!;
        if (entry === 0) continue;
        if (present[chunk] !== 0) changed--;
        slots[chunk] = 0;
        present[chunk] = 0;
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
