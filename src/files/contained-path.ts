// Resolves a client-supplied path inside a root folder so that nothing (.., absolute paths, backslashes,
// symlinks) can lead out of it. Shared by the TFTP and HTTP file servers.
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

/**
 * Turns a request path into segments, or null when it tries to climb. Backslashes count as separators
 * because some Windows-world PXE clients send them; leading slashes are allowed (they mean "from root").
 */
export function requestSegments(requested: string): string[] | null {
  if (requested.includes('\0')) return null;
  const segments = requested.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return null;
  return segments;
}

/**
 * The real path of `requested` under `root`, or null when it does not exist or escapes the root
 * (after following symlinks). The root itself is resolved too, so a root that is a symlink works.
 */
export async function resolveContained(root: string, requested: string): Promise<string | null> {
  const segments = requestSegments(requested);
  if (segments === null) return null;
  let realRoot: string;
  let target: string;
  try {
    realRoot = await realpath(root);
    target = await realpath(join(realRoot, ...segments));
  } catch {
    return null;
  }
  return isInside(realRoot, target) ? target : null;
}

export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}
