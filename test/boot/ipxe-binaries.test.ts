// iPXE binaries by exact name, symlinks out of the folder allowed (Debian's layout), and the TFTP overlay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipxeBinaryPath, withIpxeBinaries } from '../../src/boot/ipxe-binaries.js';
import { folderFiles } from '../../src/tftp/folder-files.js';

async function layout(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-ipxe-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'ipxe'));
  await mkdir(join(dir, 'boot'));
  await mkdir(join(dir, 'tftp'));
  await writeFile(join(dir, 'boot', 'ipxe.efi'), 'EFI from /boot');
  await symlink(join(dir, 'boot', 'ipxe.efi'), join(dir, 'ipxe', 'ipxe.efi'));
  await writeFile(join(dir, 'ipxe', 'undionly.kpxe'), 'BIOS');
  await writeFile(join(dir, 'ipxe', 'ipxe.iso'), 'ISO');
  await symlink('/etc/passwd', join(dir, 'ipxe', 'snponly.efi'));
  await writeFile(join(dir, 'tftp', 'undionly.kpxe'), 'override');
  return dir;
}

test('ipxeBinaryPath: only the known names, case- and slash-tolerant, following Debian symlinks', async (t) => {
  const dir = await layout(t);
  const ipxe = join(dir, 'ipxe');
  const cases: [string, string | null][] = [
    ['ipxe.efi', join(dir, 'boot', 'ipxe.efi')],
    ['/IPXE.EFI', join(dir, 'boot', 'ipxe.efi')],
    ['\\undionly.kpxe', join(ipxe, 'undionly.kpxe')],
    ['ipxe.iso', null],
    ['../boot/ipxe.efi', null],
    ['qemu/ipxe.efi', null],
    ['ipxe.pxe', null],
  ];
  for (const [name, expected] of cases) assert.equal(await ipxeBinaryPath(ipxe, name), expected, name);
  // A known name linked to a file outside is followed only when the target bears an iPXE binary's name.
  assert.equal(await ipxeBinaryPath(ipxe, 'snponly.efi'), null);
});

test('withIpxeBinaries: the data folder overrides, then the iPXE folder, then not-found', async (t) => {
  const dir = await layout(t);
  const files = withIpxeBinaries(folderFiles([join(dir, 'tftp')]), join(dir, 'ipxe'));
  const client = { address: '127.0.0.1', port: 1000 };
  const read = async (name: string) => {
    const r = await files.open(name, client);
    if (!r.ok) return r.code;
    const buf = Buffer.alloc(r.file.size);
    await r.file.read(buf, 0);
    await r.file.close();
    return buf.toString();
  };
  assert.equal(await read('undionly.kpxe'), 'override');
  assert.equal(await read('ipxe.efi'), 'EFI from /boot');
  assert.equal(await read('ipxe.iso'), 'not-found');
  assert.equal(await read('../ipxe/ipxe.iso'), 'access-denied');
});
