// Tests for the NFS-root image builders on the installed Debian kernel and busybox-static: the initramfs holds
// /init and the NFSv3 client modules after their dependencies; the golden root's lists describe the tree itself.
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { requireFile, requireRoot, requireTool } from '../support/require-tool.js';
import { runCommand } from '../support/run-command.js';
import { findKernelVersion } from './build-initramfs.js';
import { buildGoldenRoot, buildNfsRootBootImages, GOLDEN_MTIME } from './nfsroot-images.js';
import { manifestDifferences, treeManifest } from './tree-manifest.js';

async function hasKernel(): Promise<boolean> {
  return findKernelVersion().then(() => true, () => false);
}

test('the NFS-root initramfs has /init, busybox and the NIC and NFSv3 modules, each after what it needs', async (t) => {
  if (!requireTool(t, 'cpio', 'cpio') || !requireFile(t, '/bin/busybox', 'busybox-static')) return;
  if (!(await hasKernel()) && !requireFile(t, '/boot/vmlinuz-VERSION with /lib/modules/VERSION', 'linux-image-amd64')) return;
  const cacheDir = await mkdtemp(join(tmpdir(), 'bramble-nfsroot-images-'));
  t.after(() => rm(cacheDir, { recursive: true, force: true }));
  const images = await buildNfsRootBootImages({ cacheDir });
  const archive = gunzipSync(await readFile(images.initrd));
  const names = (await runCommand(['cpio', '-it', '--quiet'], { input: archive })).stdout.trim().split('\n');
  for (const path of ['init', 'bin/busybox', 'dev/console', 'etc/udhcpc.script', 'etc/nfsroot-modules']) {
    assert.ok(names.includes(path), `${path} is in the archive`);
  }
  const modules = (await runCommand(['cpio', '-i', '--quiet', '--to-stdout', 'etc/nfsroot-modules'], { input: archive })).stdout.trim().split('\n');
  const at = (name: string): number => modules.findIndex((p) => p.endsWith(`/${name}.ko`));
  for (const name of ['e1000', 'virtio_net', 'virtio_pci', 'sunrpc', 'lockd', 'grace', 'nfs_acl', 'nfs', 'nfsv3']) {
    assert.ok(at(name) >= 0, `${name} is loaded: ${modules.join(' ')}`);
  }
  assert.ok(at('sunrpc') < at('lockd') && at('grace') < at('lockd') && at('lockd') < at('nfs') && at('nfs') < at('nfsv3'));
  for (const path of modules) assert.ok(names.includes(`lib/modules/${path}`), `${path} is in the archive`);
});

test('the golden root lists every path it holds, with the attributes and content the tree has', async (t) => {
  if (!requireRoot(t) || !requireFile(t, '/bin/busybox', 'busybox-static')) return;
  const cacheDir = await mkdtemp(join(tmpdir(), 'bramble-nfsroot-golden-'));
  t.after(() => rm(cacheDir, { recursive: true, force: true }));
  const root = await buildGoldenRoot({ cacheDir });
  const list = async (name: string): Promise<string[]> => (await readFile(join(root, 'lib/nfstest', name), 'utf8')).trim().split('\n');

  const manifest = await treeManifest(root);
  const inTree = manifest.map((line) => `/${line.slice(0, line.indexOf(' '))}`.replace(/^\/\.$/, '/'));
  assert.deepEqual(new Set(await list('golden.paths')), new Set(inTree.filter((p) => !/^\/(dev|proc|sys|run)\//.test(p))));
  // Every line's mtime is the fixed one; the special files and owners the scenario checks are there.
  for (const line of [...(await list('golden.nondirs.stat')), ...(await list('golden.dirs.stat'))]) {
    assert.ok(line.includes(`|${GOLDEN_MTIME}`), line);
  }
  const stat = await list('golden.nondirs.stat');
  assert.ok(stat.includes('/golden/null|21b6|0|0|0|1700000000|1|1,3'));
  assert.ok(stat.includes('/golden/owned.txt|81a0|1000|100|18|1700000000|1|0,0'));
  assert.ok(stat.includes("'/golden/keep-link' -> 'keep.txt'|a1ff|0|0|8|1700000000|1|0,0"));
  assert.equal((await lstat(join(root, 'sbin/init'))).mode & 0o777, 0o755);

  // Asked again, the cached tree, untouched.
  assert.equal(await buildGoldenRoot({ cacheDir }), root);
  assert.deepEqual(manifestDifferences(manifest, await treeManifest(root)), []);
});
