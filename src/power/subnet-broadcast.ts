// The directed broadcast address of an IPv4 subnet (RFC 919, RFC 922; RFC 3021 for /31), where a magic packet goes.
import { broadcastOf, formatIpv4, netmaskToPrefix, parseIpv4, prefixToNetmask } from '../net/ipv4.js';

const LIMITED_BROADCAST = '255.255.255.255';

export type SubnetBroadcastErrorCode = 'BAD_ADDRESS' | 'BAD_NETMASK';

export class SubnetBroadcastError extends Error {
  readonly code: SubnetBroadcastErrorCode;

  constructor(code: SubnetBroadcastErrorCode, message: string) {
    super(message);
    this.name = 'SubnetBroadcastError';
    this.code = code;
  }
}

/**
 * `netmask` is a prefix length (24, or "24") or a dotted mask ("255.255.255.0", as ServeConfig holds it).
 * A /31 or /32 has no broadcast address of its own (RFC 3021: both /31 addresses are hosts), so the answer
 * there is the limited broadcast 255.255.255.255, which the socket's device binding keeps on the link.
 */
export function subnetBroadcast(address: string, netmask: number | string): string {
  const host = parseIpv4(address);
  if (host === null) throw new SubnetBroadcastError('BAD_ADDRESS', `"${address}" is not an IPv4 address`);
  const prefix = prefixOf(netmask);
  if (prefix >= 31) return LIMITED_BROADCAST;
  return formatIpv4(broadcastOf(host, prefixToNetmask(prefix)));
}

function prefixOf(netmask: number | string): number {
  const text = String(netmask).trim();
  if (/^\d{1,2}$/.test(text) && Number(text) <= 32) return Number(text);
  const mask = parseIpv4(text);
  if (mask !== null && prefixToNetmask(netmaskToPrefix(mask)) === mask) return netmaskToPrefix(mask);
  throw new SubnetBroadcastError('BAD_NETMASK', `"${text}" is neither a prefix length (0-32) nor a contiguous netmask like 255.255.255.0`);
}
