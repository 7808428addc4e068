// Builds the images of the NFS-root VM test (issue #4): a Debian kernel + busybox initramfs that mounts its root
// over NFSv3/TCP from nfsroot= (nfsroot/init), and a golden root folder whose /sbin/init plays the test scenario
// (nfsroot/scenario-init). Both cached by their inputs, as build-initramfs.ts does, so a run builds each at most once.
import { createHash } from 'node:crypto';
import { chown, link, lutimes, lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { HarnessError } from '../support/harness-error.js';
import { runCommand } from '../support/run-command.js';
import { randomBytes, seededRandom } from '../support/seeded-random.js';
import { defaultCacheDir, findKernelVersion } from './build-initramfs.js';
import type { BootImages } from './build-initramfs.js';
import { moduleLoadOrder, parseModulesDep } from './module-order.js';
import { encodeNewc } from './newc.js';
import type { NewcEntry } from './newc.js';
import { buildOnce, cacheKey, initramfsBase, moduleEntries, readBusybox } from './image-cache.js';

/**
 * The NICs of the test VMs (e1000 under the BIOS iPXE ROM, virtio-net) and the NFSv3 client. nfs.ko would
 * request_module("nfsv3") through a modprobe the initramfs does not have, so nfsv3 is loaded up front; the
 * rest (sunrpc, lockd, grace, nfs_acl, fscache, netfs, virtio) comes from modules.dep.
 */
export const NFSROOT_MODULES: readonly string[] = ['e1000', 'virtio_net', 'virtio_pci', 'nfsv3'];

/** Every golden file, directory and link gets this mtime (2023-11-14T22:13:20Z): the expected lists need no clock. */
export const GOLDEN_MTIME = 1_700_000_000;

/** The SMBIOS OEM string (QEMU `-smbios type=11,value=...`) that tells the golden /sbin/init which part to play. */
export function roleOemString(role: 'writer' | 'reader'): string {
  return `bramble.nfstest.role=${role}`;
}

export interface ImageOptions {
  /** Default: env BRAMBLE_VM_CACHE, else TMPDIR/bramble-vm-cache. */
  readonly cacheDir?: string;
  /** Default: the newest /boot/vmlinuz-* that has /lib/modules/VERSION. */
  readonly kernelVersion?: string;
  readonly busybox?: string;
}

const SOURCES = join(dirname(fileURLToPath(import.meta.url)), 'nfsroot');
/** Bump when the output changes in a way the hashed inputs below do not show. */
const LAYOUT_VERSION = 2;

/** The kernel and the NFS-root initramfs (cpio newc, gzip). */
export async function buildNfsRootBootImages(options: ImageOptions = {}): Promise<BootImages> {
  const kernelVersion = options.kernelVersion ?? (await findKernelVersion());
  const moduleRoot = `/lib/modules/${kernelVersion}`;
  const [init, udhcpcScript, busybox, modulesDep] = await Promise.all([
    readFile(join(SOURCES, 'init')),
    readFile(join(SOURCES, 'udhcpc.script')),
    readBusybox(options.busybox ?? '/bin/busybox'),
    readFile(join(moduleRoot, 'modules.dep'), 'utf8'),
  ]);
  const order = moduleLoadOrder(parseModulesDep(modulesDep), NFSROOT_MODULES);
  for (const path of order) {
    // Debian 12 ships plain .ko; busybox insmod cannot read compressed modules.
    if (!path.endsWith('.ko')) throw new HarnessError('MODULE_MISSING', `compressed module ${path} is not supported`);
  }
  const key = cacheKey([`nfsroot-initrd ${LAYOUT_VERSION} ${kernelVersion}`, order.join(' '), init, udhcpcScript, busybox]);
  const finalDir = join(options.cacheDir ?? defaultCacheDir(), `nfsroot-${kernelVersion}-${key}`);
  const images: BootImages = { kernelVersion, kernel: join(finalDir, 'vmlinuz'), initrd: join(finalDir, 'initrd.gz') };

  await buildOnce(finalDir, 'initrd.gz', async (workDir) => {
    const moduleFiles = await Promise.all(order.map((path) => readFile(join(moduleRoot, path))));
    const entries: NewcEntry[] = [
      ...initramfsBase({ busybox, init, udhcpcScript }),
      { kind: 'dir', path: 'root' },
      { kind: 'dir', path: 'lib' },
      ...moduleEntries(order, moduleFiles, 'etc/nfsroot-modules'),
    ];
    await runCommand(['cp', `/boot/vmlinuz-${kernelVersion}`, join(workDir, 'vmlinuz')]);
    await writeFile(join(workDir, 'initrd.gz'), gzipSync(encodeNewc(entries), { level: 9 }));
  });
  return images;
}

// ---- the golden root ----

type GoldenEntry =
  | { readonly kind: 'dir'; readonly path: string; readonly mode: number; readonly owner?: readonly [number, number] }
  | { readonly kind: 'file'; readonly path: string; readonly data: string | Uint8Array; readonly mode: number; readonly owner?: readonly [number, number] }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | { readonly kind: 'hardlink'; readonly path: string; readonly existing: string }
  | { readonly kind: 'node'; readonly path: string; readonly type: 'c' | 'b' | 'p'; readonly major?: number; readonly minor?: number; readonly mode: number };

/** Lists the golden /sbin/init compares the root it mounted against (see golden_checks in nfsroot/checks.sh). */
const LIST_DIR = 'lib/nfstest';
const LISTS = ['golden.paths', 'golden.nondirs', 'golden.nondirs.stat', 'golden.dirs', 'golden.dirs.stat', 'golden.md5'];
/** Mount points at boot: `find -xdev` lists them but not their contents, and their attributes are another file system's. */
const MOUNT_POINTS = new Set(['/dev', '/proc', '/sys', '/run']);

/** The scenario's own files: what boot 1 changes (golden/), the golden owners, links, special files and a big file. */
function scenarioEntries(): GoldenEntry[] {
  const text = (path: string, line: string, mode = 0o644, owner?: readonly [number, number]): GoldenEntry =>
    ({ kind: 'file', path, data: `${line}\n`, mode, owner });
  // A 3 MiB file that is the same on every run: golden content read back over NFS in large READs.
  const big = randomBytes(seededRandom(4), 3 * 2 ** 20);
  return [
    { kind: 'dir', path: 'golden', mode: 0o755 },
    text('golden/keep.txt', 'keep me as I am'),
    text('golden/rename-me.txt', 'rename me'),
    text('golden/move-me.txt', 'move me to /work'),
    text('golden/delete-me.txt', 'delete me'),
    text('golden/chmod-me.txt', 'chmod and chown me'),
    text('golden/touch-me.txt', 'touch me'),
    text('golden/append-me.txt', 'append to me'),
    text('golden/link-target.txt', 'link to me'),
    text('golden/owned.txt', 'owned by 1000:100', 0o640, [1000, 100]),
    text('golden/pair-a', 'one file, two names'),
    { kind: 'hardlink', path: 'golden/pair-b', existing: 'golden/pair-a' },
    { kind: 'symlink', path: 'golden/keep-link', target: 'keep.txt' },
    { kind: 'dir', path: 'golden/subdir', mode: 0o755 },
    { kind: 'dir', path: 'golden/subdir/deep', mode: 0o750 },
    text('golden/subdir/deep/file.txt', 'deep in a golden directory'),
    { kind: 'dir', path: 'golden/remove-tree', mode: 0o755 },
    text('golden/remove-tree/a.txt', 'a'),
    { kind: 'dir', path: 'golden/remove-tree/inner', mode: 0o755 },
    text('golden/remove-tree/inner/b.txt', 'b'),
    { kind: 'node', path: 'golden/null', type: 'c', major: 1, minor: 3, mode: 0o666 },
    { kind: 'node', path: 'golden/sda', type: 'b', major: 8, minor: 0, mode: 0o660 },
    { kind: 'node', path: 'golden/fifo', type: 'p', mode: 0o644 },
    { kind: 'file', path: 'golden/big.bin', data: big, mode: 0o644 },
    { kind: 'file', path: `${LIST_DIR}/big.md5`, data: `${md5(big)}  /golden/big.bin\n`, mode: 0o644 },
  ];
}

async function rootEntries(busybox: Buffer): Promise<GoldenEntry[]> {
  const script = (name: string): Promise<Buffer> => readFile(join(SOURCES, name));
  const dirs: GoldenEntry[] = [
    ...['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'etc', 'lib', LIST_DIR, 'var', 'var/lib', 'dev', 'proc', 'sys', 'run'].map(
      (path): GoldenEntry => ({ kind: 'dir', path, mode: 0o755 }),
    ),
    { kind: 'dir', path: 'tmp', mode: 0o1777 },
    { kind: 'dir', path: 'root', mode: 0o700 },
    { kind: 'dir', path: 'home', mode: 0o755 },
    { kind: 'dir', path: 'home/user', mode: 0o750, owner: [1000, 1000] },
  ];
  // Applet links as busybox --list-full names them, to /bin/busybox (absolute: the client resolves it in its
  // own root). Not /sbin/init (the scenario is init) nor /linuxrc.
  const applets = (await runCommand(['/bin/busybox', '--list-full'])).stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== 'sbin/init' && line !== 'linuxrc' && line !== 'bin/busybox');
  return [
    ...dirs,
    { kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    ...applets.map((path): GoldenEntry => ({ kind: 'symlink', path, target: '/bin/busybox' })),
    { kind: 'file', path: 'sbin/init', data: await script('scenario-init'), mode: 0o755 },
    { kind: 'file', path: `${LIST_DIR}/checks.sh`, data: await script('checks.sh'), mode: 0o644 },
    { kind: 'file', path: `${LIST_DIR}/boot1.sh`, data: await script('boot1.sh'), mode: 0o644 },
    { kind: 'file', path: `${LIST_DIR}/boot2.sh`, data: await script('boot2.sh'), mode: 0o644 },
    { kind: 'file', path: `${LIST_DIR}/cthon-basic.sh`, data: await script('cthon-basic.sh'), mode: 0o644 },
    { kind: 'file', path: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n', mode: 0o644 },
    { kind: 'file', path: 'etc/group', data: 'root:x:0:\nusers:x:100:\nuser:x:1000:\n', mode: 0o644 },
    { kind: 'file', path: 'etc/shadow', data: 'root:*:19000:0:99999:7:::\nuser:*:19000:0:99999:7:::\n', mode: 0o640 },
    { kind: 'file', path: 'etc/hostname', data: 'golden\n', mode: 0o644 },
    ...scenarioEntries(),
    // Placeholders, so that the walk that writes the lists sees them too (golden.paths names them).
    ...LISTS.map((name): GoldenEntry => ({ kind: 'file', path: `${LIST_DIR}/${name}`, data: '', mode: 0o644 })),
  ];
}

/**
 * The golden root folder (owned by root, device nodes included, so it needs root to build): returns its path in
 * the cache. Copy it with copyGoldenRoot; never hand the cached folder itself to a server.
 */
export async function buildGoldenRoot(options: ImageOptions = {}): Promise<string> {
  const busybox = await readBusybox(options.busybox ?? '/bin/busybox');
  const entries = await rootEntries(busybox);
  const key = cacheKey([
    `golden ${LAYOUT_VERSION} ${GOLDEN_MTIME}`,
    // Contents by their md5: a Buffer would turn into a JSON array of every byte.
    JSON.stringify(entries.map((e) => (e.kind === 'file' ? { ...e, data: md5(Buffer.from(e.data)) } : e))),
  ]);
  const finalDir = join(options.cacheDir ?? defaultCacheDir(), `nfsroot-golden-${key}`);
  await buildOnce(finalDir, `${LIST_DIR}/golden.md5`, async (root) => {
    await runCommand(['chmod', '755', root]);
    await writeEntries(root, entries);
    await writeLists(root);
    await setTimes(root, '');
  });
  return finalDir;
}

async function writeEntries(root: string, entries: readonly GoldenEntry[]): Promise<void> {
  for (const e of entries) {
    const at = join(root, e.path);
    switch (e.kind) {
      case 'dir':
        await mkdir(at);
        // mkdir's mode passes through the umask: set it exactly.
        await runCommand(['chmod', e.mode.toString(8), at]);
        if (e.owner !== undefined) await chown(at, e.owner[0], e.owner[1]);
        break;
      case 'file':
        await writeFile(at, e.data);
        await runCommand(['chmod', e.mode.toString(8), at]);
        if (e.owner !== undefined) await chown(at, e.owner[0], e.owner[1]);
        break;
      case 'symlink':
        await symlink(e.target, at);
        break;
      case 'hardlink':
        await link(join(root, e.existing), at);
        break;
      case 'node': {
        const numbers = e.type === 'p' ? [] : [String(e.major), String(e.minor)];
        await runCommand(['mknod', '-m', e.mode.toString(8), at, e.type, ...numbers]);
        break;
      }
    }
  }
}

interface Walked {
  readonly path: string;
  readonly stats: Stats;
}

async function walk(root: string, rel: string, out: Walked[]): Promise<void> {
  out.push({ path: rel === '' ? '/' : rel, stats: await lstat(join(root, rel)) });
  const stats = out.at(-1)!.stats;
  if (!stats.isDirectory()) return;
  for (const name of (await readdir(join(root, rel))).sort()) await walk(root, `${rel}/${name}`, out);
}

/** Linux's dev_t split (major/minor as glibc's gnu_dev_major/minor), printed as busybox stat's %t,%T do. */
function devNumbers(rdev: number): string {
  const r = BigInt(rdev);
  const major = ((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn);
  const minor = (r & 0xffn) | ((r >> 12n) & ~0xffn);
  return `${major.toString(16)},${minor.toString(16)}`;
}

/** The expected lists, written in the formats of the busybox commands golden_checks runs. */
async function writeLists(root: string): Promise<void> {
  const all: Walked[] = [];
  await walk(root, '', all);
  const isList = (path: string): boolean => LISTS.some((name) => path === `/${LIST_DIR}/${name}`);
  const below = (path: string): boolean => [...MOUNT_POINTS].some((m) => path.startsWith(`${m}/`));
  const underMount = (path: string): boolean => MOUNT_POINTS.has(path) || below(path);
  const paths = all.filter((w) => !below(w.path)).map((w) => w.path);
  // The lists cannot describe their own size or content: they are checked by path only.
  const checked = all.filter((w) => !underMount(w.path) && !isList(w.path));
  const dirs = checked.filter((w) => w.stats.isDirectory());
  const nondirs = checked.filter((w) => !w.stats.isDirectory());
  const nondirLines: string[] = [];
  for (const { path, stats } of nondirs) {
    // stat -c: %N|%f|%u|%g|%s|%Y|%h|%t,%T
    const name = stats.isSymbolicLink() ? `'${path}' -> '${await readlink(join(root, path))}'` : path;
    const rdev = stats.isCharacterDevice() || stats.isBlockDevice() ? devNumbers(stats.rdev) : '0,0';
    nondirLines.push(`${name}|${stats.mode.toString(16)}|${stats.uid}|${stats.gid}|${stats.size}|${GOLDEN_MTIME}|${stats.nlink}|${rdev}`);
  }
  // stat -c: %n|%f|%u|%g|%Y
  const dirLines = dirs.map(({ path, stats }) => `${path}|${stats.mode.toString(16)}|${stats.uid}|${stats.gid}|${GOLDEN_MTIME}`);
  const md5Lines: string[] = [];
  for (const { path, stats } of nondirs) {
    if (stats.isFile()) md5Lines.push(`${md5(await readFile(join(root, path)))}  ${path}`);
  }
  const lines = (list: readonly string[]): string => list.map((l) => `${l}\n`).join('');
  const write = (name: string, list: readonly string[]): Promise<void> => writeFile(join(root, LIST_DIR, name), lines(list));
  // busybox sort, as golden_checks runs it, orders by bytes like this.
  await write('golden.paths', [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  await write('golden.nondirs', nondirs.map((w) => w.path));
  await write('golden.nondirs.stat', nondirLines);
  await write('golden.dirs', dirs.map((w) => w.path));
  await write('golden.dirs.stat', dirLines);
  await write('golden.md5', md5Lines);
}

/** Every entry's atime and mtime to GOLDEN_MTIME, children before their folder (writing a child changes it). */
async function setTimes(root: string, rel: string): Promise<void> {
  const at = rel === '' ? root : join(root, rel);
  const stats = await lstat(at);
  if (stats.isDirectory()) {
    for (const name of await readdir(at)) await setTimes(root, `${rel}/${name}`);
  }
  await lutimes(at, GOLDEN_MTIME, GOLDEN_MTIME);
}

/** A copy for one server (cp -a keeps owners, modes, times, hard links, device nodes). */
export async function copyGoldenRoot(golden: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  await runCommand(['cp', '-a', golden, dest]);
}

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}
