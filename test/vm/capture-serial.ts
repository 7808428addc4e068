// Re-captures the serial-console fixtures under test/fixtures/vm/ from real QEMU boots against the stand-in server:
// BIOS + iPXE ROM, UEFI (OVMF -> ipxe.efi), and UEFI with a kernel line that does not name the initrd (a panic).
// Usage (root): node --import tsx test/vm/capture-serial.ts
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
] as const;
for (const c of cases) {
  const saveSerialTo = join(FIXTURES, c.file);
  const outcome = await standInBoot({ ...c, images, cmdline: CMDLINE, saveSerialTo }).then(
    (r) => `booted in ${r.seconds.toFixed(1)} s`,
    (e: Error & { code?: string }) => `failed: ${e.code ?? ''} ${e.message.split('\n')[0]}`,
  );
  console.log(`${saveSerialTo}: ${outcome}`);
}
