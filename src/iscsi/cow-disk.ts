// A machine's copy-on-write Disk over a golden image (SBC-3 block semantics): only the chunks it changed are
// stored, in a data file, found through a map file. Made in an instant, reset by deleting it.
//
// Crash safety, the rule everything here follows: the map on disk only ever points at chunk data that is
// already on disk. A chunk's data is written first; its map entry is written at the next flush (SYNCHRONIZE
// CACHE or a FUA write), after the data file's fdatasync. A crash loses what was not flushed, as a disk's
// volatile cache would, and never leaves an entry pointing at garbage. A slot freed by UNMAP is reused only
// after the map entry that freed it is on disk, so no entry on disk can point at a slot rewritten for another.
//
// map file: a 64-byte header (magic, version, chunk size, chunk count, the golden image's size and identity),
// then one little-endian u32 per chunk: 0 for "as the golden image", n for slot n - 1 of the data file.
import { open, type FileHandle } from 'node:fs/promises';
import type { Disk } from './disk.js';
import { BLOCK_SIZE } from './raw-disk.js';

export const CHUNK_BYTES = 64 * 1024;
const HEADER_BYTES = 64;
const MAGIC = Buffer.from('BRMBLCOW', 'latin1');
const VERSION = 1;

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
    await map.truncate(HEADER_BYTES + chunks * 4);
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

/** Opens an overlay over the golden image at `goldenPath` (opened read-only; never written). */
export async function openCowDisk(paths: { readonly map: string; readonly data: string }, goldenPath: string): Promise<CowDisk> {
  const golden = await open(goldenPath, 'r');
  let mapFile: FileHandle | null = null;
  let dataFile: FileHandle | null = null;
  try {
    mapFile = await open(paths.map, 'r+');
    dataFile = await open(paths.data, 'r+');
    const head = Buffer.alloc(HEADER_BYTES);
    await mapFile.read(head, 0, HEADER_BYTES, 0);
    if (!head.subarray(0, 8).equals(MAGIC) || head.readUInt32LE(8) !== VERSION || head.readUInt32LE(12) !== CHUNK_BYTES) {
      throw new CowDiskError('BAD_MAP', `${paths.map} is not a copy-on-write map this version reads`);
    }
    const chunks = head.readUInt32LE(16);
    const st = await golden.stat({ bigint: true });
    if (Number(st.size) !== Number(head.readBigUInt64LE(24)) || st.ino !== head.readBigUInt64LE(32) || st.mtimeNs !== head.readBigUInt64LE(40)) {
      throw new CowDiskError('GOLDEN_CHANGED', `the golden image ${goldenPath} changed since this disk was made from it`);
    }
    const raw = Buffer.alloc(chunks * 4);
    await mapFile.read(raw, 0, raw.length, HEADER_BYTES);
    return cowDisk(golden, mapFile, dataFile, chunks, Number(st.size), raw);
  } catch (error) {
    await Promise.all([golden.close(), mapFile?.close(), dataFile?.close()]);
    throw error;
  }
}

function cowDisk(golden: FileHandle, mapFile: FileHandle, dataFile: FileHandle, chunks: number, goldenSize: number, raw: Buffer): CowDisk {
  /** slot + 1 per chunk, as in memory now; the file has it as of the last flush. */
  const map = new Uint32Array(chunks);
  const used = new Set<number>();
  let highest = -1;
  for (let c = 0; c < chunks; c++) {
    const entry = raw.readUInt32LE(c * 4);
    if (entry === 0) continue;
    if (entry - 1 >= chunks || used.has(entry - 1)) throw new CowDiskError('BAD_MAP', `chunk ${c} names slot ${entry - 1}, which is out of range or taken`);
    map[c] = entry;
    used.add(entry - 1);
    highest = Math.max(highest, entry - 1);
  }
  // Slots below the highest one no entry names: freed, or written for a chunk whose entry never reached the
  // file before a crash. Either way nothing on disk points at them.
  const free: number[] = [];
  for (let s = highest; s >= 0; s--) if (!used.has(s)) free.push(s);
  let nextSlot = highest + 1;
  /** Freed since the last flush: reusable once the entries that freed them are on disk. */
  let freedPending: number[] = [];
  const dirty = new Set<number>();
  /** Copy-ups in progress by chunk: a second write to the chunk waits for the first to own its slot. */
  const copying = new Map<number, Promise<void>>();
  let flushing: Promise<void> = Promise.resolve();
  let changed = used.size;

  const slotOffset = (slot: number): number => slot * CHUNK_BYTES;

  const readGolden = async (into: Buffer, at: number, position: number): Promise<void> => {
    let done = 0;
    while (done < into.length - at) {
      if (position + done >= goldenSize) break;
      const { bytesRead } = await golden.read(into, at + done, Math.min(into.length - at - done, goldenSize - position - done), position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    // Past the golden image's end (a disk made larger than it): zeros.
    into.fill(0, at + done, into.length);
  };

  const readChunkPart = async (chunk: number, offsetInChunk: number, into: Buffer, at: number, length: number): Promise<void> => {
    const entry = map[chunk]!;
    const target = into.subarray(at, at + length);
    if (entry === 0) return readGolden(target, 0, chunk * CHUNK_BYTES + offsetInChunk);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await dataFile.read(target, done, length - done, slotOffset(entry - 1) + offsetInChunk + done);
      if (bytesRead === 0) {
        target.fill(0, done);
        break;
      }
      done += bytesRead;
    }
  };

  const writeAll = async (fh: FileHandle, data: Uint8Array, position: number): Promise<void> => {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  };

  const takeSlot = (): number => free.pop() ?? nextSlot++;

  const writeChunkPart = async (chunk: number, offsetInChunk: number, data: Buffer): Promise<void> => {
    for (;;) {
      const pending = copying.get(chunk);
      if (pending === undefined) break;
      await pending;
    }
    const entry = map[chunk]!;
    if (entry !== 0) return writeAll(dataFile, data, slotOffset(entry - 1) + offsetInChunk);
    const copy = (async () => {
      const whole = data.length === CHUNK_BYTES ? data : Buffer.alloc(CHUNK_BYTES);
      if (whole !== data) {
        await readGolden(whole, 0, chunk * CHUNK_BYTES);
        data.copy(whole, offsetInChunk);
      }
      const slot = takeSlot();
      await writeAll(dataFile, whole, slotOffset(slot));
      // Only now, with the data in the file, may the map name it (and only in memory until the next flush).
      map[chunk] = slot + 1;
      dirty.add(chunk);
      changed++;
    })();
    copying.set(chunk, copy);
    try {
      await copy;
    } finally {
      copying.delete(chunk);
    }
  };

  const forEachChunk = async (lba: bigint, bytes: number, fn: (chunk: number, offsetInChunk: number, at: number, length: number) => Promise<void>): Promise<void> => {
    const start = Number(lba) * BLOCK_SIZE;
    const parts: Promise<void>[] = [];
    for (let at = 0; at < bytes; ) {
      const position = start + at;
      const chunk = Math.floor(position / CHUNK_BYTES);
      const offsetInChunk = position % CHUNK_BYTES;
      const length = Math.min(CHUNK_BYTES - offsetInChunk, bytes - at);
      parts.push(fn(chunk, offsetInChunk, at, length));
      at += length;
    }
    await Promise.all(parts);
  };

  const persistMap = async (): Promise<void> => {
    if (dirty.size === 0 && freedPending.length === 0) {
      await dataFile.datasync();
      return;
    }
    // The entries as they are now, before the data sync: an entry set after this point may name data the sync
    // below does not cover, so it waits (dirty again) for the next flush.
    const entries = [...dirty].sort((a, b) => a - b).map((chunk) => [chunk, map[chunk]!] as const);
    dirty.clear();
    const freed = freedPending;
    freedPending = [];
    await dataFile.datasync();
    // Runs of neighbouring entries go out as one write each.
    for (let i = 0; i < entries.length; ) {
      let j = i;
      while (j + 1 < entries.length && entries[j + 1]![0] === entries[j]![0] + 1) j++;
      const run = Buffer.alloc((j - i + 1) * 4);
      for (let k = i; k <= j; k++) run.writeUInt32LE(entries[k]![1], (k - i) * 4);
      await writeAll(mapFile, run, HEADER_BYTES + entries[i]![0] * 4);
      i = j + 1;
    }
    await mapFile.datasync();
    free.push(...freed);
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
      const out = Buffer.allocUnsafe(count * BLOCK_SIZE);
      await forEachChunk(lba, out.length, (chunk, offsetInChunk, at, length) => readChunkPart(chunk, offsetInChunk, out, at, length));
      return out;
    },
    async write(lba, data, fua) {
      await forEachChunk(lba, data.length, (chunk, offsetInChunk, at, length) => writeChunkPart(chunk, offsetInChunk, data.subarray(at, at + length)));
      if (fua) await flush();
    },
    flush,
    async unmap(lba, count) {
      // Whole chunks go back to the golden image's contents (LBPRZ is clear: unmapped blocks read as anything);
      // a partly covered chunk keeps its data, which UNMAP allows.
      const start = Number(lba) * BLOCK_SIZE;
      const end = start + count * BLOCK_SIZE;
      for (let chunk = Math.ceil(start / CHUNK_BYTES); (chunk + 1) * CHUNK_BYTES <= end; chunk++) {
        while (copying.has(chunk)) await copying.get(chunk);
        const entry = map[chunk]!;
        if (entry === 0) continue;
        map[chunk] = 0;
        dirty.add(chunk);
        freedPending.push(entry - 1);
        changed--;
      }
    },
    async close() {
      await flush().catch(() => {});
      await Promise.all([golden.close(), mapFile.close(), dataFile.close()]);
    },
  };
}
