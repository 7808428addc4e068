// Re-captures the serial-console fixtures under test/fixtures/vm/ from real QEMU boots against the stand-in server:
// BIOS + iPXE ROM, UEFI (OVMF -> ipxe.efi), UEFI with a kernel line that does not name the initrd (a panic), and
// both firmwares giving up when the server offers boot files it does not have.
// Usage (root): node --import tsx test/vm/capture-serial.ts [FIXTURE-NAME...]   (default: all)
import { join } from 'node:path';
import { sweepStaleNetns } from '../support/netns.js';
import { buildBootImages } from './build-initramfs.js';
import { standInBoot } from './stand-in-boot.js';

const FIXTURES = 'test/fixtures/vm';
const CMDLINE = 'console=ttyS0 panic=-1 bramble.net=dhcp bramble.nonce=capture1';

await sweepStaleNetns();
const images = await buildBootImages();
const cases = [
  { file: 'serial-bios-ipxe-rom.txt', firmware: 'bios', nameInitrd: true },
  { file: 'serial-uefi-ovmf-ipxe-efi.txt', firmware: 'uefi', nameInitrd: true },
  { file: 'serial-uefi-initrd-not-named.txt', firmware: 'uefi', nameInitrd: false },
  { file: 'serial-bios-nothing-to-boot.txt', firmware: 'bios', withoutFiles: true },
  { file: 'serial-uefi-nothing-to-boot.txt', firmware: 'uefi', withoutFiles: true },
] as const;
const only = process.argv.slice(2);
for (const c of cases.filter((x) => only.length === 0 || only.includes(x.file))) {
  const saveSerialTo = join(FIXTURES, c.file);
  const outcome = await standInBoot({ ...c, images, cmdline: CMDLINE, saveSerialTo }).then(
    (r) => `booted in ${r.seconds.toFixed(1)} s`,
    (e: Error & { code?: string }) => `failed: ${e.code ?? ''} ${e.message.split('\n')[0]}`,
  );
  console.log(`${saveSerialTo}: ${outcome}`);
}
