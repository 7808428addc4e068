// What "the golden folder is unchanged" means in the NFS tests: every path with its mode, owner, size, mtime,
// link target and content hash, in order.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export async function folderManifest(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const st = await lstat(path);
      const extra = st.isFile() ? createHash('sha256').update(await readFile(path)).digest('hex') : st.isSymbolicLink() ? await readlink(path) : '';
      out.push(`${rel}${name} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs} ${extra}`);
      if (st.isDirectory()) await walk(path, `${rel}${name}/`);
    }
  };
  await walk(root, '');
  return out;
}
