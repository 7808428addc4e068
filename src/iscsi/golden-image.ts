// Golden disk images made from a root folder (mke2fs(8) -d: an ext4 file system filled from a directory, no loop
// mount, no root-only mount calls), for machines' copy-on-write iSCSI disks to start from.
import { execFile } from 'node:child_process';
import { open, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { IscsiDiskError } from './disk-error.js';

const run = promisify(execFile);

/** Below this, mke2fs's own metadata leaves no room for a root file system worth booting. */
export const MIN_IMAGE_BYTES = 16 * 1024 * 1024;
export const MAX_IMAGE_BYTES = 2 * 1024 ** 4;

export interface MakeImage {
  /** Where the image goes: <imagesDir>/<name>.img. */
  readonly imagesDir: string;
  readonly name: string;
  /** The root folder to copy in, as an absolute path on the appliance. */
  readonly from: string;
  readonly sizeBytes: number;
}

/**
 * Writes <name>.img: a whole-disk ext4 file system (no partition table; the kernel command line names it
 * root=LABEL=<label>) holding the folder's files with their owners, modes, links and device nodes. Made under a
 * temporary name and renamed, so a failed or interrupted run never leaves a half image under the real name.
 */
export async function makeGoldenImage(options: MakeImage): Promise<{ readonly path: string; readonly label: string }> {
  const { imagesDir, name, from, sizeBytes } = options;
  if (!isAbsolute(from)) throw new IscsiDiskError('INVALID', 'from', `from: "${from}" must be an absolute path on the appliance`);
  if ((await stat(from).catch(() => null))?.isDirectory() !== true) throw new IscsiDiskError('NO_FOLDER', 'from', `from: ${from} is not a folder`);
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < MIN_IMAGE_BYTES || sizeBytes > MAX_IMAGE_BYTES) {
    throw new IscsiDiskError('INVALID', 'sizeBytes', `sizeBytes: must be ${MIN_IMAGE_BYTES} to ${MAX_IMAGE_BYTES} bytes`);
  }
  const path = join(imagesDir, `${name}.img`);
  if ((await stat(path).catch(() => null)) !== null) throw new IscsiDiskError('EXISTS', 'name', `name: image ${path} exists; machines' disks are made over it`);
  // ext4 labels hold 16 bytes.
  const label = name.slice(0, 16);
  const partial = join(imagesDir, `.${name}.img.partial`);
  const file = await open(partial, 'w');
  try {
    await file.truncate(sizeBytes);
  } finally {
    await file.close();
  }
  try {
    // -E root_owner=0:0: the root directory belongs to root, whoever runs this; the files keep their own owners.
    await run('mkfs.ext4', ['-q', '-F', '-L', label, '-E', 'root_owner=0:0', '-d', from, partial], { timeout: 30 * 60_000, maxBuffer: 1024 * 1024 });
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new IscsiDiskError('MKFS_FAILED', 'from', `mkfs.ext4 could not make ${name}.img from ${from}: ${detail}`);
  }
  return { path, label };
}
