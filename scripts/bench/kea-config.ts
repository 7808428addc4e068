// kea-dhcp4's configuration for the DHCP peer (Kea 2.2 ARM): one subnet on the benchmark veth, answering relayed
// requests, leases in a memfile CSV on disk (persist, no cleanup process during the run).

export interface KeaSetup {
  readonly interfaceName: string;
  readonly subnet: string;
  readonly poolFirst: string;
  readonly poolLast: string;
  readonly leaseFile: string;
  readonly leaseSeconds: number;
}

export function keaConfig(setup: KeaSetup): string {
  const config = {
    Dhcp4: {
      // Relayed traffic only (perfdhcp sets giaddr), so plain UDP sockets serve it.
      'interfaces-config': { interfaces: [setup.interfaceName], 'dhcp-socket-type': 'udp' },
      'lease-database': { type: 'memfile', persist: true, name: setup.leaseFile, 'lfc-interval': 0 },
      'valid-lifetime': setup.leaseSeconds,
      subnet4: [{ id: 1, subnet: setup.subnet, pools: [{ pool: `${setup.poolFirst} - ${setup.poolLast}` }] }],
      loggers: [{ name: 'kea-dhcp4', output_options: [{ output: 'stdout' }], severity: 'WARN' }],
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
