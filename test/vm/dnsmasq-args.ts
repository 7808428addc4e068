// dnsmasq(8) 2.90 command lines for the two roles it plays in the VM tests: the stand-in PXE server that proves
// the harness (full DHCP + TFTP, iPXE chaining per facts/firmware.md), and the home router (addresses only).

export interface DhcpRange {
  readonly first: string;
  readonly last: string;
}

interface Common {
  readonly iface: string;
  readonly range: DhcpRange;
  readonly leaseFile: string;
}

export interface PxeServerOptions extends Common {
  readonly tftpRoot: string;
  /** The HTTP URL handed to iPXE once it asks (user class "iPXE"); anything else is chained into iPXE first. */
  readonly scriptUrl: string;
}

function common(options: Common): string[] {
  return [
    'dnsmasq',
    '--conf-file=/dev/null',
    '--keep-in-foreground',
    '--log-facility=-',
    '--log-dhcp',
    '--port=0',
    '--no-resolv',
    '--no-hosts',
    '--pid-file',
    // Stays root: its files live in the test's private (0700) temp folder.
    '--user=root',
    `--interface=${options.iface}`,
    '--bind-interfaces',
    `--dhcp-range=${options.range.first},${options.range.last},255.255.255.0,1h`,
    `--dhcp-leasefile=${options.leaseFile}`,
    '--dhcp-authoritative',
  ];
}

export function pxeServerArgs(options: PxeServerOptions): string[] {
  return [
    ...common(options),
    '--enable-tftp',
    `--tftp-root=${options.tftpRoot}`,
    '--dhcp-userclass=set:ipxe,iPXE',
    '--dhcp-match=set:efi64,option:client-arch,7',
    `--dhcp-boot=tag:ipxe,${options.scriptUrl}`,
    '--dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi',
    '--dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe',
  ];
}

/** A plain home router: hands out addresses, says nothing about booting, so PXE info must come from proxyDHCP. */
export function homeRouterArgs(options: Common): string[] {
  return common(options);
}
