// The stand-in PXE server that proves the harness before Bramble exists: dnsmasq (DHCP + TFTP of Debian's iPXE
// binaries) and busybox httpd serving a boot.ipxe that loads the test kernel and initramfs.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitForListening } from '../support/listening.js';
import { startProcess } from '../support/managed-process.js';
import type { ManagedProcess } from '../support/managed-process.js';
import type { TestLan } from '../support/test-lan.js';
import type { BootImages } from './build-initramfs.js';
import { pxeServerArgs } from './dnsmasq-args.js';

export const IPXE_DIR = '/usr/lib/ipxe';
export const STAND_IN_HTTP_PORT = 8080;

export interface StandInServer {
  readonly dnsmasq: ManagedProcess;
  readonly httpd: ManagedProcess;
  stop(): Promise<void>;
}

/** The iPXE script. UEFI needs the kernel line to name the initrd (facts/firmware.md); nameInitrd=false
 * leaves it out, to capture what that failure looks like. */
export function bootScript(baseUrl: string, cmdline: string, nameInitrd = true): string {
  return [
    '#!ipxe',
    `kernel ${baseUrl}/vmlinuz ${nameInitrd ? 'initrd=initrd.gz ' : ''}${cmdline}`,
    `initrd ${baseUrl}/initrd.gz`,
    'boot',
    '',
  ].join('\n');
}

export interface StandInOptions {
  readonly cmdline: string;
  readonly nameInitrd?: boolean;
  /** Offer boot files but serve none (empty TFTP root, no boot.ipxe), to capture how firmware gives up. */
  readonly withoutFiles?: boolean;
}

export async function startStandInServer(
  lan: TestLan,
  images: BootImages,
  workDir: string,
  options: StandInOptions,
): Promise<StandInServer> {
  const httpRoot = join(workDir, 'http');
  await mkdir(httpRoot, { recursive: true });
  const baseUrl = `http://${lan.serverAddress}:${STAND_IN_HTTP_PORT}`;
  await symlink(images.kernel, join(httpRoot, 'vmlinuz'));
  await symlink(images.initrd, join(httpRoot, 'initrd.gz'));
  if (options.withoutFiles !== true) {
    await writeFile(join(httpRoot, 'boot.ipxe'), bootScript(baseUrl, options.cmdline, options.nameInitrd));
  }
  const tftpRoot = options.withoutFiles === true ? join(workDir, 'empty-tftp') : IPXE_DIR;
  await mkdir(tftpRoot, { recursive: true });

  const httpd = startProcess(
    lan.ns.argv(['busybox', 'httpd', '-f', '-vv', '-p', `${lan.serverAddress}:${STAND_IN_HTTP_PORT}`, '-h', httpRoot]),
    { label: 'busybox httpd', logFile: join(workDir, 'httpd.log') },
  );
  const dnsmasq = startProcess(
    lan.ns.argv(
      pxeServerArgs({
        iface: lan.bridge,
        range: { first: '198.18.0.100', last: '198.18.0.150' },
        leaseFile: join(workDir, 'dnsmasq.leases'),
        tftpRoot,
        scriptUrl: `${baseUrl}/boot.ipxe`,
      }),
    ),
    { label: 'dnsmasq (stand-in PXE server)', logFile: join(workDir, 'dnsmasq.log') },
  );
  const stop = async (): Promise<void> => {
    await Promise.all([dnsmasq.stop(), httpd.stop()]);
  };
  try {
    await dnsmasq.waitFor(/TFTP root is/, 10_000);
    await waitForListening(lan.ns, [{ transport: 'tcp', port: STAND_IN_HTTP_PORT }], 10_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { dnsmasq, httpd, stop };
}
