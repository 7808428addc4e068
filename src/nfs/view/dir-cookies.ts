// READDIR cookies that survive changes to the directory (RFC 1813 §3.3.16 leaves cookies to the server): pure.
//
// A cookie is a hash of the entry's name and a directory is listed in hash order, as ext4 does, so "the
// entries after cookie C" stays right while other entries come and go: `rm -rf` reads a directory while it
// empties it, and a position-based cookie would skip entries or fail with BAD_COOKIE there.
import type { DirEntry } from './view.js';

/** '.' and '..' come first with cookies 1 and 2; names hash into [3, 2^62). */
export function nameCookie(name: string): bigint {
  // Two 32-bit FNV-1a lanes with different offsets (not cryptographic: the cookie only orders a listing, and a
  // clash of two names in one directory, about n^2/2^63, would cost one of them a place in a page).
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  const h = (BigInt(a >>> 0) << 30n) | BigInt((b >>> 2) & 0x3fffffff);
  return h < 3n ? h + 3n : h;
}

export interface ListedEntry {
  readonly name: string;
  readonly fileId: bigint;
}

/** The directory's entries with their cookies, in cookie order, '.' and '..' first. */
export function inCookieOrder(dirId: bigint, parentId: bigint, entries: Iterable<ListedEntry>): DirEntry[] {
  const named = [...entries].map((e) => ({ name: e.name, fileId: e.fileId, cookie: nameCookie(e.name) }));
  named.sort((a, b) => (a.cookie < b.cookie ? -1 : a.cookie > b.cookie ? 1 : 0));
  return [{ name: '.', fileId: dirId, cookie: 1n }, { name: '..', fileId: parentId, cookie: 2n }, ...named];
}

/** At most `max` entries with a cookie above `after` (0: from the start); eof when none is left after them. */
export function pageAfter(ordered: readonly DirEntry[], after: bigint, max: number): { entries: DirEntry[]; eof: boolean } {
  let lo = 0;
  let hi = ordered.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ordered[mid]!.cookie <= after) lo = mid + 1;
    else hi = mid;
  }
  const entries = ordered.slice(lo, lo + Math.max(0, max));
  return { entries, eof: lo + entries.length >= ordered.length };
}
