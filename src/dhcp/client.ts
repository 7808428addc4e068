// What a client told us in one request: options 12/60/61 (RFC 2132), 77 (RFC 3004), 93/97 (RFC 4578), 175 (iPXE).
import { formatMac } from '../net/mac.js';
import { BOOTREQUEST, ZERO_ADDRESS, hardwareAddress } from './message.js';
import type { DhcpMessage } from './message.js';
import { DhcpOption, dhcpMessageTypeName } from './options.js';
import type { DhcpClient } from './types.js';

export type DescribeResult = { readonly ok: true; readonly client: DhcpClient } | { readonly ok: false; readonly reason: string };

export function describeClient(message: DhcpMessage, port: number): DescribeResult {
  if (message.op !== BOOTREQUEST) return { ok: false, reason: 'not a BOOTREQUEST' };
  const typeCode = message.options.get(DhcpOption.MessageType)?.[0];
  if (typeCode === undefined) return { ok: false, reason: 'BOOTP request (no option 53)' };
  const messageType = dhcpMessageTypeName(typeCode);
  if (messageType === null) return { ok: false, reason: `unknown message type ${typeCode}` };
  // Everything downstream (leases, inventory, policy) keys machines by a 6-byte MAC.
  if (message.hlen !== 6) return { ok: false, reason: `hardware address length ${message.hlen}` };

  const userClasses = parseUserClasses(message.options.get(DhcpOption.UserClass));
  const arch = message.options.get(DhcpOption.ClientArch);
  const vendor = message.options.get(DhcpOption.VendorClass);
  const clientId = message.options.get(DhcpOption.ClientIdentifier);
  const hostname = message.options.get(DhcpOption.HostName);
  return {
    ok: true,
    client: {
      mac: formatMac(hardwareAddress(message)),
      xid: message.xid,
      messageType,
      arch: arch === undefined ? null : arch.readUInt16BE(0),
      vendorClass: vendor === undefined ? null : vendor.toString('latin1'),
      userClasses,
      isIpxe: userClasses.includes('iPXE') || message.options.has(DhcpOption.IpxeEncapsulated),
      uuid: formatClientUuid(message.options.get(DhcpOption.ClientUuid)),
      clientId: clientId === undefined ? null : clientId.toString('hex'),
      hostname: hostname === undefined ? null : hostname.toString('utf8').replace(/\0+$/, ''),
      relay: message.giaddr === ZERO_ADDRESS ? null : message.giaddr,
      port,
    },
  };
}

/**
 * RFC 3004 says option 77 is a list of length-prefixed classes, but iPXE sends the bare string "iPXE" (and so
 * do other firmwares). Take the RFC reading only when the lengths tile the option exactly; otherwise the whole
 * option is one class. "iPXE" cannot be misread: its first byte (0x69) overruns the 4-byte option.
 */
export function parseUserClasses(data: Buffer | undefined): string[] {
  if (data === undefined || data.length === 0) return [];
  const classes: string[] = [];
  let i = 0;
  while (i < data.length) {
    const length = data[i]!;
    if (length === 0 || i + 1 + length > data.length) break;
    classes.push(data.toString('latin1', i + 1, i + 1 + length));
    i += 1 + length;
  }
  return i === data.length ? classes : [data.toString('latin1')];
}

/**
 * Option 97 type 0 carries the machine's SMBIOS UUID in its wire order, whose first three fields are
 * little-endian (SMBIOS 2.6+ §7.2.1). Real captures bear this out: QEMU started with -uuid 5b0c1d2e-... sends
 * 2e 1d 0c 5b ... from both iPXE and OVMF. Swapping back gives the UUID that dmidecode, the firmware setup
 * screen and the hypervisor show, which is the one users will recognise in the inventory.
 */
export function formatClientUuid(data: Buffer | undefined): string | null {
  if (data === undefined || data.length !== 17 || data[0] !== 0) return null;
  const b = data.subarray(1);
  // Firmware without an SMBIOS UUID (QEMU's default, cheap boards) sends all zeros or all ones: no identity.
  if (b.every((x) => x === 0) || b.every((x) => x === 0xff)) return null;
  const hex = (from: number, to: number, reverse = false): string => {
    const bytes = Array.from(b.subarray(from, to));
    if (reverse) bytes.reverse();
    return bytes.map((x) => x.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10)}-${hex(10, 16)}`;
}
