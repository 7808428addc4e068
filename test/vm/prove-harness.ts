// Proves the whole-boot harness without Bramble: boots BIOS (+ iPXE ROM) and UEFI (OVMF PXE -> ipxe.efi) VMs
// against dnsmasq + busybox httpd in a throwaway namespace, and prints the QEMU command line and boot time.
// Usage (root): node --import tsx test/vm/prove-harness.ts [bios] [uefi]
import { sweepStaleNetns } from '../support/netns.js';
import { cmdlineParam } from './boot-marker.js';
import { buildBootImages } from './build-initramfs.js';
import type { VmFirmware } from './qemu-args.js';
import { standInBoot } from './stand-in-boot.js';

const wanted = process.argv.slice(2).filter((a): a is VmFirmware => a === 'bios' || a === 'uefi');
const swept = await sweepStaleNetns();
if (swept.length > 0) console.log(`removed stale namespaces: ${swept.join(' ')}`);
const images = await buildBootImages();
console.log(`kernel ${images.kernelVersion}: ${images.kernel} ${images.initrd}`);

for (const firmware of wanted.length > 0 ? wanted : (['bios', 'uefi'] as const)) {
  const nonce = Math.random().toString(36).slice(2, 10);
  const result = await standInBoot({
    firmware,
    images,
    cmdline: `console=ttyS0 panic=-1 bramble.net=dhcp bramble.nonce=${nonce}`,
    onQemuArgv: (argv) => console.log(`[${firmware}] ${argv.join(' ')}`),
  });
  if (cmdlineParam(result.cmdline ?? '', 'bramble.nonce') !== nonce) {
    throw new Error(`[${firmware}] booted with cmdline "${result.cmdline}", expected nonce ${nonce}`);
  }
  console.log(`[${firmware}] marker after ${result.seconds.toFixed(1)} s; cmdline: ${result.cmdline}`);
  console.log(`[${firmware}] leases: ${JSON.stringify(result.leases)}; insmod failures: ${JSON.stringify(result.insmodFailures)}`);
}
