// Building DHCP replies (RFC 2131 §4.3.1 table 3, PXE 2.1 proxyDHCP) and choosing where they go (RFC 2131 §4.1); pure.
import { ipv4ToBytes } from '../net/ipv4.js';
import { BOOTREPLY, BROADCAST_FLAG, ZERO_ADDRESS } from './message.js';
import type { DhcpMessage } from './message.js';
import { DhcpMessageType, DhcpOption } from './options.js';
import { bootFileDiscoveryControl, bootItemReply, raspberryPiBootMenu } from './pxe-options.js';
import type { DhcpBoot, DhcpClient } from './types.js';

export type ReplyType = 'OFFER' | 'ACK' | 'NAK';

export interface LeaseParameters {
  /** Lease time; 0 leaves out options 51/58/59 (DHCPINFORM answers, RFC 2131 §4.3.5). */
  readonly seconds: number;
  /** Options 1, 3, 6, 15 already encoded: they are the same in every reply. */
  readonly configuration: ReadonlyMap<number, Buffer>;
}

export function networkConfiguration(network: {
  readonly netmask: string;
  readonly router?: string;
  readonly dns?: readonly string[];
  readonly domain?: string;
}): Map<number, Buffer> {
  const options = new Map<number, Buffer>();
  options.set(DhcpOption.SubnetMask, ipv4ToBytes(network.netmask));
  if (network.router !== undefined) options.set(DhcpOption.Router, ipv4ToBytes(network.router));
  if (network.dns !== undefined && network.dns.length > 0) options.set(DhcpOption.DomainNameServer, Buffer.concat(network.dns.map(ipv4ToBytes)));
  if (network.domain !== undefined && network.domain !== '') options.set(DhcpOption.DomainName, Buffer.from(network.domain, 'utf8'));
  return options;
}

export interface ReplySpec {
  readonly type: ReplyType;
  readonly serverAddress: string;
  readonly yiaddr?: string;
  readonly lease?: LeaseParameters;
  readonly boot?: DhcpBoot | null;
  /** Option 56, for NAKs. */
  readonly text?: string;
}

/** `file` is 128 bytes with a NUL: a longer boot file (an http URL) travels in option 67 only. */
const MAX_FILE_FIELD = 127;

export function buildReply(request: DhcpMessage, client: DhcpClient, spec: ReplySpec): DhcpMessage {
  const options = new Map<number, Buffer>();
  options.set(DhcpOption.MessageType, Buffer.from([DhcpMessageType[spec.type]]));
  options.set(DhcpOption.ServerIdentifier, ipv4ToBytes(spec.serverAddress));
  const nak = spec.type === 'NAK';
  if (!nak && spec.lease !== undefined) addLeaseOptions(options, spec.lease);
  if (nak && spec.text !== undefined) options.set(DhcpOption.Message, Buffer.from(spec.text, 'utf8'));
  const boot = nak ? null : (spec.boot ?? null);
  let siaddr = ZERO_ADDRESS;
  let file = Buffer.alloc(0);
  if (boot !== null) {
    addBootOptions(options, request, client, boot);
    siaddr = boot.nextServer;
    const name = Buffer.from(boot.bootFile, 'utf8');
    if (name.length <= MAX_FILE_FIELD) file = name;
  }
  // RFC 3046 §2.2: a relay's option 82 is echoed whole, last; some relays drop replies without it.
  const relayInfo = request.options.get(DhcpOption.RelayAgentInformation);
  if (relayInfo !== undefined && request.giaddr !== ZERO_ADDRESS) options.set(DhcpOption.RelayAgentInformation, relayInfo);
  return {
    op: BOOTREPLY,
    htype: request.htype,
    hlen: request.hlen,
    hops: 0,
    xid: request.xid,
    secs: 0,
    // RFC 2131 §4.1: a relayed NAK must be broadcast by the relay, so we set the flag for it.
    flags: nak && request.giaddr !== ZERO_ADDRESS ? request.flags | BROADCAST_FLAG : request.flags,
    ciaddr: nak || spec.type === 'OFFER' ? ZERO_ADDRESS : request.ciaddr,
    yiaddr: nak ? ZERO_ADDRESS : (spec.yiaddr ?? ZERO_ADDRESS),
    siaddr,
    giaddr: request.giaddr,
    chaddr: request.chaddr,
    sname: Buffer.alloc(0),
    file,
    options,
  };
}

function addLeaseOptions(options: Map<number, Buffer>, lease: LeaseParameters): void {
  if (lease.seconds > 0) {
    options.set(DhcpOption.LeaseTime, uint32(lease.seconds));
    // RFC 2131 §4.4.5 defaults: T1 = 0.5, T2 = 0.875 of the lease.
    options.set(DhcpOption.RenewalTime, uint32(Math.floor(lease.seconds / 2)));
    options.set(DhcpOption.RebindingTime, uint32(Math.floor((lease.seconds * 7) / 8)));
  }
  for (const [code, data] of lease.configuration) options.set(code, data);
}

function addBootOptions(options: Map<number, Buffer>, request: DhcpMessage, client: DhcpClient, boot: DhcpBoot): void {
  options.set(DhcpOption.VendorClass, Buffer.from(boot.vendorClass, 'latin1'));
  options.set(DhcpOption.TftpServerName, Buffer.from(boot.nextServer, 'latin1'));
  if (boot.bootFile !== '') options.set(DhcpOption.BootFileName, Buffer.from(boot.bootFile, 'utf8'));
  const vendor = vendorOptions(request, client, boot);
  if (vendor !== null) options.set(DhcpOption.VendorSpecific, vendor);
  // PXE clients match replies to their request by the UUID as well as the xid.
  const uuid = request.options.get(DhcpOption.ClientUuid);
  if (uuid !== undefined) options.set(DhcpOption.ClientUuid, uuid);
}

/**
 * Option 43, by client: the Pi menu when the policy asks for it; on the boot-server port, the boot item the
 * client asked for; for BIOS PXE ROMs (arch 0), "use the boot file from this reply". UEFI firmware gets none,
 * as pixiecore does (facts/firmware.md): without PXE sub-options EDK2 asks again on port 4011, which we answer.
 */
function vendorOptions(request: DhcpMessage, client: DhcpClient, boot: DhcpBoot): Buffer | null {
  if (boot.raspberryPiMenu === true) return raspberryPiBootMenu();
  const item = bootItemReply(request.options.get(DhcpOption.VendorSpecific));
  if (item !== null) return item;
  if (boot.vendorClass === 'PXEClient' && (client.arch === null || client.arch === 0) && !client.isIpxe) return bootFileDiscoveryControl();
  return null;
}

/** Where a reply goes. `hardware`: unicast to yiaddr at chaddr, which needs an ARP entry nobody has yet. */
export type ReplyDestination =
  | { readonly kind: 'address'; readonly address: string; readonly port: number }
  | { readonly kind: 'broadcast'; readonly port: number }
  | { readonly kind: 'hardware'; readonly address: string; readonly mac: Buffer; readonly port: number };

export interface PortNumbers {
  readonly server: number;
  readonly client: number;
}

/** RFC 2131 §4.1, for replies to port 67 requests (port 4011 answers go back to the source instead). */
export function replyDestination(request: DhcpMessage, reply: DhcpMessage, ports: PortNumbers): ReplyDestination {
  if (request.giaddr !== ZERO_ADDRESS) return { kind: 'address', address: request.giaddr, port: ports.server };
  const nak = reply.options.get(DhcpOption.MessageType)?.[0] === DhcpMessageType.NAK;
  if (nak) return { kind: 'broadcast', port: ports.client };
  if (request.ciaddr !== ZERO_ADDRESS) return { kind: 'address', address: request.ciaddr, port: ports.client };
  if ((request.flags & BROADCAST_FLAG) !== 0 || reply.yiaddr === ZERO_ADDRESS) return { kind: 'broadcast', port: ports.client };
  return { kind: 'hardware', address: reply.yiaddr, mac: request.chaddr.subarray(0, request.hlen), port: ports.client };
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(Math.min(value, 0xffffffff) >>> 0);
  return out;
}
