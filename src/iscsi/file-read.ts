// Reads a disk's bytes from its file: from the page cache on this thread when they are all there (the
// cached_read addon, preadv2 RWF_NOWAIT), else through libuv's thread pool, so the event loop never waits for storage.
//
// Why: random 4 KiB reads at queue depth 32 over loopback (iscsi-perf, 3 runs each, by hand): about 23k IOPS
// through fs/promises alone, 48-62k reading the page cache on this thread.
import type { FileHandle } from 'node:fs/promises';
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
    const { bytesRead } = await fh.read(into, done, want - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  into.fill(0, done);
}
