// Issue #5 with a real Linux initiator: QEMU machines PXE-boot (BIOS + iPXE ROM) from Bramble into a Debian kernel
// whose initramfs logs in to the machine's own iSCSI disk with open-iscsi's iscsistart, from the iscsi_* arguments
// an iscsi-root profile put on the kernel line (iscsiroot/init). Machine A writes to its disk and deletes a golden
// file, reboots (a whole second network boot) and finds its changes; machine B sees the golden image only; the
// golden image is byte-identical afterwards; `bramble iscsi reset` brings A back to golden.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { requireTool } from '../support/require-tool.js';
import { brambleCli, serveVmLab } from './bramble-process.js';
import { buildIscsiRootBootImages, iscsiRoleOemString } from './iscsiroot-images.js';
import { openVmLab } from './vm-lab.js';
import { requireVmHost } from './vm-prerequisites.js';
import { randomMac, startVm } from './vm.js';

const TEST_TIMEOUT_MS = 900_000;
const POOL = { first: '198.18.0.100', last: '198.18.0.150' };
const IMAGE = 'k3s';
const PROFILE = 'iscsi-k3s';

interface Run {
  readonly serial: string;
  readonly boots: number;
  readonly ending: 'poweroff' | 'panic' | 'too-many-boots' | 'timeout';
  readonly seconds: number;
}

/** The marker lines of a run, for assertions and for the failure message. */
const markers = (serial: string): string[] => serial.split('\n').filter((l) => l.includes('BRAMBLE-') || /Kernel panic|iscsistart/.test(l)).map((l) => l.trim());

test('a PXE-booted Linux machine keeps its writes on its own iSCSI disk over the golden image, others see golden, reset restores it', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
  if (!requireVmHost(t, { firmware: ['bios'] }) || !requireTool(t, 'iscsistart', 'open-iscsi') || !requireTool(t, 'mkfs.ext4', 'e2fsprogs')) return;
  const images = await buildIscsiRootBootImages();
  const lab = await openVmLab(t, 'iscsiroot');
  const tap = await lab.lan.addTap('tap0');

  // The golden root: a few files the machines read, one machine A deletes.
  const rootfs = join(lab.workDir, 'rootfs');
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await writeFile(join(rootfs, 'etc', 'golden-hostname'), 'golden-k3s\n');
  await writeFile(join(rootfs, 'etc', 'golden-remove-me'), 'still-here\n');

  await brambleCli(lab.lan.ns, ['profile', 'add', PROFILE, '--kernel', images.kernel, '--initrd', images.initrd, '--iscsi-image', IMAGE, '--cmdline', 'console=ttyS0', '--data-dir', lab.dataDir]);
  await serveVmLab(lab, { range: POOL, defaultProfile: PROFILE, tcpPorts: [3260] });
  // The golden image, made through the running server from the folder (mkfs.ext4 -d).
  await brambleCli(lab.lan.ns, ['iscsi', 'image', IMAGE, '--from', rootfs, '--size', '64M', '--data-dir', lab.dataDir]);
  const goldenPath = join(lab.dataDir, 'iscsi', 'images', `${IMAGE}.img`);
  const sha = async (): Promise<string> => createHash('sha256').update(await readFile(goldenPath)).digest('hex');
  const goldenBefore = await sha();

  const machine = async (label: string, mac: string, role: 'writer' | 'reader', maxBoots: number, timeoutMs: number): Promise<Run> => {
    const workDir = join(lab.workDir, label);
    await mkdir(workDir);
    const started = Date.now();
    const vm = await startVm({ ns: lab.lan.ns, workDir, firmware: 'bios', tap, mac, label: `qemu ${label}`, onReboot: 'restart', oemStrings: [iscsiRoleOemString(role)], hardTimeoutMs: timeoutMs + 10_000 });
    lab.teardown.defer(`stop ${label}`, () => vm.stop());
    let ending: Run['ending'] = 'timeout';
    while (Date.now() - started < timeoutMs) {
      if (vm.process.exitStatus() !== undefined) {
        ending = 'poweroff';
        break;
      }
      const output = vm.process.output();
      if (/Kernel panic - not syncing/.test(output)) {
        ending = 'panic';
        break;
      }
      if (output.split('BRAMBLE-ISCSI-INIT').length - 1 > maxBoots) {
        ending = 'too-many-boots';
        break;
      }
      await sleep(250);
    }
    await vm.stop();
    const serial = vm.process.output();
    const run = { serial, boots: serial.split('BRAMBLE-ISCSI-INIT').length - 1, ending, seconds: (Date.now() - started) / 1000 };
    t.diagnostic(`${label}: ${run.boots} boot(s), ${ending} after ${run.seconds.toFixed(0)} s`);
    return run;
  };
  const explain = (label: string, run: Run): string => `${label}: ${run.ending} after ${run.boots} boot(s)\n${markers(run.serial).join('\n')}\n${run.serial.split('\n').slice(-25).join('\n')}`;
  const iqnOf = (mac: string): string => `iqn.2026-11.org.bramble:${mac.replace(/:/g, '-')}.${IMAGE}`;

  // Machine A: boot 1 finds golden, writes 2 MiB and a marker, deletes a golden file, reboots; boot 2 finds them.
  const macA = randomMac();
  const a = await machine('machine-a', macA, 'writer', 2, 420_000);
  assert.equal(a.ending, 'poweroff', explain('machine A', a));
  assert.equal(a.boots, 2, explain('machine A', a));
  assert.match(a.serial, new RegExp(`BRAMBLE-ISCSI-TARGET ${iqnOf(macA).replace(/\./g, '\\.')} 198\\.18\\.0\\.1:3260`), explain('machine A', a));
  assert.match(a.serial, /BRAMBLE-ISCSI-MOUNTED \/dev\/sda \/mnt ext4/, explain('machine A', a));
  assert.match(a.serial, /BRAMBLE-ISCSI-GOLDEN golden-k3s/, explain('machine A', a));
  const wrote = /BRAMBLE-ISCSI-BOOT1 wrote ([0-9a-f]{32})/.exec(a.serial);
  assert.ok(wrote !== null, explain('machine A', a));
  const found = /BRAMBLE-ISCSI-BOOT2 found written-at-boot-1 ([0-9a-f]{32})/.exec(a.serial);
  assert.ok(found !== null, explain('machine A', a));
  assert.equal(found[1], wrote[1], 'the 2 MiB written at boot 1 read back identical at boot 2');
  assert.equal(await sha(), goldenBefore, 'the golden image is byte-identical after A wrote to its disk');
  // Both of A's logins ran with CRC32C header and data digests, and with mutual CHAP (iscsistart -U/-W from the
  // iscsi_in_* arguments: the initiator checked the target's answer), as its initiator asked.
  const logins = (await readFile(join(lab.workDir, 'bramble.log'), 'utf8')).split('\n').filter((l) => l.includes('"msg":"iscsi login"') && l.includes(iqnOf(macA)));
  assert.equal(logins.length, 2, logins.join('\n'));
  for (const line of logins) {
    assert.match(line, /"digests":"CRC32C\/CRC32C"/);
    assert.match(line, /"auth":"mutual CHAP"/);
  }

  const disks = JSON.parse(await brambleCli(lab.lan.ns, ['iscsi', 'ls', '--json', '--data-dir', lab.dataDir])) as Array<{ iqn: string; machine?: string; usedBytes: number; allow: string }>;
  const diskA = disks.find((d) => d.iqn === iqnOf(macA));
  assert.ok(diskA !== undefined, `A's disk in iscsi ls: ${JSON.stringify(disks)}`);
  assert.equal(diskA.machine, macA);
  assert.ok(diskA.usedBytes > 2 * 1024 * 1024, `A's overlay holds its writes: ${diskA.usedBytes} bytes`);

  // Machine B: its own disk over the same image, golden only.
  const macB = randomMac();
  const b = await machine('machine-b', macB, 'reader', 1, 240_000);
  assert.equal(b.ending, 'poweroff', explain('machine B', b));
  assert.match(b.serial, /BRAMBLE-ISCSI-READER golden-only still-here/, explain('machine B', b));

  // Reset A: its next boot finds golden again.
  await brambleCli(lab.lan.ns, ['iscsi', 'reset', macA, '--data-dir', lab.dataDir]);
  const r = await machine('machine-a-reset', macA, 'reader', 1, 240_000);
  assert.equal(r.ending, 'poweroff', explain('machine A after reset', r));
  assert.match(r.serial, /BRAMBLE-ISCSI-READER golden-only still-here/, explain('machine A after reset', r));
  assert.equal(await sha(), goldenBefore, 'the golden image is byte-identical at the end');
});
