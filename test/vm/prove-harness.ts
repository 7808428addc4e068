// Proves the whole-boot harness without Bramble: boots BIOS (+ iPXE ROM) and UEFI (OVMF PXE -> ipxe.efi) VMs
// against dnsmasq + busybox httpd in a throwaway namespace, and prints the QEMU command line and boot time.
// Usage (root): node --import tsx test/vm/prove-harness.ts [bios] [uefi]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepStaleNetns } from '../support/netns.js';
import { Teardown } from '../support/teardown.js';
import { createTestLan } from '../support/test-lan.js';
import { cmdlineParam } from './boot-marker.js';
import { buildBootImages } from './build-initramfs.js';
import type { BootImages } from './build-initramfs.js';
import type { VmFirmware } from './qemu-args.js';
import { startStandInServer } from './stand-in-server.js';
import { randomMac, startVm } from './vm.js';

async function prove(firmware: VmFirmware, images: BootImages): Promise<void> {
  const teardown = new Teardown();
  try {
    const workDir = await mkdtemp(join(tmpdir(), `bramble-prove-${firmware}-`));
    if (process.env.BRAMBLE_VM_KEEP === undefined) teardown.defer('remove work folder', () => rm(workDir, { recursive: true, force: true }));
    const lan = await createTestLan();
    teardown.defer('delete namespaces', () => lan.destroy());
    const tap = await lan.addTap('tap0');
    const nonce = Math.random().toString(36).slice(2, 10);
    const server = await startStandInServer(lan, images, workDir, `console=ttyS0 panic=-1 bramble.net=dhcp bramble.nonce=${nonce}`);
    teardown.defer('stop stand-in server', () => server.stop());
    const vm = await startVm({ ns: lan.ns, workDir, firmware, tap, mac: randomMac() });
    teardown.defer('stop VM', () => vm.stop());
    console.log(`[${firmware}] ${vm.argv.join(' ')}`);
    const result = await vm.waitForBoot(240_000);
    const gotNonce = cmdlineParam(result.cmdline ?? '', 'bramble.nonce');
    if (gotNonce !== nonce) throw new Error(`[${firmware}] booted with cmdline "${result.cmdline}", expected nonce ${nonce}`);
    console.log(`[${firmware}] marker after ${result.seconds.toFixed(1)} s; cmdline: ${result.cmdline}`);
    console.log(`[${firmware}] leases: ${JSON.stringify(result.leases)} insmod failures: ${JSON.stringify(result.insmodFailures)}`);
    console.log(`[${firmware}] serial log: ${vm.serialLog} (removed at exit unless BRAMBLE_VM_KEEP is set)`);
  } finally {
    await teardown.run();
  }
}

const wanted = process.argv.slice(2).filter((a): a is VmFirmware => a === 'bios' || a === 'uefi');
const swept = await sweepStaleNetns();
if (swept.length > 0) console.log(`removed stale namespaces: ${swept.join(' ')}`);
const images = await buildBootImages();
console.log(`kernel ${images.kernelVersion}: ${images.kernel} ${images.initrd}`);
for (const firmware of wanted.length > 0 ? wanted : (['bios', 'uefi'] as const)) await prove(firmware, images);
