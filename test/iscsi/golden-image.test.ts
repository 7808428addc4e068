// Golden images from a root folder (mke2fs -d): contents, owners, modes, links and device nodes land in an ext4
// image, read back with debugfs (no loop mount); bad input is refused before anything is written.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chown, link, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { IscsiDiskError } from '../../src/iscsi/disk-error.js';
import { makeGoldenImage } from '../../src/iscsi/golden-image.js';
import { parseSize } from '../../src/cli/iscsi-command.js';
import { requireRoot, requireTool } from '../support/require-tool.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

async function folders(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-golden-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  const images = join(dir, 'images');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'home', 'pi'), { recursive: true });
  await mkdir(images);
  return { dir, root, images };
}

const debugfs = async (image: string, request: string): Promise<string> => (await run('debugfs', ['-R', request, image])).stdout;

test('an image made from a folder holds its files, owners, modes, symlinks, hard links and device nodes', async (t) => {
  if (!requireTool(t, 'mkfs.ext4', 'e2fsprogs') || !requireTool(t, 'debugfs', 'e2fsprogs') || !requireTool(t, 'mknod', 'coreutils') || !requireRoot(t)) return;
  const { root, images } = await folders(t);
  await writeFile(join(root, 'etc', 'hostname'), 'golden\n');
  await writeFile(join(root, 'home', 'pi', 'notes'), 'mine\n', { mode: 0o600 });
  await chown(join(root, 'home', 'pi', 'notes'), 1000, 1000);
  await symlink('../etc/hostname', join(root, 'home', 'name'));
  await link(join(root, 'etc', 'hostname'), join(root, 'etc', 'hostname.hard'));
  await mkdir(join(root, 'dev'));
  await run('mknod', [join(root, 'dev', 'null'), 'c', '1', '3']);
  const made = await makeGoldenImage({ imagesDir: images, name: 'pi-node', from: root, sizeBytes: 32 * MiB });
  assert.equal(made.path, join(images, 'pi-node.img'));
  assert.equal(made.label, 'pi-node');
  assert.equal((await stat(made.path)).size, 32 * MiB);
  assert.deepEqual(await readdir(images), ['pi-node.img'], 'no partial file left');

  assert.equal(await debugfs(made.path, 'cat /etc/hostname'), 'golden\n');
  const notes = await debugfs(made.path, 'stat /home/pi/notes');
  assert.match(notes, /User:\s+1000\s+Group:\s+1000/);
  assert.match(notes, /Mode:\s+0600/);
  assert.match(await debugfs(made.path, 'stat /home/name'), /Type: symlink[\s\S]*Fast link dest: "\.\.\/etc\/hostname"/);
  assert.match(await debugfs(made.path, 'stat /etc/hostname'), /Links: 2/);
  assert.match(await debugfs(made.path, 'stat /dev/null'), /Type: character special[\s\S]*Device major\/minor number: 01:03/);
  const { stdout: label } = await run('e2label', [made.path]);
  assert.equal(label.trim(), 'pi-node');
});

test('refused before anything is written: a relative or missing folder, a size out of range, an existing image; mkfs failing leaves nothing', async (t) => {
  if (!requireTool(t, 'mkfs.ext4', 'e2fsprogs')) return;
  const { root, images } = await folders(t);
  const code = (promise: Promise<unknown>, expected: IscsiDiskError['code']) =>
    assert.rejects(promise, (e: unknown) => e instanceof IscsiDiskError && e.code === expected);
  await code(makeGoldenImage({ imagesDir: images, name: 'a', from: 'relative/root', sizeBytes: 32 * MiB }), 'INVALID');
  await code(makeGoldenImage({ imagesDir: images, name: 'a', from: join(root, 'nope'), sizeBytes: 32 * MiB }), 'NO_FOLDER');
  await code(makeGoldenImage({ imagesDir: images, name: 'a', from: root, sizeBytes: MiB }), 'INVALID');
  await writeFile(join(images, 'taken.img'), 'x');
  await code(makeGoldenImage({ imagesDir: images, name: 'taken', from: root, sizeBytes: 32 * MiB }), 'EXISTS');
  // More data than the image holds: mkfs.ext4 fails, and no image (nor a partial one) is left.
  await writeFile(join(root, 'big'), Buffer.alloc(40 * MiB, 1));
  await code(makeGoldenImage({ imagesDir: images, name: 'small', from: root, sizeBytes: 16 * MiB }), 'MKFS_FAILED');
  assert.deepEqual(await readdir(images), ['taken.img']);
});

test('sizes as the CLI takes them', () => {
  const cases: ReadonlyArray<[string, number | null]> = [
    ['2G', 2 * 1024 ** 3],
    ['512M', 512 * MiB],
    ['64MiB', 64 * MiB],
    ['1073741824', 1024 ** 3],
    ['1t', 1024 ** 4],
    ['2 GB', 2 * 1024 ** 3],
    ['two', null],
    ['-1G', null],
    ['1.5G', null],
    ['', null],
  ];
  for (const [text, bytes] of cases) assert.equal(parseSize(text), bytes, text);
});
