// Tests for the boot image builder on the installed Debian kernel and busybox-static, read back with GNU cpio.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { requireFile, requireTool } from '../support/require-tool.js';
import { runCommand } from '../support/run-command.js';
import { buildBootImages, DEFAULT_MODULES, findKernelVersion } from './build-initramfs.js';

/** The kernel version, or undefined after skipping (failing under CI) when no Debian kernel is installed. */
async function kernelOrSkip(t: TestContext): Promise<string | undefined> {
  try {
    return await findKernelVersion();
  } catch {
    requireFile(t, '/boot/vmlinuz-VERSION with /lib/modules/VERSION', 'linux-image-amd64');
    return undefined;
  }
}

async function listArchive(initrd: string): Promise<Map<string, string>> {
  const { stdout } = await runCommand(['cpio', '-itv', '--quiet'], { input: gunzipSync(await readFile(initrd)) });
  const entries = new Map<string, string>();
  for (const line of stdout.trim().split('\n')) {
    const m = /^(\S+)\s+\d+\s+\S+\s+\S+\s+(\d+,\s*\d+|\d+)\s+\S+\s+\d+\s+\d{4}\s+(.*)$/.exec(line.trim());
    assert.ok(m, `unexpected cpio line: ${line}`);
    entries.set(m[3]!, `${m[1]} ${m[2]!.replace(/\s+/g, '')}`);
  }
  return entries;
}

test('the initramfs holds init, static busybox, the console node and NIC modules in load order', async (t) => {
  if (!requireTool(t, 'cpio', 'cpio') || !requireFile(t, '/bin/busybox', 'busybox-static')) return;
  const version = await kernelOrSkip(t);
  if (version === undefined) return;
  const cacheDir = await mkdtemp(join(tmpdir(), 'bramble-initramfs-'));
  t.after(() => rm(cacheDir, { recursive: true, force: true }));

  const images = await buildBootImages({ cacheDir });
  assert.equal(images.kernelVersion, version);
  assert.equal((await stat(images.kernel)).size, (await stat(`/boot/vmlinuz-${version}`)).size);

  const entries = await listArchive(images.initrd);
  const initSource = await readFile('test/vm/initramfs/init');
  assert.match(entries.get('init') ?? '', new RegExp(`^-rwxr-xr-x ${initSource.length}$`));
  assert.match(entries.get('bin/busybox') ?? '', /^-rwxr-xr-x \d+$/);
  assert.equal(entries.get('dev/console'), 'crw------- 5,1');

  const { stdout: order } = await runCommand(['cpio', '-i', '--quiet', '--to-stdout', 'etc/bramble-modules'], {
    input: gunzipSync(await readFile(images.initrd)),
  });
  const modules = order.trim().split('\n');
  for (const name of DEFAULT_MODULES) {
    assert.ok(modules.some((p) => p.endsWith(`/${name}.ko`)), `${name} is loaded`);
  }
  for (const path of modules) {
    const size: number = (await stat(`/lib/modules/${version}/${path}`)).size;
    assert.equal(entries.get(`lib/modules/${path}`), `-rw-r--r-- ${size}`, path);
  }
  // virtio_net needs virtio: it must come first.
  assert.ok(
    modules.findIndex((p) => p.endsWith('/virtio.ko')) < modules.findIndex((p) => p.endsWith('/virtio_net.ko')),
  );
});

test('images are cached by their inputs: same inputs reuse the files, other modules build anew', async (t) => {
  if (!requireFile(t, '/bin/busybox', 'busybox-static') || (await kernelOrSkip(t)) === undefined) return;
  const cacheDir = await mkdtemp(join(tmpdir(), 'bramble-initramfs-'));
  t.after(() => rm(cacheDir, { recursive: true, force: true }));

  const first = await buildBootImages({ cacheDir });
  const firstStat = await stat(first.initrd);
  const again = await buildBootImages({ cacheDir });
  assert.deepEqual(again, first);
  assert.equal((await stat(again.initrd)).ino, firstStat.ino);

  const other = await buildBootImages({ cacheDir, modules: ['e1000'] });
  assert.notEqual(other.initrd, first.initrd);
  assert.ok(existsSync(first.initrd) && existsSync(other.initrd));
  assert.ok((await stat(other.initrd)).size < firstStat.size);
});

test('a busybox that is not static is refused', async (t) => {
  if ((await kernelOrSkip(t)) === undefined) return;
  const cacheDir = await mkdtemp(join(tmpdir(), 'bramble-initramfs-'));
  t.after(() => rm(cacheDir, { recursive: true, force: true }));
  await assert.rejects(buildBootImages({ cacheDir, busybox: '/bin/sh' }), { code: 'FILE_MISSING', message: /busybox-static/ });
});
