// Builds the initramfs of the iSCSI-root VM test (issue #5): a Debian kernel + busybox initramfs whose /init
// (iscsiroot/init) logs in to the machine's own target with open-iscsi's iscsistart, mounts the ext4 disk and plays
// the scenario. Cached by its inputs, as the other image builders are.
import { readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { HarnessError } from '../support/harness-error.js';
import { runCommand } from '../support/run-command.js';
import { defaultCacheDir, findKernelVersion } from './build-initramfs.js';
import type { BootImages } from './build-initramfs.js';
import { buildOnce, cacheKey, initramfsBase, moduleEntries, readBusybox } from './image-cache.js';
import { moduleLoadOrder, parseModulesDep } from './module-order.js';
import { encodeNewc } from './newc.js';
import type { NewcEntry } from './newc.js';

/**
 * The NICs of the test VMs, the iSCSI initiator's transport (iscsi_tcp pulls libiscsi and the transport class),
 * the disk (sd_mod) and ext4. crc32c_generic is named because ext4 asks the crypto API for crc32c through a
 * request_module the initramfs has no modprobe for.
 */
export const ISCSIROOT_MODULES: readonly string[] = ['e1000', 'virtio_net', 'virtio_pci', 'crc32c_generic', 'iscsi_tcp', 'sd_mod', 'ext4'];

/** The SMBIOS OEM string that tells the initramfs which part to play. */
export function iscsiRoleOemString(role: 'writer' | 'reader'): string {
  return `bramble.iscsitest.role=${role}`;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const ISCSISTART = '/usr/sbin/iscsistart';
/** Bump when the output changes in a way the hashed inputs below do not show. */
const LAYOUT_VERSION = 2;

/** iscsistart's shared libraries and loader, as ldd names them: [path in the image, file on this host]. */
async function sharedLibraries(binary: string): Promise<Array<[string, string]>> {
  const { stdout } = await runCommand(['ldd', binary]);
  const out: Array<[string, string]> = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m !== null) out.push([m[1]!.replace(/^\//, ''), await realpath(m[1]!)]);
  }
  if (!out.some(([path]) => path.includes('ld-linux'))) throw new HarnessError('FILE_MISSING', `ldd ${binary} named no dynamic loader:\n${stdout}`);
  return out;
}

export async function buildIscsiRootBootImages(options: { readonly cacheDir?: string; readonly kernelVersion?: string } = {}): Promise<BootImages> {
  const kernelVersion = options.kernelVersion ?? (await findKernelVersion());
  const moduleRoot = `/lib/modules/${kernelVersion}`;
  const [init, udhcpcScript, busybox, modulesDep, iscsistart, libs] = await Promise.all([
    readFile(join(HERE, 'iscsiroot', 'init')),
    readFile(join(HERE, 'nfsroot', 'udhcpc.script')),
    readBusybox('/bin/busybox'),
    readFile(join(moduleRoot, 'modules.dep'), 'utf8'),
    readFile(ISCSISTART).catch(() => {
      throw new HarnessError('FILE_MISSING', `${ISCSISTART} is missing (Debian package open-iscsi)`);
    }),
    sharedLibraries(ISCSISTART),
  ]);
  const order = moduleLoadOrder(parseModulesDep(modulesDep), ISCSIROOT_MODULES);
  for (const path of order) {
    if (!path.endsWith('.ko')) throw new HarnessError('MODULE_MISSING', `compressed module ${path} is not supported`);
  }
  const libData = await Promise.all(libs.map(([, file]) => readFile(file)));
  const key = cacheKey([`iscsiroot-initrd ${LAYOUT_VERSION} ${kernelVersion}`, order.join(' '), init, udhcpcScript, busybox, iscsistart, ...libData]);
  const finalDir = join(options.cacheDir ?? defaultCacheDir(), `iscsiroot-${kernelVersion}-${key}`);
  const images: BootImages = { kernelVersion, kernel: join(finalDir, 'vmlinuz'), initrd: join(finalDir, 'initrd.gz') };

  await buildOnce(finalDir, 'initrd.gz', async (workDir) => {
    const moduleFiles = await Promise.all(order.map((path) => readFile(join(moduleRoot, path))));
    const libDirs = [...new Set(libs.flatMap(([path]) => parents(path)))].sort();
    const entries: NewcEntry[] = [
      ...initramfsBase({ busybox, init, udhcpcScript }),
      { kind: 'file', path: 'bin/iscsistart', data: iscsistart, mode: 0o755 },
      ...libDirs.map((path): NewcEntry => ({ kind: 'dir', path })),
      ...libs.map(([path], i): NewcEntry => ({ kind: 'file', path, data: libData[i]!, mode: 0o755 })),
      ...(libDirs.includes('lib') ? [] : [{ kind: 'dir', path: 'lib' } as NewcEntry]),
      ...moduleEntries(order, moduleFiles, 'etc/iscsiroot-modules'),
    ];
    await runCommand(['cp', `/boot/vmlinuz-${kernelVersion}`, join(workDir, 'vmlinuz')]);
    await writeFile(join(workDir, 'initrd.gz'), gzipSync(encodeNewc(entries), { level: 9 }));
  });
  return images;
}

/** "lib/x86_64-linux-gnu/libc.so.6" -> ["lib", "lib/x86_64-linux-gnu"]. */
function parents(path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}
