// The decoded DHCP/BOOTP message (RFC 2131 §2 figure 1) as a plain readonly object, with option accessors.
import { DhcpOption } from './options.js';

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
/** RFC 2131 §2: the leftmost bit of `flags`. */
export const BROADCAST_FLAG = 0x8000;

export interface DhcpMessage {
  readonly op: typeof BOOTREQUEST | typeof BOOTREPLY;
  readonly htype: number;
  readonly hlen: number;
  readonly hops: number;
  readonly xid: number;
  readonly secs: number;
  readonly flags: number;
  readonly ciaddr: string;
  readonly yiaddr: string;
  readonly siaddr: string;
  readonly giaddr: string;
  /** All 16 bytes of the field; the hardware address is the first `hlen`. */
  readonly chaddr: Buffer;
  /** Server host name, up to the first NUL; empty when the field carried options (overload). */
  readonly sname: Buffer;
  /** Boot file name, up to the first NUL; empty when the field carried options (overload). */
  readonly file: Buffer;
  /** Each code once, its instances already joined (RFC 3396), in order of first appearance. */
  readonly options: ReadonlyMap<number, Buffer>;
}

export const ZERO_ADDRESS = '0.0.0.0';

export function optionText(message: DhcpMessage, code: number): string | null {
  const data = message.options.get(code);
  return data === undefined ? null : data.toString('latin1');
}

export function optionAddress(message: DhcpMessage, code: number): string | null {
  const data = message.options.get(code);
  if (data === undefined || data.length < 4) return null;
  return `${data[0]}.${data[1]}.${data[2]}.${data[3]}`;
}

export function optionUint32(message: DhcpMessage, code: number): number | null {
  const data = message.options.get(code);
  return data === undefined || data.length !== 4 ? null : data.readUInt32BE(0);
}

export function messageTypeCode(message: DhcpMessage): number | null {
  return message.options.get(DhcpOption.MessageType)?.[0] ?? null;
}

export function hardwareAddress(message: DhcpMessage): Buffer {
  return message.chaddr.subarray(0, message.hlen);
}
