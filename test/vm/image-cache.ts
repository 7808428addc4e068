// What the VM tests' image builders share: a cache folder per build keyed by its inputs, built once, in a fresh
// folder renamed into place (a concurrent run never sees half of it); and the static busybox they all start from.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HarnessError } from '../support/harness-error.js';
import { isStaticElf64 } from './static-elf.js';

/** busybox-static, checked to be a static x86-64 binary (the initramfs has no libc). */
export async function readBusybox(path: string): Promise<Buffer> {
  const busybox = await readFile(path);
  if (!isStaticElf64(busybox)) {
    throw new HarnessError('FILE_MISSING', `${path} is not a static x86-64 binary (Debian package busybox-static)`);
  }
  return busybox;
}

export function cacheKey(parts: ReadonlyArray<string | Uint8Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(typeof part === 'string' ? Buffer.from(part) : part).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Builds into a fresh folder beside `finalDir` and renames it there, so a concurrent run never sees half of it. */
export async function buildOnce(finalDir: string, probe: string, build: (workDir: string) => Promise<void>): Promise<void> {
  if (await exists(join(finalDir, probe))) return;
  const workDir = `${dirname(finalDir)}/.build-${process.pid}-${finalDir.slice(dirname(finalDir).length + 1)}`;
  await mkdir(dirname(finalDir), { recursive: true });
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir);
  try {
    await build(workDir);
    await rename(workDir, finalDir).catch((error: NodeJS.ErrnoException) => {
      // Another process finished first; its result is identical.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
