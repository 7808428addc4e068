// TftpFiles over folders on disk (RFC 1350 read requests): contained in the roots, case-tolerant, positional reads.
import { constants } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside, requestSegments } from '../files/contained-path.js';
import type { TftpFile, TftpFiles, TftpOpenResult } from './files.js';

type Located =
  | { readonly kind: 'found'; readonly path: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'denied'; readonly message: string };

/** The first root that holds the path wins; inside a root an exact match beats a case-insensitive one. */
export function folderFiles(roots: readonly string[]): TftpFiles {
  return {
    open: async (path) => {
      const segments = requestSegments(path);
      if (segments === null) return { ok: false, code: 'access-denied', message: 'path leaves the root' };
      if (segments.length === 0) return { ok: false, code: 'not-found', message: 'no file named' };
      for (const root of roots) {
        const located = await locate(root, segments);
        if (located.kind === 'missing') continue;
        if (located.kind === 'denied') return { ok: false, code: 'access-denied', message: located.message };
        return openRegular(located.path);
      }
      return { ok: false, code: 'not-found' };
    },
  };
}

async function locate(root: string, segments: readonly string[]): Promise<Located> {
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    return { kind: 'missing' }; // a root that does not exist (yet) holds nothing
  }
  let candidate = join(realRoot, ...segments);
  try {
    await lstat(candidate);
  } catch (error) {
    if (!isMissing(error)) return deniedOrMissing(error);
    const matched = await matchCaseInsensitive(realRoot, segments);
    if (matched === null) return { kind: 'missing' };
    candidate = matched;
  }
  let target: string;
  try {
    target = await realpath(candidate);
  } catch (error) {
    // A dangling symlink is simply missing; a loop or an unreadable folder is refused.
    return deniedOrMissing(error);
  }
  // Symlinks are followed, but only to places inside the same root.
  if (!isInside(realRoot, target)) return { kind: 'denied', message: 'path leaves the root' };
  return { kind: 'found', path: target };
}

/** Walks down segment by segment, taking the exact name when present, else the first case-insensitive match. */
async function matchCaseInsensitive(root: string, segments: readonly string[]): Promise<string | null> {
  let dir = root;
  for (const segment of segments) {
    const exact = join(dir, segment);
    if (await exists(exact)) {
      dir = exact;
      continue;
    }
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return null;
    }
    const wanted = segment.toLowerCase();
    const match = names.sort().find((name) => name.toLowerCase() === wanted);
    if (match === undefined) return null;
    dir = join(dir, match);
  }
  return dir;
}

/** Opens a regular file whose path has already been resolved (realpath) and checked by the caller. */
export async function openRegular(path: string): Promise<TftpOpenResult> {
  let handle: FileHandle;
  try {
    // The path is already resolved: refusing a symlink here closes the gap between the check and the open.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (isMissing(error)) return { ok: false, code: 'not-found' };
    return { ok: false, code: 'access-denied', message: errorCode(error) ?? 'cannot open' };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      return { ok: false, code: 'access-denied', message: 'not a regular file' };
    }
    return { ok: true, file: handleFile(handle, stats.size) };
  } catch (error) {
    await handle.close().catch(() => undefined);
    return { ok: false, code: 'access-denied', message: errorCode(error) ?? 'cannot stat' };
  }
}

function handleFile(handle: FileHandle, size: number): TftpFile {
  return {
    size,
    fd: handle.fd,
    read: async (into, position) => (await handle.read(into, 0, into.length, position)).bytesRead,
    close: () => handle.close(),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function deniedOrMissing(error: unknown): Located {
  if (isMissing(error)) return { kind: 'missing' };
  return { kind: 'denied', message: errorCode(error) ?? 'cannot resolve' };
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
