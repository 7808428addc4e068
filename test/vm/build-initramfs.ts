// Builds the test boot images: the installed Debian kernel plus a busybox initramfs (cpio newc, gzip) whose /init
// prints boot markers; cached per kernel version and builder inputs so a test run builds it at most once.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { HarnessError } from '../support/harness-error.js';
import { moduleLoadOrder, parseModulesDep } from './module-order.js';
import { encodeNewc } from './newc.js';
import type { NewcEntry } from './newc.js';
import { isStaticElf64 } from './static-elf.js';

/** NICs the VMs use: e1000 (BIOS + iPXE ROM) and virtio-net (OVMF); both are modules in Debian's kernel. */
export const DEFAULT_MODULES: readonly string[] = ['e1000', 'virtio_net', 'virtio_pci'];

export interface BootImages {
  readonly kernelVersion: string;
  /** A copy of /boot/vmlinuz-VERSION. */
  readonly kernel: string;
  readonly initrd: string;
}

export interface BuildOptions {
  /** Default: env BRAMBLE_VM_CACHE, else TMPDIR/bramble-vm-cache. */
  readonly cacheDir?: string;
  /** Default: the newest /boot/vmlinuz-* that has /lib/modules/VERSION. */
  readonly kernelVersion?: string;
  readonly modules?: readonly string[];
  readonly busybox?: string;
}

const SOURCES = join(dirname(fileURLToPath(import.meta.url)), 'initramfs');
/** Bump when the archive layout changes in a way the hashed inputs below do not show. */
const LAYOUT_VERSION = 1;

export function defaultCacheDir(): string {
  return process.env.BRAMBLE_VM_CACHE ?? join(tmpdir(), 'bramble-vm-cache');
}

export async function findKernelVersion(): Promise<string> {
  const versions: string[] = [];
  for (const name of await readdir('/boot').catch(() => [] as string[])) {
    if (!name.startsWith('vmlinuz-')) continue;
    const version = name.slice('vmlinuz-'.length);
    if (await exists(`/lib/modules/${version}/modules.dep`)) versions.push(version);
  }
  versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const newest = versions.at(-1);
  if (newest === undefined) {
    throw new HarnessError('KERNEL_MISSING', 'no /boot/vmlinuz-* with /lib/modules/VERSION (Debian package linux-image-amd64)');
  }
  return newest;
}

export async function buildBootImages(options: BuildOptions = {}): Promise<BootImages> {
  const kernelVersion = options.kernelVersion ?? (await findKernelVersion());
  const modules = options.modules ?? DEFAULT_MODULES;
  const busyboxPath = options.busybox ?? '/bin/busybox';
  const moduleRoot = `/lib/modules/${kernelVersion}`;

  const [init, udhcpcScript, busybox, modulesDep] = await Promise.all([
    readFile(join(SOURCES, 'init')),
    readFile(join(SOURCES, 'udhcpc.script')),
    readFile(busyboxPath),
    readFile(join(moduleRoot, 'modules.dep'), 'utf8'),
  ]);
  if (!isStaticElf64(busybox)) {
    throw new HarnessError('FILE_MISSING', `${busyboxPath} is not a static x86-64 binary (Debian package busybox-static)`);
  }
  const order = moduleLoadOrder(parseModulesDep(modulesDep), modules);
  for (const path of order) {
    // Debian 12 ships plain .ko; busybox insmod cannot read compressed modules.
    if (!path.endsWith('.ko')) throw new HarnessError('MODULE_MISSING', `compressed module ${path} is not supported`);
  }
  const moduleFiles = await Promise.all(order.map((path) => readFile(join(moduleRoot, path))));

  const key = createHash('sha256')
    .update(JSON.stringify({ LAYOUT_VERSION, kernelVersion, order }))
    .update(init)
    .update(udhcpcScript)
    .update(busybox)
    .digest('hex')
    .slice(0, 16);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const finalDir = join(cacheDir, `${kernelVersion}-${key}`);
  const images: BootImages = { kernelVersion, kernel: join(finalDir, 'vmlinuz'), initrd: join(finalDir, 'initrd.gz') };
  if ((await exists(images.kernel)) && (await exists(images.initrd))) return images;

  const entries: NewcEntry[] = [
    { kind: 'dir', path: 'bin' },
    { kind: 'dir', path: 'dev' },
    // The kernel opens /dev/console for init's stdio before /init can mount devtmpfs.
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'dir', path: 'etc' },
    { kind: 'dir', path: 'proc' },
    { kind: 'dir', path: 'sys' },
    { kind: 'dir', path: 'tmp', mode: 0o1777 },
    { kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { kind: 'file', path: 'init', data: init, mode: 0o755 },
    { kind: 'file', path: 'etc/udhcpc.script', data: udhcpcScript, mode: 0o755 },
    { kind: 'file', path: 'etc/bramble-modules', data: Buffer.from(order.map((p) => `${p}\n`).join('')) },
    { kind: 'dir', path: 'lib' },
    { kind: 'dir', path: 'lib/modules' },
    ...moduleDirs(order).map((path): NewcEntry => ({ kind: 'dir', path: `lib/modules/${path}` })),
    ...order.map((path, i): NewcEntry => ({ kind: 'file', path: `lib/modules/${path}`, data: moduleFiles[i]! })),
  ];
  const archive = gzipSync(encodeNewc(entries), { level: 9 });

  // Build beside the final folder and rename, so a concurrent test file never sees half an image.
  await mkdir(cacheDir, { recursive: true });
  const workDir = join(cacheDir, `.build-${process.pid}-${key}`);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir);
  try {
    await copyFile(`/boot/vmlinuz-${kernelVersion}`, join(workDir, 'vmlinuz'));
    await writeFile(join(workDir, 'initrd.gz'), archive);
    await rename(workDir, finalDir).catch(async (error: NodeJS.ErrnoException) => {
      // Another process finished first; its result is identical.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return images;
}

/** Every parent folder of the module paths, parents first (cpio needs them before their files). */
/** Every folder above the given paths (for an archive, which lists folders before what is in them), sorted. */
export function moduleDirs(paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i += 1) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
