// A manifest of a folder tree (every entry's type, mode, owner, size, mtime, inode, link count, device number,
// symlink target and the sha256 of its content), to prove a golden root unchanged after a server has served it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';

/** One line per entry, sorted by path. atime and ctime are left out: serving a file may read it, never change it. */
export async function treeManifest(root: string): Promise<string[]> {
  const lines: string[] = [];
  await walk(root, '', lines);
  return lines.sort();
}

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  const at = rel === '' ? root : join(root, rel);
  const st = await lstat(at, { bigint: true });
  out.push(`${rel === '' ? '.' : rel} ${describe(st)} ${await contentOf(at, st)}`);
  if (!st.isDirectory()) return;
  for (const name of await readdir(at)) await walk(root, rel === '' ? name : `${rel}/${name}`, out);
}

function describe(st: BigIntStats): string {
  const type = st.isDirectory() ? 'd' : st.isFile() ? 'f' : st.isSymbolicLink() ? 'l' : st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : st.isFIFO() ? 'p' : st.isSocket() ? 's' : '?';
  // Directory sizes are kept too: an entry a server added to a golden folder and removed again may leave one changed.
  return `${type} mode=${(st.mode & 0o7777n).toString(8)} uid=${st.uid} gid=${st.gid} size=${st.size} mtime=${st.mtimeNs} ino=${st.ino} nlink=${st.nlink} rdev=${st.rdev}`;
}

async function contentOf(path: string, st: BigIntStats): Promise<string> {
  if (st.isSymbolicLink()) return `-> ${await readlink(path)}`;
  if (!st.isFile()) return '';
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256=${hash.digest('hex')}`;
}

/** The lines only one side has (changed entries show on both sides), at most `limit` of them. */
export function manifestDifferences(before: readonly string[], after: readonly string[], limit = 20): string[] {
  const old = new Set(before);
  const now = new Set(after);
  const diff = [...before.filter((l) => !now.has(l)).map((l) => `- ${l}`), ...after.filter((l) => !old.has(l)).map((l) => `+ ${l}`)];
  return diff.length > limit ? [...diff.slice(0, limit), `... ${diff.length - limit} more`] : diff;
}
