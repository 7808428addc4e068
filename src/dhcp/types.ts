// The DHCP module's contract with the rest of Bramble (re-exported by server.ts; RFC 2131 terms).
import type { Logger } from '../log/logger.js';
import type { DhcpMessageTypeName } from './options.js';

export type { DhcpMessageTypeName };

/** What a client told us, decoded from one request. */
export interface DhcpClient {
  /** Lower-case colon hex (src/net/mac.ts). */
  readonly mac: string;
  readonly xid: number;
  readonly messageType: DhcpMessageTypeName;
  /** Option 93, first entry (RFC 4578). */
  readonly arch: number | null;
  /** Option 60. */
  readonly vendorClass: string | null;
  /** Option 77, RFC 3004 length-prefixed form or iPXE's plain string. */
  readonly userClasses: readonly string[];
  /** User class "iPXE" present, or option 175 present. */
  readonly isIpxe: boolean;
  /** Option 97 type 0 + 16 bytes, as 8-4-4-4-12 lower-case hex (SMBIOS byte order, see client.ts). */
  readonly uuid: string | null;
  /** Option 61 as hex. */
  readonly clientId: string | null;
  /** Option 12. */
  readonly hostname: string | null;
  /** giaddr when non-zero. */
  readonly relay: string | null;
  /** Local port it arrived on (67 or 4011, or what ports configured). */
  readonly port: number;
}

/** What the policy (src/boot/) says to answer. */
export interface DhcpBoot {
  /** TFTP path, or an http URL for iPXE / UEFI HTTP clients; empty for none (Raspberry Pi). */
  readonly bootFile: string;
  /** siaddr and option 66. */
  readonly nextServer: string;
  /** Option 60 in the reply. */
  readonly vendorClass: 'PXEClient' | 'HTTPClient';
  /** Option 43 "Raspberry Pi Boot" menu. */
  readonly raspberryPiMenu?: boolean;
}

export type DhcpEvent = {
  readonly kind: 'offer' | 'ack' | 'nak' | 'release' | 'decline' | 'inform' | 'ignored';
  readonly address?: string;
  readonly reason?: string;
  readonly proxy: boolean;
};

export interface DhcpPolicy {
  /** null: not a client we give boot info to. */
  bootFor(client: DhcpClient): DhcpBoot | null;
  /** Full mode: a fixed address for this MAC. */
  reservationFor?(mac: string): string | null;
  /** For inventory and the boot timeline; exceptions are caught and logged. */
  observe?(client: DhcpClient, event: DhcpEvent): void;
}

export interface DhcpPool {
  readonly first: string;
  readonly last: string;
  readonly netmask: string;
  readonly router?: string;
  readonly dns?: readonly string[];
  readonly domain?: string;
  readonly leaseSeconds: number;
}

export interface DhcpServerOptions {
  readonly mode: 'proxy' | 'full';
  /** Bind to this device (SO_BINDTODEVICE); null = all interfaces (tests on loopback only). */
  readonly interfaceName: string | null;
  /** Our IPv4 on that interface: option 54. */
  readonly serverAddress: string;
  /** Defaults 67, 4011, 68; 0 picks ephemeral ports (tests). */
  readonly ports?: { readonly server?: number; readonly proxy?: number; readonly client?: number };
  /** Required in full mode. */
  readonly pool?: DhcpPool;
  /** Full mode persistence (a path in the data folder); without it leases live in memory only. */
  readonly leaseFile?: string;
  readonly policy: DhcpPolicy;
  readonly log: Logger;
  /**
   * Where replies that RFC 2131 §4.1 broadcasts are sent; default 255.255.255.255. Tests running the server in
   * the root namespace set 127.0.0.1 so that nothing is ever broadcast onto a real network.
   */
  readonly broadcastAddress?: string;
}

export interface DhcpStats {
  readonly received: number;
  readonly malformed: number;
  readonly answered: number;
  readonly ignored: number;
}

export interface DhcpServer {
  /** Resolves once sockets are bound; rejects with a DhcpServerError naming the port or interface. */
  start(): Promise<void>;
  /** Closes the sockets and flushes the lease file. */
  stop(): Promise<void>;
  stats(): DhcpStats;
  /** The ports actually bound (differs from the options when they asked for 0). */
  addresses(): { readonly server: number; readonly proxy: number };
}
