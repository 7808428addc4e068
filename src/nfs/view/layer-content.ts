// A machine layer's content store: one plain file per file id holding that file's bytes (plan in src/nfs/README.md).
//
// Names, owners and modes are in the layer log, so a content file is named by its id alone and never moves: a
// rename or hard link touches only the log. Open descriptors are kept for the files being written, so a stream
// of WRITEs costs one pwrite each; a descriptor leaving the cache is synced first, so a later COMMIT still
// means what it says.
//
// An unstable WRITE whose bytes the caller can keep goes to its file behind the reply: RFC 1813 lets the server
// answer an UNSTABLE write before the bytes are safe, and a client that sends one WRITE at a time (libnfs) then
// sends its next while this one's pwrite runs, rather than after. Every other use of that file waits for the
// writes still going to it, so nothing can tell them from written ones except by timing; one that fails is
// reported by the file's next WRITE or COMMIT, as a kernel reports a failed writeback at fsync.
import { constants, fstatSync, type BigIntStats } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { folderSpace, rangeIn, readRange } from './file-io.js';
import type { FileRange, FsStats, Stability } from './view.js';

/** Open content files kept; beyond this the least recently used is synced and closed. */
const OPEN_KEPT = 64;
/** Stats of content files kept between changes. */
const STATS_KEPT = 10_000;
/** Bytes of unstable writes still going to their files, at most; past this a write is answered once written. */
const BEHIND_BYTES = 16 * 1024 * 1024;

export interface ContentStore {
  readonly folder: string;
  stat(id: bigint): Promise<BigIntStats | null>;
  /** `size`: the file's size as just read from its attributes, which spares another fstat per READ. */
  read(id: bigint, offset: bigint, count: number, size: bigint, into?: Buffer): Promise<{ data: Buffer; eof: boolean }>;
  /** Where those bytes are, as View.openRange answers. */
  openRange(id: bigint, offset: bigint, count: number, size: bigint): Promise<FileRange>;
  /**
   * Writes all of `data` at `offset`. With `keep` (see RpcCallContext.keepArgs), an unstable write may resolve
   * 'pending': it is still going to the file, and every later call for the file waits for it. Rejects with
   * the error of an earlier pending write to the file that failed, if any (once).
   */
  write(id: bigint, offset: bigint, data: Uint8Array, stable: Stability, keep?: () => () => void): Promise<'written' | 'pending'>;
  /** Everything written so far reaches the disk; rejects as write does with an earlier pending write's error. */
  sync(id: bigint): Promise<void>;
  truncate(id: bigint, size: bigint): Promise<void>;
  setTimes(id: bigint, atimeNs: bigint, mtimeNs: bigint): Promise<void>;
  /** A new empty content file, on disk before this resolves. */
  create(id: bigint): Promise<void>;
  /** Copy-up: the golden file's bytes and times, whole on disk before this resolves (a reflink where offered). */
  copyFrom(id: bigint, goldenPath: string, atimeNs: bigint, mtimeNs: bigint): Promise<void>;
  remove(id: bigint): Promise<void>;
  fsstat(): Promise<FsStats>;
  /** Syncs and closes every open content file. */
  close(): Promise<void>;
}

const seconds = (ns: bigint): number => Number(ns) / 1e9;

export async function openContentStore(folder: string): Promise<ContentStore> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const pathOf = (id: bigint): string => join(folder, id.toString(16).padStart(16, '0'));
  // Map order is use order: a hit is moved to the end.
  const handles = new Map<bigint, Promise<FileHandle>>();

  // Unstable writes still going to their files: each file's last (each waits for the one before it), the bytes
  // all of them hold, and the error of one that failed, until the file's next WRITE or COMMIT reports it.
  const behind = new Map<bigint, Promise<void>>();
  let behindBytes = 0;
  const failed = new Map<bigint, Error>();
  /** Resolves once the writes still going to `id` are in it (at once when there are none). */
  const landed = (id: bigint): Promise<void> | undefined => behind.get(id);
  const reportFailed = (id: bigint): void => {
    const error = failed.get(id);
    if (error === undefined) return;
    failed.delete(id);
    throw error;
  };

  const evict = async (id: bigint, sync: boolean): Promise<void> => {
    // A descriptor is closed only once nothing is still writing through it.
    await landed(id);
    const handle = handles.get(id);
    if (handle === undefined) return;
    handles.delete(id);
    const fh = await handle.catch(() => null);
    if (fh === null) return;
    try {
      if (sync) await fh.datasync();
    } finally {
      await fh.close();
    }
  };

  const handleOf = async (id: bigint): Promise<FileHandle> => {
    let handle = handles.get(id);
    if (handle !== undefined) {
      handles.delete(id);
      handles.set(id, handle);
      return handle;
    }
    handle = open(pathOf(id), constants.O_RDWR | constants.O_NOFOLLOW);
    handles.set(id, handle);
    handle.catch(() => handles.delete(id));
    if (handles.size > OPEN_KEPT) await evict(handles.keys().next().value!, true);
    return handle;
  };

  // Stats kept until the next change to the file: only this store changes the content folder, so a stat holds
  // until then, and a READ or WRITE no longer waits for a stat in the thread pool. `changed` runs before and
  // after every change, so a stat that overlaps one is not kept.
  const stats = new Map<bigint, BigIntStats>();
  const versions = new Map<bigint, number>();
  /** Changes running per file, so that a stat is kept only when none is. */
  const running = new Map<bigint, number>();
  const changed = (id: bigint): void => {
    stats.delete(id);
    versions.set(id, (versions.get(id) ?? 0) + 1);
  };
  const keep = (id: bigint, st: BigIntStats): void => {
    if (stats.size >= STATS_KEPT) stats.delete(stats.keys().next().value!);
    stats.set(id, st);
  };
  const changing = async <T>(id: bigint, work: () => Promise<T>): Promise<T> => {
    changed(id);
    running.set(id, (running.get(id) ?? 0) + 1);
    try {
      return await work();
    } finally {
      changed(id);
      const left = running.get(id)! - 1;
      if (left === 0) running.delete(id);
      else running.set(id, left);
    }
  };
  /**
   * The attributes of a file just written, for the WRITE reply and the next call, taken on this thread: fstat of
   * an open descriptor reads the inode in memory, where a stat by path in the thread pool added about a fifth of
   * a millisecond to each 1 MiB WRITE (nfs-cp, by hand). Not kept while another change to the file is running.
   */
  const keepStatOf = (id: bigint, fh: FileHandle): void => {
    if (running.has(id)) return;
    try {
      keep(id, fstatSync(fh.fd, { bigint: true }));
    } catch {
      // Closed meanwhile (evicted or removed): the next stat goes by path.
    }
  };
  const statOf = async (id: bigint): Promise<BigIntStats | null> => {
    await landed(id);
    const kept = stats.get(id);
    if (kept !== undefined) return kept;
    const version = versions.get(id);
    const st = await stat(pathOf(id), { bigint: true }).catch(() => null);
    if (st !== null && versions.get(id) === version) keep(id, st);
    return st;
  };

  const writeNow = async (id: bigint, offset: bigint, data: Uint8Array, stable: Stability): Promise<void> => {
    const fh = await changing(id, async () => {
      const handle = await handleOf(id);
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await handle.write(data, done, data.length - done, Number(offset) + done);
        done += bytesWritten;
      }
      if (stable === 'data') await handle.datasync();
      else if (stable === 'file') await handle.sync();
      return handle;
    });
    keepStatOf(id, fh);
  };

  const syncFolder = async (): Promise<void> => {
    const dir = await open(folder, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  };

  return {
    folder,
    stat: statOf,
    async read(id, offset, count, size, into) {
      await landed(id);
      return readRange(await handleOf(id), size, offset, count, into);
    },
    async openRange(id, offset, count, size) {
      await landed(id);
      return rangeIn(await handleOf(id), size, offset, count);
    },
    async write(id, offset, data, stable, keep) {
      reportFailed(id);
      if (stable === 'unstable' && keep !== undefined && behindBytes + data.length <= BEHIND_BYTES) {
        const give = keep();
        const before = landed(id);
        behindBytes += data.length;
        const going = (async (): Promise<void> => {
          try {
            await before;
            await writeNow(id, offset, data, stable);
          } catch (error) {
            failed.set(id, error as Error);
          } finally {
            behindBytes -= data.length;
            give();
          }
        })();
        behind.set(id, going);
        // Forgotten once it has landed, unless a later write to the file has taken its place.
        void going.then(() => {
          if (behind.get(id) === going) behind.delete(id);
        });
        return 'pending';
      }
      await landed(id);
      reportFailed(id);
      await writeNow(id, offset, data, stable);
      return 'written';
    },
    async sync(id) {
      await landed(id);
      reportFailed(id);
      const fh = await handleOf(id);
      await fh.sync();
    },
    truncate: (id, size) =>
      changing(id, async () => {
        await landed(id);
        const fh = await handleOf(id);
        await fh.truncate(Number(size));
      }),
    setTimes: (id, atimeNs, mtimeNs) =>
      changing(id, async () => {
        // A write landing later would move the mtime set here.
        await landed(id);
        await utimes(pathOf(id), seconds(atimeNs), seconds(mtimeNs));
      }),
    create: (id) =>
      changing(id, async () => {
        await evict(id, false);
        const fh = await open(pathOf(id), 'w', 0o600);
        await fh.close();
        await syncFolder();
      }),
    copyFrom: (id, goldenPath, atimeNs, mtimeNs) =>
      changing(id, async () => {
        await evict(id, false);
        const temporary = `${pathOf(id)}.copy`;
        await copyFile(goldenPath, temporary, constants.COPYFILE_FICLONE);
        await utimes(temporary, seconds(atimeNs), seconds(mtimeNs));
        const fh = await open(temporary, 'r+');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(temporary, pathOf(id));
        await syncFolder();
      }),
    remove: (id) =>
      changing(id, async () => {
        await evict(id, false);
        // The file's bytes are gone, and with them any failure to write them.
        failed.delete(id);
        await rm(pathOf(id), { force: true });
      }),
    fsstat: () => folderSpace(folder, true),
    async close() {
      await Promise.all(behind.values());
      for (const id of [...handles.keys()]) await evict(id, true);
    },
  };
}
