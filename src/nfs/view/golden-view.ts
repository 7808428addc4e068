// A read-only View of one folder (RFC 1813 semantics): the shared golden root, and the lower layer of every machine's view.
//
// File ids are the folder's own inode numbers, so they hold across Bramble restarts. Paths are only ever built
// from names this view has checked and directories it has lstat'ed itself: a symlink is data for the client and
// never followed here, so nothing a client names can lead out of the folder.
import { lstat, open, readdir, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { attributesFromStat, bornOf, fromStats, inoOf, loadStatMany, sameStat, STAT_FIELDS, statErrno, type StatMany } from './file-stat.js';
import { rangeIn, readRange } from './file-io.js';
import { dirWatches } from './dir-watches.js';
import { ListingCache } from './listing-cache.js';
import { checkName, type DirEntry, type FileAttributes, type FileRange, type ReadDirPage, type ReadOnlyView, type ViewError, type ViewResult } from './view.js';

interface Place {
  readonly path: string;
  /** The last component of path: the name the layer above checks for whiteouts, without splitting the path each time. */
  readonly name: string;
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
  openRange(id: bigint, offset: bigint, count: number): Promise<ViewResult<FileRange>>;
  readonly root: string;
  /** Where a file id lives now, for the layer above; null when it is not (or no longer) in the folder. */
  placeOf(id: bigint): Promise<Place | null>;
  /** The place if it is known already (every id a listing or lookup returned): no walk, no wait. */
  placeKnown(id: bigint): Place | undefined;
  /**
   * The attributes if they are known and still fresh, without a wait: what a listing just read. undefined means
   * ask getattr, which stats (and answers STALE for a file that is gone).
   */
  attributesNow(id: bigint): FileAttributes | undefined;
  /** See View.listingFreshNow: list(dirId) would now answer from what it keeps, reading nothing. */
  listingFreshNow(dirId: bigint): boolean;
  /** See View.lookupNow. */
  lookupNow(dirId: bigint, name: string): bigint | undefined;
  epoch(): number;
  /** A directory's entries (no '.' or '..') in no particular order, with the directory's mtime. */
  list(dirId: bigint): Promise<ViewResult<{ readonly entries: readonly GoldenEntry[]; readonly mtimeNs: bigint }>>;
  /** Closes the files kept open for reading. */
  close(): Promise<void>;
}

/** Entries of listings kept: golden directories seldom change, and a client pages through one directory many times. */
const LISTED_KEPT = 100_000;
/**
 * How long attributes count as read: a golden root changes only by the admin's hand, and NFS clients cache
 * attributes for seconds themselves. Without this, every READ and every READDIRPLUS entry paid an lstat through
 * the thread pool.
 */
const STAT_FRESH_MS = 1000;
/**
 * How long attributes of a watched directory's entries count as read: the watch reports every change, so this
 * only bounds what a lost report could cost (a file system inotify does not see, such as a network mount).
 */
const WATCHED_FRESH_MS = 30_000;
/** Directories watched at most, per golden folder (each costs one of the user's inotify watches). */
const WATCHES_KEPT = 4096;
const STATS_KEPT = 100_000;
/** Golden files kept open for READs, so a 1 MiB read is one pread instead of open, fstat, read, close. */
const OPEN_KEPT = 32;
/** lstats of one listing done between two turns of the event loop. */
const LIST_BATCH = 256;

/** One file's stat as kept: its numbers, the attributes made from them, and how long they hold. */
interface Kept {
  readonly id: bigint;
  /**
   * The stat's numbers (file-stat.ts layout), as a plain array: a Float64Array of its own per file also cost
   * an ArrayBuffer and a backing store, ~230 bytes more resident per file (after listing 20,000 files).
   */
  readonly raw: readonly number[];
  readonly attrs: FileAttributes;
  readonly born: bigint;
  /** Until when (Date.now()) the stat holds, reports aside. */
  until: number;
  /** The watch report count when the stat was taken: a report for its directory after that makes it old. */
  seen: number;
}

export interface GoldenViewOptions {
  /** How long attributes count as read (default STAT_FRESH_MS); 0 stats at every request. */
  readonly attributeCacheMs?: number;
  /** Watch listed directories for changes (default true), so their entries' attributes hold for longer. */
  readonly watch?: boolean;
  /** How a listing's entries are stat'ed (default: the native batch when built); tests pass statManyInJs. */
  readonly statMany?: StatMany;
}

export async function openGoldenView(folder: string, options: GoldenViewOptions = {}): Promise<GoldenView> {
  const freshMs = options.attributeCacheMs ?? STAT_FRESH_MS;
  const watchedMs = freshMs === 0 ? 0 : WATCHED_FRESH_MS;
  const statMany = options.statMany ?? loadStatMany().statMany;
  const root = await realpath(folder);
  const rootStat = await lstat(root, { bigint: true });
  if (!rootStat.isDirectory()) throw Object.assign(new Error(`${folder} is not a folder`), { code: 'NOT_A_FOLDER' });
  const rootId = rootStat.ino;
  const places = new Map<bigint, Place>([[rootId, { path: root, name: '', parent: rootId, born: rootStat.birthtimeNs }]]);
  let walked = false;
  // Moves whenever something kept changes or is dropped (a stat, a place, a listing): see View.epoch. What is
  // learnt for the first time does not move it, since nothing could have been made from it before.
  let epoch = 0;
  const setPlace = (id: bigint, place: Place): void => {
    const was = places.get(id);
    if (was !== undefined && was.path === place.path && was.parent === place.parent && was.born === place.born) return;
    places.set(id, place);
    if (was !== undefined) epoch++;
  };

  // An id a client kept from before a restart: learn every place once by walking the folder.
  const walk = async (dir: string, dirId: bigint): Promise<void> => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name);
      const st = await lstat(path, { bigint: true }).catch(() => null);
      if (st === null) continue;
      if (!places.has(st.ino)) setPlace(st.ino, { path, name, parent: dirId, born: st.birthtimeNs });
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

  // A report for a directory makes everything kept of it and of its entries old, whenever it was read: the
  // report count at each stat (Kept.seen) is compared with the directory's last report.
  const lastReport = new Map<bigint, number>();
  const watches = dirWatches((dirId) => lastReport.set(dirId, watches.changes()), WATCHES_KEPT);
  const watching = options.watch !== false && freshMs > 0;
  const reportedSince = (dirId: bigint, seen: number): boolean => (lastReport.get(dirId) ?? -1) > seen;
  /** How long a stat of `id` (an entry of `parent`) taken now holds. */
  const lifetime = (id: bigint, parent: bigint): number => (watches.watched(parent) || watches.watched(id) ? watchedMs : freshMs);
  const fresh = (kept: Kept, place: Place): boolean =>
    Date.now() < kept.until && kept.born === place.born && !reportedSince(place.parent, kept.seen) && !reportedSince(kept.id, kept.seen);

  // The attributes made from a stat are kept with its numbers: the same object until the file changes, so that
  // what is made from them per call (fattr3 and its bytes) can be kept too. A stat that finds the file as it was
  // only moves `until` and `seen` on.
  const stats = new Map<bigint, Kept>();
  /** The stat at raw[at..], taken when the report count was `seen`, as kept from now on: the record kept before when nothing changed. */
  const remember = (raw: Float64Array, at: number, seen: number, parent: bigint): Kept => {
    const id = inoOf(raw, at);
    const until = Date.now() + lifetime(id, parent);
    const kept = stats.get(id);
    if (kept !== undefined && sameStat(kept.raw, 0, raw, at)) {
      kept.until = until;
      kept.seen = seen;
      return kept;
    }
    if (kept === undefined && stats.size >= STATS_KEPT) {
      stats.delete(stats.keys().next().value!);
      epoch++;
    }
    if (kept !== undefined) epoch++;
    const own = Array.from(raw.subarray(at, at + STAT_FIELDS));
    const made: Kept = { id, raw: own, until, seen, attrs: attributesFromStat(own), born: bornOf(own) };
    stats.set(id, made);
    return made;
  };
  const single = new Float64Array(STAT_FIELDS);
  /** The attributes kept for `id` while they are fresh; undefined: getattr must look. */
  const attributesNow = (id: bigint): FileAttributes | undefined => {
    const kept = stats.get(id);
    const place = places.get(id);
    return kept !== undefined && place !== undefined && fresh(kept, place) ? kept.attrs : undefined;
  };

  /** The id's file as it is now; STALE when the name now holds another file (or nothing). */
  const statOf = async (id: bigint): Promise<ViewResult<{ place: Place; st: Kept }>> => {
    const place = await placeOf(id);
    if (place === null) return fail('STALE');
    const kept = stats.get(id);
    if (kept !== undefined && fresh(kept, place)) return ok({ place, st: kept });
    const seen = watches.changes();
    const read = await lstat(place.path, { bigint: true }).catch(() => null);
    let st: Kept | null = null;
    if (read !== null) {
      fromStats(read, single);
      st = remember(single, 0, seen, place.parent);
    }
    if (st === null || st.id !== id || st.born !== place.born) {
      places.delete(id);
      epoch++;
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

  /** A regular file's kept open handle and its size from the attributes. */
  const openRegular = async (id: bigint): Promise<ViewResult<{ handle: FileHandle; size: bigint }>> => {
    const found = await statOf(id);
    if (!found.ok) return found;
    const { attrs } = found.value.st;
    if (attrs.type === 'dir') return fail('ISDIR');
    if (attrs.type !== 'reg') return fail('INVAL');
    const handle = await openFor(id, found.value.place);
    if (handle === null) return fail('STALE');
    return ok({ handle, size: attrs.size });
  };

  // Keyed by directory id; an entry counts only while the directory's mtime is the one it was read at.
  // freshUntil and seen: until then, and while no report came for the directory, every entry's attributes are
  // fresh, so a client paging through a large directory does not have each page look at every entry again.
  /** Directories listed at least once: a listing made again replaces one that something may have used. */
  const listedBefore = new Set<bigint>();
  const listings = new ListingCache<{ mtimeNs: bigint; entries: GoldenEntry[]; freshUntil: number; seen: number; sorted?: GoldenEntry[]; byName?: Map<string, bigint> }>(
    LISTED_KEPT,
    (l) => l.entries.length,
  );

  /**
   * lstat of a listing's entries, a batch at a time with a turn of the event loop between batches: READDIRPLUS
   * returns every entry's attributes, and one statx per entry here (native/stat_many.c) costs a fraction of a
   * trip through the thread pool. A batch on a cold disk blocks other requests for at most LIST_BATCH disk reads.
   */
  const batch = new Float64Array(LIST_BATCH * STAT_FIELDS);
  const statAll = async (dirId: bigint, dirPath: string, names: readonly string[], each: (name: string, st: Kept) => void): Promise<void> => {
    for (let i = 0; i < names.length; i += LIST_BATCH) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const some = names.slice(i, i + LIST_BATCH);
      const seen = watches.changes();
      statMany(dirPath, some, batch);
      for (let j = 0; j < some.length; j++) {
        // An entry gone since the listing (or unreadable) is left out.
        if (statErrno(batch, j * STAT_FIELDS) === 0) each(some[j]!, remember(batch, j * STAT_FIELDS, seen, dirId));
      }
    }
  };

  const list = async (dirId: bigint): Promise<ViewResult<{ entries: readonly GoldenEntry[]; mtimeNs: bigint; sorted?: GoldenEntry[] }>> => {
    const dir = await statOf(dirId);
    if (!dir.ok) return dir;
    if (dir.value.st.attrs.type !== 'dir') return fail('NOTDIR');
    const mtimeNs = dir.value.st.attrs.mtimeNs;
    const dirPath = dir.value.place.path;
    const kept = listings.get(dirId);
    if (kept !== undefined && kept.mtimeNs === mtimeNs) {
      if (Date.now() < kept.freshUntil && !reportedSince(dirId, kept.seen)) return ok(kept);
      // The names hold while the mtime does; the entries' attributes are read again once they are old, here in
      // one go rather than one getattr at a time.
      const seen = watches.changes();
      let soonest = Date.now() + lifetime(dirId, dirId);
      const old: string[] = [];
      for (const e of kept.entries) {
        const st = stats.get(e.id);
        const place = places.get(e.id);
        if (st === undefined || place === undefined || !fresh(st, place)) old.push(e.name);
        else if (st.until < soonest) soonest = st.until;
      }
      await statAll(dirId, dirPath, old, () => {});
      kept.freshUntil = soonest;
      kept.seen = seen;
      return ok(kept);
    }
    // Watched before it is read, so that no change falls between the reading and the watch.
    if (watching) watches.watch(dirId, dirPath);
    const seen = watches.changes();
    const entries: GoldenEntry[] = [];
    const started = Date.now();
    // One shared prefix and the entry's own name: path.join built each path from ~7 string pieces (~10 MiB of
    // heap for 20,000 listed files; resident 172 -> 166 MiB).
    const prefix = dirPath.endsWith('/') ? dirPath : `${dirPath}/`;
    await statAll(dirId, dirPath, await readdir(dirPath), (name, st) => {
      setPlace(st.id, { path: prefix + name, name, parent: dirId, born: st.born });
      entries.push({ name, id: st.id });
    });
    if (listedBefore.has(dirId)) epoch++;
    listedBefore.add(dirId);
    const listing = { mtimeNs, entries, freshUntil: started + lifetime(dirId, dirId), seen };
    listings.set(dirId, listing);
    return ok(listing);
  };


  return {
    root,
    rootId,
    placeOf,
    placeKnown: (id) => places.get(id),
    epoch: () => epoch,
    attributesNow,
    listingFreshNow(dirId) {
      const kept = listings.get(dirId);
      // What list() checks before it answers from what it keeps without a look at the file system.
      return kept !== undefined && kept.mtimeNs === attributesNow(dirId)?.mtimeNs && Date.now() < kept.freshUntil && !reportedSince(dirId, kept.seen);
    },
    lookupNow(dirId, name) {
      // As lookup() answers from a listing: the directory's attributes fresh, and its mtime the listing's.
      const dir = attributesNow(dirId);
      const listing = listings.get(dirId);
      if (dir?.type !== 'dir' || listing === undefined || listing.mtimeNs !== dir.mtimeNs) return undefined;
      return (listing.byName ??= new Map(listing.entries.map((e) => [e.name, e.id]))).get(name);
    },
    list,
    async close() {
      watches.close();
      const all = [...openFiles.values()];
      openFiles.clear();
      for (const fh of await Promise.all(all)) await fh?.close();
    },
    async getattr(id) {
      const found = await statOf(id);
      return found.ok ? ok(found.value.st.attrs) : found;
    },
    async lookup(dirId, name) {
      const dir = await statOf(dirId);
      if (!dir.ok) return dir;
      if (dir.value.st.attrs.type !== 'dir') return fail('NOTDIR');
      if (name === '.') return ok(dirId);
      if (name === '..') return ok(dir.value.place.parent);
      const bad = checkName(name);
      if (bad !== null) return fail(bad);
      // A listing read while the directory had the mtime it has now still holds its names: no lstat.
      const listing = listings.get(dirId);
      if (listing !== undefined && listing.mtimeNs === dir.value.st.attrs.mtimeNs) {
        const id = (listing.byName ??= new Map(listing.entries.map((e) => [e.name, e.id]))).get(name);
        return id === undefined ? fail('NOENT') : ok(id);
      }
      const path = join(dir.value.place.path, name);
      const st = await lstat(path, { bigint: true }).catch(() => null);
      if (st === null) return fail('NOENT');
      setPlace(st.ino, { path, name, parent: dirId, born: st.birthtimeNs });
      return ok(st.ino);
    },
    async readlink(id) {
      const found = await statOf(id);
      if (!found.ok) return found;
      if (found.value.st.attrs.type !== 'lnk') return fail('INVAL');
      return ok(await readlink(found.value.place.path));
    },
    async read(id, offset, count, into) {
      const opened = await openRegular(id);
      if (!opened.ok) return opened;
      return ok(await readRange(opened.value.handle, opened.value.size, offset, count, into));
    },
    async openRange(id, offset, count) {
      const opened = await openRegular(id);
      if (!opened.ok) return opened;
      return ok(rangeIn(opened.value.handle, opened.value.size, offset, count));
    },
    async readdir(dirId, cookie, verifier, max) {
      const dir = await statOf(dirId);
      if (!dir.ok) return dir;
      const listing = await list(dirId);
      if (!listing.ok) return listing;
      const current = listing.value.mtimeNs;
      if (cookie !== 0n && verifier !== current) return fail('BAD_COOKIE');
      // Sorted, so that a position is a stable cookie while the directory does not change (its mtime says so);
      // sorted once per listing, not once per page.
      const sorted = (listing.value.sorted ??= [...listing.value.entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
      const dots: GoldenEntry[] = [{ name: '.', id: dirId }, { name: '..', id: dir.value.place.parent }];
      const total = sorted.length + 2;
      const start = Number(cookie);
      if (start > total) return fail('BAD_COOKIE');
      const entries: DirEntry[] = [];
      let i = start;
      for (; i < total && entries.length < max; i++) {
        const e = i < 2 ? dots[i]! : sorted[i - 2]!;
        entries.push({ name: e.name, fileId: e.id, cookie: BigInt(i + 1) });
      }
      const page: ReadDirPage = { entries, eof: i >= total, verifier: current };
      return ok(page);
    },
  };
}
