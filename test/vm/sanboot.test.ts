// Issue #5's "iSCSI SAN boot" profile with a real initiator: a QEMU machine PXE-boots (BIOS + iPXE ROM) from Bramble,
// whose boot script has iPXE `sanboot` the machine's own copy-on-write disk (CHAP) over a golden image holding a
// boot sector (sanboot-sector.ts). That code reads LBA 1 and writes LBA 2 through INT 13h, which iPXE serves over
// iSCSI; the test finds the line read on the serial port, the write in the machine's overlay after Bramble stops,
// and the golden image unchanged.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { openCowDisk } from '../../src/iscsi/cow-disk.js';
import { brambleCli, serveVmLab } from './bramble-process.js';
import { SANBOOT_FAILED, SANBOOT_WROTE, sanbootImage, SECTOR } from './sanboot-sector.js';
import { openVmLab } from './vm-lab.js';
import { requireVmHost } from './vm-prerequisites.js';
import { randomMac, startVm } from './vm.js';

const TEST_TIMEOUT_MS = 600_000;
const BOOT_TIMEOUT_MS = 300_000;
const POOL = { first: '198.18.0.100', last: '198.18.0.150' };
const IMAGE = 'sanboot';
const PROFILE = 'san';

test('iPXE sanboots a machine from its own iSCSI disk: the boot sector reads and writes it over iSCSI, the golden image stays as it was', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
  if (!requireVmHost(t, { firmware: ['bios'] })) return;
  const lab = await openVmLab(t, 'sanboot');
  const tap = await lab.lan.addTap('tap0');

  const nonce = randomBytes(8).toString('hex');
  const { image, line } = sanbootImage(nonce);
  const imagesDir = join(lab.dataDir, 'iscsi', 'images');
  await mkdir(imagesDir, { recursive: true });
  const goldenPath = join(imagesDir, `${IMAGE}.img`);
  await writeFile(goldenPath, image);
  const goldenSha = createHash('sha256').update(image).digest('hex');

  await brambleCli(lab.lan.ns, ['profile', 'add', PROFILE, '--sanboot', '--iscsi-image', IMAGE, '--data-dir', lab.dataDir]);
  const server = await serveVmLab(lab, { range: POOL, defaultProfile: PROFILE, tcpPorts: [3260] });

  const mac = randomMac();
  const workDir = join(lab.workDir, 'machine');
  await mkdir(workDir);
  const vm = await startVm({ ns: lab.lan.ns, workDir, firmware: 'bios', tap, mac, label: 'qemu sanboot', hardTimeoutMs: BOOT_TIMEOUT_MS + 10_000 });
  lab.teardown.defer('stop the machine', () => vm.stop());
  const started = Date.now();
  while (Date.now() - started < BOOT_TIMEOUT_MS) {
    const output = vm.process.output();
    if (output.includes(SANBOOT_WROTE) || output.includes(SANBOOT_FAILED) || vm.process.exitStatus() !== undefined) break;
    await sleep(250);
  }
  await vm.stop();
  const serial = vm.process.output();
  t.diagnostic(`sanboot: ${((Date.now() - started) / 1000).toFixed(0)} s to the boot sector's last word`);
  const log = await readFile(join(lab.workDir, 'bramble.log'), 'utf8');
  const iscsiLog = log.split('\n').filter((l) => l.includes('iscsi')).slice(-20).join('\n');
  const explain = `serial (last 30 lines):\n${serial.split('\n').slice(-30).join('\n')}\nBramble's iSCSI log (last 20 lines):\n${iscsiLog}`;
  assert.ok(serial.includes(line), `the boot sector printed LBA 1 read over iSCSI\n${explain}`);
  assert.ok(serial.includes(SANBOOT_WROTE) && !serial.includes(SANBOOT_FAILED), `INT 13h read and write both succeeded\n${explain}`);

  // iPXE logged in to this machine's own target with CHAP.
  const iqn = `iqn.2026-11.org.bramble:${mac.replace(/:/g, '-')}.${IMAGE}`;
  const logins = log.split('\n').filter((l) => l.includes('"msg":"iscsi login"') && l.includes(iqn));
  assert.ok(logins.length > 0, `a login to ${iqn} in the log`);
  // The boot script's reverse-username/reverse-password: iPXE checked the target's CHAP answer too.
  for (const line of logins) assert.match(line, /"auth":"mutual CHAP"/);
  const disks = JSON.parse(await brambleCli(lab.lan.ns, ['iscsi', 'ls', '--json', '--data-dir', lab.dataDir])) as Array<{ id: number; iqn: string; machine?: string }>;
  const disk = disks.find((d) => d.iqn === iqn);
  assert.ok(disk !== undefined && disk.machine === mac, `the machine's disk in iscsi ls: ${JSON.stringify(disks)}`);

  // Stopping Bramble closes the disk (flushing its map); the write is then on the machine's overlay.
  await server.stop();
  const folder = join(lab.dataDir, 'iscsi', 'disks', String(disk.id));
  const overlay = await openCowDisk({ map: join(folder, 'map'), data: join(folder, 'data') }, goldenPath);
  try {
    const lba2 = await overlay.read(2n, 1);
    assert.ok(lba2.equals(image.subarray(SECTOR, 2 * SECTOR)), 'LBA 2 of the machine\'s disk holds the copy of LBA 1 the boot sector wrote');
  } finally {
    await overlay.close();
  }
  assert.ok(image.subarray(2 * SECTOR, 3 * SECTOR).every((b) => b === 0), 'LBA 2 of the golden image is zeros');
  assert.equal(createHash('sha256').update(await readFile(goldenPath)).digest('hex'), goldenSha, 'the golden image is byte-identical');
});
