// A read-only View of one folder (RFC 1813 semantics): the shared golden root, and the lower layer of every machine's view.
//
// File ids are the folder's own inode numbers, so they hold across Bramble restarts. Paths are only ever built
// from names this view has checked and directories it has lstat'ed itself: a symlink is data for the client and
// never followed here, so nothing a client names can lead out of the folder.
import { lstat, open, readdir, readlink, realpath, type FileHandle } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { constants, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { readRange } from './file-io.js';
import { checkName, type DirEntry, type FileAttributes, type FileType, type ReadDirPage, type ReadOnlyView, type ViewError, type ViewResult } from './view.js';

interface Place {
  readonly path: string;
  readonly parent: bigint;
  /**
   * Birth time when first seen: a file system reuses a freed inode number at once, so a replaced file can
   * carry its predecessor's id; its birth time tells them apart (0 where the file system keeps none).
   */
  readonly born: bigint;
}

const ok = <T>(value: T): ViewResult<T> => ({ ok: true, value });
const fail = (error: ViewError): ViewResult<never> => ({ ok: false, error });

export interface GoldenEntry {
  readonly name: string;
  readonly id: bigint;
}

export interface GoldenView extends ReadOnlyView {
  readonly root: string;
  /** Where a file id lives now, for the layer above; null when it is not (or no longer) in the folder. */
  placeOf(id: bigint): Promise<Place | null>;
  /** The place if it is known already (every id a listing or lookup returned): no walk, no wait. */
  placeKnown(id: bigint): Place | undefined;
  /** A directory's entries (no '.' or '..') in no particular order, with the directory's mtime. */
  list(dirId: bigint): Promise<ViewResult<{ readonly entries: readonly GoldenEntry[]; readonly mtimeNs: bigint }>>;
  /** Closes the files kept open for reading. */
  close(): Promise<void>;
}

/** Listings kept: golden directories seldom change, and a client pages through one directory many times. */
const LISTINGS_KEPT = 256;
/**
 * How long attributes count as read: a golden root changes only by the admin's hand, and NFS clients cache
 * attributes for seconds themselves. Without this, every READ and every READDIRPLUS entry paid an lstat through
 * the thread pool.
 */
const STAT_FRESH_MS = 1000;
const STATS_KEPT = 100_000;
/** Golden files kept open for READs, so a 1 MiB read is one pread instead of open, fstat, read, close. */
const OPEN_KEPT = 32;
/** lstats of one listing done between two turns of the event loop. */
const LIST_BATCH = 64;

export interface GoldenViewOptions {
  /** How long attributes count as read (default STAT_FRESH_MS); 0 stats at every request. */
  readonly attributeCacheMs?: number;
}

export async function openGoldenView(folder: string, options: GoldenViewOptions = {}): Promise<GoldenView> {
  const freshMs = options.attributeCacheMs ?? STAT_FRESH_MS;
  const root = await realpath(folder);
  const rootStat = await lstat(root, { bigint: true });
  if (!rootStat.isDirectory()) throw Object.assign(new Error(`${folder} is not a folder`), { code: 'NOT_A_FOLDER' });
  const rootId = rootStat.ino;
  const places = new Map<bigint, Place>([[rootId, { path: root, parent: rootId, born: rootStat.birthtimeNs }]]);
  let walked = false;

  // An id a client kept from before a restart: learn every place once by walking the folder.
  const walk = async (dir: string, dirId: bigint): Promise<void> => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name);
      const st = await lstat(path, { bigint: true }).catch(() => null);
      if (st === null) continue;
      if (!places.has(st.ino)) places.set(st.ino, { path, parent: dirId, born: st.birthtimeNs });
      if (st.isDirectory()) await walk(path, st.ino);
    }
  };

  const placeOf = async (id: bigint): Promise<Place | null> => {
    let place = places.get(id);
    if (place === undefined && !walked) {
      walked = true;
      await walk(root, rootId);
      place = places.get(id);
    }
    return place ?? null;
  };

  // The attributes made from a stat are kept with it: the same object until the next stat, so that what is made
  // from them per call (fattr3) can be kept too.
  const stats = new Map<bigint, { readonly st: BigIntStats; readonly at: number; attrs?: FileAttributes }>();
  const remember = (st: BigIntStats): void => {
    if (stats.size >= STATS_KEPT) stats.delete(stats.keys().next().value!);
    stats.set(st.ino, { st, at: Date.now() });
  };
  const attributesKept = (st: BigIntStats): FileAttributes => {
    const kept = stats.get(st.ino);
    if (kept === undefined || kept.st !== st) return attributesOf(st);
    return (kept.attrs ??= attributesOf(st));
  };

  /** The id's file as it is now; STALE when the name now holds another file (or nothing). */
  const statOf = async (id: bigint): Promise<ViewResult<{ place: Place; st: BigIntStats }>> => {
    const place = await placeOf(id);
    if (place === null) return fail('STALE');
    const kept = stats.get(id);
    if (kept !== undefined && Date.now() - kept.at < freshMs && kept.st.birthtimeNs === place.born) return ok({ place, st: kept.st });
    const st = await lstat(place.path, { bigint: true }).catch(() => null);
    if (st !== null) remember(st);
    if (st === null || st.ino !== id || st.birthtimeNs !== place.born) {
      places.delete(id);
      return fail('STALE');
    }
    return ok({ place, st });
  };

  // Open files by id, in use order; opened without following links, and checked to be the file the id names.
  const openFiles = new Map<bigint, Promise<FileHandle | null>>();
  const openFor = (id: bigint, place: Place): Promise<FileHandle | null> => {
    let handle = openFiles.get(id);
    if (handle !== undefined) {
      openFiles.delete(id);
      openFiles.set(id, handle);
      return handle;
    }
    handle = (async () => {
      const fh = await open(place.path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
      if (fh === null) return null;
      // The name may have been replaced between the lstat and the open.
      const st = await fh.stat({ bigint: true });
      if (st.ino === id && st.birthtimeNs === place.born) return fh;
      await fh.close();
      return null;
    })();
    openFiles.set(id, handle);
    void handle.then((fh) => {
      if (fh === null) openFiles.delete(id);
    });
    if (openFiles.size > OPEN_KEPT) {
      const oldest = openFiles.keys().next().value!;
      const closing = openFiles.get(oldest)!;
      openFiles.delete(oldest);
      // Reads still running on it keep their own reference until they finish.
      setTimeout(() => void closing.then((fh) => fh?.close()), 5000).unref();
    }
    return handle;
  };

  // Keyed by directory id; an entry counts only while the directory's mtime is the one it was read at.
  const listings = new Map<bigint, { mtimeNs: bigint; entries: GoldenEntry[] }>();

  /**
   * Synchronous lstat, a batch at a time with a turn of the event loop between batches: a listing stats every
   * entry (READDIRPLUS returns them all), and through the thread pool each cost ~40 µs of this thread against
   * ~7 µs done here. A batch on a cold disk blocks other requests for at most LIST_BATCH disk reads.
   */
  const statAll = async (dirPath: string, names: readonly string[], each: (name: string, path: string, st: BigIntStats) => void): Promise<void> => {
    for (let i = 0; i < names.length; i += LIST_BATCH) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      for (const name of names.slice(i, i + LIST_BATCH)) {
        const path = join(dirPath, name);
        const st = lstatSync(path, { bigint: true, throwIfNoEntry: false });
        if (st !== undefined) each(name, path, st); // else gone since the listing
      }
    }
  };

  const list = async (dirId: bigint): Promise<ViewResult<{ entries: readonly GoldenEntry[]; mtimeNs: bigint }>> => {
    const dir = await statOf(dirId);
    if (!dir.ok) return dir;
    if (!dir.value.st.isDirectory()) return fail('NOTDIR');
    const mtimeNs = dir.value.st.mtimeNs;
    const dirPath = dir.value.place.path;
    const kept = listings.get(dirId);
    if (kept !== undefined && kept.mtimeNs === mtimeNs) {
      // The names hold while the mtime does; the entries' attributes are read again once they are old, here in
      // one go rather than one getattr at a time.
      const now = Date.now();
      const old = kept.entries.filter((e) => now - (stats.get(e.id)?.at ?? 0) >= freshMs).map((e) => e.name);
      await statAll(dirPath, old, (_name, _path, st) => remember(st));
      return ok(kept);
    }
    const entries: GoldenEntry[] = [];
    await statAll(dirPath, await readdir(dirPath), (name, path, st) => {
      places.set(st.ino, { path, parent: dirId, born: st.birthtimeNs });
      remember(st);
      entries.push({ name, id: st.ino });
    });
    if (listings.size >= LISTINGS_KEPT) listings.delete(listings.keys().next().value!);
    const listing = { mtimeNs, entries };
    listings.set(dirId, listing);
    return ok(listing);
  };


  return {
    root,
    rootId,
    placeOf,
    placeKnown: (id) => places.get(id),
    list,
    async close() {
      const all = [...openFiles.values()];
      openFiles.clear();
      for (const fh of await Promise.all(all)) await fh?.close();
    },
    async getattr(id) {
      const found = await statOf(id);
      return found.ok ? ok(attributesKept(found.value.st)) : found;
    },
    async lookup(dirId, name) {
      const dir = await statOf(dirId);
      if (!dir.ok) return dir;
      if (!dir.value.st.isDirectory()) return fail('NOTDIR');
      if (name === '.') return ok(dirId);
      if (name === '..') return ok(dir.value.place.parent);
      const bad = checkName(name);
      if (bad !== null) return fail(bad);
      const path = join(dir.value.place.path, name);
      const st = await lstat(path, { bigint: true }).catch(() => null);
      if (st === null) return fail('NOENT');
      places.set(st.ino, { path, parent: dirId, born: st.birthtimeNs });
      return ok(st.ino);
    },
    async readlink(id) {
      const found = await statOf(id);
      if (!found.ok) return found;
      if (!found.value.st.isSymbolicLink()) return fail('INVAL');
      return ok(await readlink(found.value.place.path));
    },
    async read(id, offset, count, into) {
      const found = await statOf(id);
      if (!found.ok) return found;
      if (found.value.st.isDirectory()) return fail('ISDIR');
      if (!found.value.st.isFile()) return fail('INVAL');
      const handle = await openFor(id, found.value.place);
      if (handle === null) return fail('STALE');
      return ok(await readRange(handle, found.value.st.size, offset, count, into));
    },
    async readdir(dirId, cookie, verifier, max) {
      const dir = await statOf(dirId);
      if (!dir.ok) return dir;
      const listing = await list(dirId);
      if (!listing.ok) return listing;
      const current = listing.value.mtimeNs;
      if (cookie !== 0n && verifier !== current) return fail('BAD_COOKIE');
      // Sorted, so that a position is a stable cookie while the directory does not change (its mtime says so).
      const all: Array<{ name: string; id: bigint }> = [
        { name: '.', id: dirId },
        { name: '..', id: dir.value.place.parent },
        ...[...listing.value.entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      ];
      const start = Number(cookie);
      if (start > all.length) return fail('BAD_COOKIE');
      const entries: DirEntry[] = [];
      let i = start;
      for (; i < all.length && entries.length < max; i++) entries.push({ name: all[i]!.name, fileId: all[i]!.id, cookie: BigInt(i + 1) });
      const page: ReadDirPage = { entries, eof: i >= all.length, verifier: current };
      return ok(page);
    },
  };
}

function typeOf(st: BigIntStats): FileType {
  if (st.isFile()) return 'reg';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'lnk';
  if (st.isBlockDevice()) return 'blk';
  if (st.isCharacterDevice()) return 'chr';
  if (st.isFIFO()) return 'fifo';
  return 'sock';
}

/** glibc's gnu_dev_major/minor: the Linux dev_t layout. */
export function splitDevice(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

export function attributesOf(st: BigIntStats): FileAttributes {
  return {
    type: typeOf(st),
    mode: Number(st.mode & 0o7777n),
    nlink: Number(st.nlink),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: st.size,
    used: st.blocks * 512n,
    rdev: splitDevice(st.rdev),
    fileId: st.ino,
    atimeNs: st.atimeNs,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
  };
}
