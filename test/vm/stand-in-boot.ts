// One whole PXE boot against the stand-in server (dnsmasq + busybox httpd) in a fresh namespace: the harness's
// proof that namespaces, tap, firmware, iPXE and the initramfs work before Bramble is in the picture.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Teardown } from '../support/teardown.js';
import { createTestLan } from '../support/test-lan.js';
import type { BootImages } from './build-initramfs.js';
import type { VmFirmware } from './qemu-args.js';
import { startStandInServer } from './stand-in-server.js';
import { randomMac, startVm } from './vm.js';
import type { BootResult } from './vm.js';

export interface StandInBootOptions {
  readonly firmware: VmFirmware;
  readonly images: BootImages;
  readonly cmdline: string;
  readonly nameInitrd?: boolean;
  readonly withoutFiles?: boolean;
  readonly timeoutMs?: number;
  /** Copy the serial console log here (also when the boot fails). */
  readonly saveSerialTo?: string;
  readonly onQemuArgv?: (argv: readonly string[]) => void;
}

export async function standInBoot(options: StandInBootOptions): Promise<BootResult> {
  const teardown = new Teardown();
  try {
    const workDir = await mkdtemp(join(tmpdir(), `bramble-stand-in-${options.firmware}-`));
    teardown.defer('remove work folder', () => rm(workDir, { recursive: true, force: true }));
    const lan = await createTestLan();
    teardown.defer('delete namespaces', () => lan.destroy());
    const tap = await lan.addTap('tap0');
    const server = await startStandInServer(lan, options.images, workDir, {
      cmdline: options.cmdline,
      nameInitrd: options.nameInitrd,
      withoutFiles: options.withoutFiles,
    });
    teardown.defer('stop stand-in server', () => server.stop());
    const vm = await startVm({ ns: lan.ns, workDir, firmware: options.firmware, tap, mac: randomMac() });
    const saveTo = options.saveSerialTo;
    // Runs after the VM has stopped (LIFO), so the capture is complete.
    if (saveTo !== undefined) teardown.defer('save serial log', () => writeFile(saveTo, vm.process.outputBytes()));
    teardown.defer('stop VM', () => vm.stop());
    options.onQemuArgv?.(vm.argv);
    return await vm.waitForBoot(options.timeoutMs ?? 240_000);
  } finally {
    await teardown.run();
  }
}
