// What the VM tests' image builders share: a cache folder per build keyed by its inputs, built once, in a fresh
// folder renamed into place (a concurrent run never sees half of it); and the static busybox they all start from.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HarnessError } from '../support/harness-error.js';
import { moduleDirs } from './build-initramfs.js';
import type { NewcEntry } from './newc.js';
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

/**
 * What every test initramfs starts with: the usual folders, /dev/console (the kernel opens it for init's stdio
 * before /init can mount devtmpfs), busybox, /init and the udhcpc hook.
 */
export function initramfsBase(files: { readonly busybox: Buffer; readonly init: Buffer; readonly udhcpcScript: Buffer }): NewcEntry[] {
  return [
    { kind: 'dir', path: 'bin' },
    { kind: 'dir', path: 'dev' },
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'dir', path: 'etc' },
    { kind: 'dir', path: 'proc' },
    { kind: 'dir', path: 'sys' },
    { kind: 'dir', path: 'run' },
    { kind: 'dir', path: 'tmp', mode: 0o1777 },
    { kind: 'file', path: 'bin/busybox', data: files.busybox, mode: 0o755 },
    { kind: 'file', path: 'init', data: files.init, mode: 0o755 },
    { kind: 'file', path: 'etc/udhcpc.script', data: files.udhcpcScript, mode: 0o755 },
  ];
}

/** Kernel modules in load order under lib/modules (lib itself is the caller's), and the list /init loads them by. */
export function moduleEntries(order: readonly string[], files: readonly Buffer[], listPath: string): NewcEntry[] {
  return [
    { kind: 'file', path: listPath, data: Buffer.from(order.map((p) => `${p}\n`).join('')) },
    { kind: 'dir', path: 'lib/modules' },
    ...moduleDirs(order).map((path): NewcEntry => ({ kind: 'dir', path: `lib/modules/${path}` })),
    ...order.map((path, i): NewcEntry => ({ kind: 'file', path: `lib/modules/${path}`, data: files[i]! })),
  ];
}
