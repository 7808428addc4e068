// Reads and writes of a disk's bytes in its files. Reads come from the page cache on this thread when they are all
// there (the cached_read addon, preadv2 RWF_NOWAIT), else through libuv's thread pool, so the event loop never
// waits for storage. Writes never run on this thread (a buffered write can wait on the file system's journal):
// each disk's go to a thread of its own (the disk_writer addon), or through the pool without it.
//
// Why: random 4 KiB reads at queue depth 32 over loopback (iscsi-perf, 3 runs each, by hand): about 23k IOPS
// through fs/promises alone, 48-62k reading the page cache on this thread. Random 4 KiB writes (iscsi-io, 4 runs
// each): fs.write with a callback gave about 10% more than FileHandle.write; a pool of one thread about a third
// more than four (writes to one file serialise in the kernel, and each wake of a pool thread costs).
import { read, write } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { getSystemErrorName } from 'node:util';
import { loadAddon } from '../native/load-addon.js';

interface CachedReadAddon {
  readCached(fd: number, into: Uint8Array, offset: number, length: number, position: number): number;
}

/** native/cached_read.c's answers besides a byte count. */
const NOT_CACHED = -1;
const NOT_SUPPORTED = -2;

export type CachedReadLoad = { readonly native: true; readonly addon: CachedReadAddon } | { readonly native: false; readonly reason: string };
let loaded: CachedReadLoad | undefined;

/** The addon when built; loaded on first use. */
export function loadCachedRead(): CachedReadLoad {
  loaded ??= (() => {
    const found = loadAddon<CachedReadAddon>('cached_read', (m) => typeof m.readCached === 'function', import.meta.url);
    return found.ok ? { native: true as const, addon: found.addon } : { native: false as const, reason: found.reason };
  })();
  return loaded;
}

/** Files on a file system that cannot say what it has cached: they go straight to the thread pool. */
const cannotTell = new WeakSet<FileHandle>();

/**
 * Fills `into` with the file's bytes from `position`; past `end` (or past the file's end, if it is shorter)
 * with zeros. `useCache: false` skips the page-cache attempt (tests of the thread-pool path).
 */
export async function readInto(fh: FileHandle, into: Buffer, position: number, end = Number.MAX_SAFE_INTEGER, useCache = true): Promise<void> {
  const want = Math.max(0, Math.min(into.length, end - position));
  let done = 0;
  const cached = useCache && want > 0 && !cannotTell.has(fh) ? loadCachedRead() : null;
  if (cached?.native === true) {
    const got = cached.addon.readCached(fh.fd, into, 0, want, position);
    if (got === NOT_SUPPORTED) cannotTell.add(fh);
    else if (got !== NOT_CACHED) done = got;
  }
  while (done < want) {
    const bytesRead = await readSome(fh.fd, into, done, want - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  into.fill(0, done);
}

const readSome = (fd: number, into: Buffer, offset: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => read(fd, into, offset, length, position, (error, bytes) => (error === null ? resolve(bytes) : reject(error))));

const writeSome = (fd: number, data: Uint8Array, offset: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => write(fd, data, offset, length, position, (error, bytes) => (error === null ? resolve(bytes) : reject(error))));

/** Writes all of `data` at `position`. */
export async function writeAt(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) done += await writeSome(fh.fd, data, done, data.length - done, position + done);
}

interface DiskWriterAddon {
  createWriter(onDone: (ids: Uint32Array, errnos: Int32Array) => void): object;
  submit(writer: object, fd: number, data: Uint8Array, offset: number, length: number, position: number, id: number): void;
  close(writer: object): void;
}

export type DiskWriterLoad = { readonly native: true; readonly addon: DiskWriterAddon } | { readonly native: false; readonly reason: string };
let writerLoaded: DiskWriterLoad | undefined;

/** The addon when built; loaded on first use. */
export function loadDiskWriter(): DiskWriterLoad {
  writerLoaded ??= (() => {
    const found = loadAddon<DiskWriterAddon>('disk_writer', (m) => typeof m.createWriter === 'function' && typeof m.submit === 'function', import.meta.url);
    return found.ok ? { native: true as const, addon: found.addon } : { native: false as const, reason: found.reason };
  })();
  return writerLoaded;
}

/** Where one disk's writes go. */
export interface DiskWriter {
  /** All of `data` at `position`; `data` must stay unchanged until this settles. */
  write(fh: FileHandle, data: Uint8Array, position: number): Promise<void>;
  /** Waits for the writes in flight, then takes no more. */
  close(): Promise<void>;
}

/** A writer thread of the disk's own when the addon is built (`useThread: false`: the pool, for tests). */
export function createDiskWriter(useThread = true): DiskWriter {
  const loaded = useThread ? loadDiskWriter() : null;
  if (loaded?.native !== true) {
    let closed = false;
    const inFlight = new Set<Promise<void>>();
    return {
      write(fh, data, position) {
        if (closed) return Promise.reject(writerClosed());
        const written = writeAt(fh, data, position);
        inFlight.add(written);
        const settled = (): void => void inFlight.delete(written);
        written.then(settled, settled);
        return written;
      },
      async close() {
        closed = true;
        await Promise.allSettled([...inFlight]);
      },
    };
  }
  const { addon } = loaded;
  // The buffer rides along so that it stays alive while the thread reads from it.
  const waiting = new Map<number, { readonly resolve: () => void; readonly reject: (error: Error) => void; readonly data: Uint8Array }>();
  let drained: (() => void) | null = null;
  let nextId = 0;
  let closed = false;
  const handle = addon.createWriter((ids, errnos) => {
    for (let i = 0; i < ids.length; i++) {
      const entry = waiting.get(ids[i]!);
      if (entry === undefined) continue;
      waiting.delete(ids[i]!);
      const errno = errnos[i]!;
      if (errno === 0) entry.resolve();
      else entry.reject(Object.assign(new Error(`write: ${getSystemErrorName(-errno)}`), { code: getSystemErrorName(-errno), errno: -errno, syscall: 'pwrite' }));
    }
    if (waiting.size === 0) drained?.();
  });
  return {
    write(fh, data, position) {
      if (closed) return Promise.reject(writerClosed());
      if (data.length === 0) return Promise.resolve();
      const id = (nextId = (nextId + 1) >>> 0);
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject, data });
        try {
          addon.submit(handle, fh.fd, data, 0, data.length, position, id);
        } catch (error) {
          waiting.delete(id);
          reject(error as Error);
        }
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (waiting.size > 0) await new Promise<void>((resolve) => (drained = resolve));
      addon.close(handle);
    },
  };
}

const writerClosed = (): Error => Object.assign(new Error('the disk is closed'), { code: 'EBADF' });
