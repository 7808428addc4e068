import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isInside, requestSegments, resolveContained } from '../../src/files/contained-path.js';

const segments: readonly [string, string[] | null][] = [
  ['undionly.kpxe', ['undionly.kpxe']],
  ['/undionly.kpxe', ['undionly.kpxe']],
  ['//boot///grub/./x.cfg', ['boot', 'grub', 'x.cfg']],
  ['\\EFI\\BOOT\\BOOTX64.EFI', ['EFI', 'BOOT', 'BOOTX64.EFI']],
  ['9ffefdef/start4.elf', ['9ffefdef', 'start4.elf']],
  ['..foo/bar..', ['..foo', 'bar..']],
  ['...', ['...']],
  ['', []],
  ['/', []],
  ['..', null],
  ['../etc/passwd', null],
  ['a/../../etc/passwd', null],
  ['a/b/..', null],
  ['..\\..\\windows', null],
  ['a\\..\\b', null],
  ['file\0.txt', null],
];

for (const [requested, expect] of segments) {
  test(`requestSegments(${JSON.stringify(requested)})`, () => {
    assert.deepEqual(requestSegments(requested), expect);
  });
}

const inside: readonly [string, string, boolean][] = [
  ['/srv/tftp', '/srv/tftp', true],
  ['/srv/tftp', '/srv/tftp/a', true],
  ['/srv/tftp', '/srv/tftp/..a', true],
  ['/srv/tftp', '/srv/tftp2', false],
  ['/srv/tftp', '/srv', false],
  ['/srv/tftp', '/etc/passwd', false],
  ['/srv/tftp', '/srv/tftp/../x', false],
];

for (const [root, target, expect] of inside) {
  test(`isInside(${root}, ${target}) is ${expect}`, () => {
    assert.equal(isInside(root, target), expect);
  });
}

// A real folder: root/ with files and symlinks, a secret beside it, and a symlink to the root itself.
let top: string;
let root: string;
before(async () => {
  top = await realpath(await mkdtemp(join(tmpdir(), 'bramble-contained-test-')));
  root = join(top, 'root');
  await mkdir(join(root, 'sub'), { recursive: true });
  await writeFile(join(root, 'boot.ipxe'), 'x');
  await writeFile(join(root, 'sub', 'kernel'), 'k');
  await writeFile(join(top, 'secret'), 's');
  await mkdir(join(top, 'root-sibling'));
  await writeFile(join(top, 'root-sibling', 'file'), 'f');
  await symlink(join(top, 'secret'), join(root, 'to-secret'));
  await symlink('../secret', join(root, 'to-secret-relative'));
  await symlink(join(top, 'root-sibling'), join(root, 'to-sibling-dir'));
  await symlink('/etc', join(root, 'to-etc'));
  await symlink(join(root, 'sub', 'kernel'), join(root, 'kernel-link'));
  await symlink('sub', join(root, 'sub-link'));
  await symlink(join(root, 'missing'), join(root, 'dangling'));
  await symlink(root, join(top, 'root-link'));
});
after(async () => {
  await rm(top, { recursive: true, force: true });
});

const resolves: readonly { requested: string; expect: string | null; name?: string }[] = [
  { requested: 'boot.ipxe', expect: 'boot.ipxe' },
  { requested: '/boot.ipxe', expect: 'boot.ipxe', name: 'an absolute request means from the root' },
  { requested: 'sub/kernel', expect: 'sub/kernel' },
  { requested: 'sub\\kernel', expect: 'sub/kernel' },
  { requested: './sub/./kernel', expect: 'sub/kernel' },
  { requested: '', expect: '', name: 'the root itself' },
  { requested: 'sub', expect: 'sub', name: 'a folder (the caller decides what to do with it)' },
  { requested: 'kernel-link', expect: 'sub/kernel', name: 'a symlink to a file inside' },
  { requested: 'sub-link/kernel', expect: 'sub/kernel', name: 'through a symlinked folder inside' },
  { requested: 'nope', expect: null },
  { requested: 'sub/nope', expect: null },
  { requested: 'dangling', expect: null },
  { requested: '../secret', expect: null },
  { requested: 'sub/../../secret', expect: null },
  { requested: '..\\secret', expect: null },
  { requested: 'boot.ipxe\0', expect: null },
  { requested: 'to-secret', expect: null, name: 'an absolute symlink leading out' },
  { requested: 'to-secret-relative', expect: null, name: 'a relative symlink leading out' },
  { requested: 'to-sibling-dir/file', expect: null, name: 'a symlinked folder leading to a sibling with a similar name' },
  { requested: 'to-etc/passwd', expect: null, name: 'a symlink to /etc' },
  { requested: '/etc/passwd', expect: null, name: 'an absolute path does not leave the root' },
];

for (const r of resolves) {
  test(`resolveContained: ${r.name ?? JSON.stringify(r.requested)}`, async () => {
    const got = await resolveContained(root, r.requested);
    assert.equal(got, r.expect === null ? null : join(root, r.expect));
  });
}

test('resolveContained: a root that is itself a symlink works and still confines', async () => {
  const linked = join(top, 'root-link');
  assert.equal(await resolveContained(linked, 'sub/kernel'), join(root, 'sub', 'kernel'));
  assert.equal(await resolveContained(linked, 'to-secret'), null);
  assert.equal(await resolveContained(linked, '../secret'), null);
});

test('resolveContained: a missing root resolves nothing', async () => {
  assert.equal(await resolveContained(join(top, 'no-root'), 'boot.ipxe'), null);
});
