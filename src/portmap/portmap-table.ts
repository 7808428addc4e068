// The portmapper's table (RFC 1833 §3.1 mapping) and its lookups; Bramble fills it with the programs it serves.
import { formatUniversalAddress } from './universal-address.js';

export const IpProto = { tcp: 6, udp: 17 } as const;
export type IpProtoNumber = (typeof IpProto)[keyof typeof IpProto];

export const PORTMAP_PROGRAM = 100_000;
export const PORTMAP_PORT = 111;

export interface PortMapping {
  readonly prog: number;
  readonly vers: number;
  readonly prot: IpProtoNumber;
  readonly port: number;
}

/** What the portmapper reads; a PortmapTable, or anything else that can list mappings. */
export interface PortmapLookup {
  list(): readonly PortMapping[];
}

export class PortmapTable implements PortmapLookup {
  #mappings: PortMapping[] = [];

  /** Adds or replaces the mapping for (prog, vers, prot). */
  set(mapping: PortMapping): void {
    this.#mappings = [...this.#mappings.filter((m) => !sameService(m, mapping)), { ...mapping }];
  }

  /** Removes every mapping of (prog, vers), as RFC 1833 UNSET does. */
  unset(prog: number, vers: number): void {
    this.#mappings = this.#mappings.filter((m) => m.prog !== prog || m.vers !== vers);
  }

  list(): readonly PortMapping[] {
    return this.#mappings;
  }
}

function sameService(a: PortMapping, b: PortMapping): boolean {
  return a.prog === b.prog && a.vers === b.vers && a.prot === b.prot;
}

/**
 * GETPORT: the exact version's port, else the port of any version of the program on that protocol (as rpcbind's
 * find_service, so the client learns the right version from the service's own PROG_MISMATCH), else 0.
 */
export function findPort(mappings: readonly PortMapping[], prog: number, vers: number, prot: number): number {
  const sameProg = mappings.filter((m) => m.prog === prog && m.prot === prot);
  return (sameProg.find((m) => m.vers === vers) ?? sameProg[0])?.port ?? 0;
}

/** rpcbind v3/v4 netids of the IPv4 transports (RFC 5665 §3). */
export function netidOf(prot: IpProtoNumber): 'tcp' | 'udp' {
  return prot === IpProto.tcp ? 'tcp' : 'udp';
}

export function protOfNetid(netid: string): IpProtoNumber | null {
  if (netid === 'tcp') return IpProto.tcp;
  if (netid === 'udp') return IpProto.udp;
  return null;
}

/** GETADDR (v3/v4): the universal address of the service on `host`, or "" when unknown (RFC 1833 §2.2.1). */
export function findUniversalAddress(
  mappings: readonly PortMapping[],
  prog: number,
  vers: number,
  netid: string,
  host: string,
  exactVersion: boolean,
): string {
  const prot = protOfNetid(netid);
  if (prot === null) return '';
  const port = exactVersion
    ? (mappings.find((m) => m.prog === prog && m.vers === vers && m.prot === prot)?.port ?? 0)
    : findPort(mappings, prog, vers, prot);
  return port === 0 ? '' : formatUniversalAddress(host, port);
}

/** The portmapper's own entries (it is listed in DUMP like any program, as rpcbind does). */
export function portmapperMappings(versions: readonly number[], tcpPort: number | null, udpPort: number | null): PortMapping[] {
  const out: PortMapping[] = [];
  for (const vers of versions) {
    if (tcpPort !== null) out.push({ prog: PORTMAP_PROGRAM, vers, prot: IpProto.tcp, port: tcpPort });
    if (udpPort !== null) out.push({ prog: PORTMAP_PROGRAM, vers, prot: IpProto.udp, port: udpPort });
  }
  return out;
}
