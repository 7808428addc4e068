// UDP datagrams out of classic pcap files (pcap-savefile(5); Ethernet or Linux cooked; IPv4) for golden tests.
//
// Fragmented datagrams are skipped: the TFTP and DHCP messages read this way are far smaller than an MTU.
import { ipv4FromBytes } from '../../src/net/ipv4.js';

export interface PcapUdp {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Buffer;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;

export function readPcapUdp(file: Buffer): PcapUdp[] {
  if (file.length < 24) throw new Error('pcap: shorter than its header');
  const magic = file.readUInt32LE(0);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && file.readUInt32BE(0) !== 0xa1b2c3d4 && file.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error('pcap: not a classic pcap file (pcapng is not read here)');
  }
  const u32 = (at: number): number => (little ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const linktype = u32(20);
  const out: PcapUdp[] = [];
  let at = 24;
  while (at + 16 <= file.length) {
    const captured = u32(at + 8);
    const frame = file.subarray(at + 16, at + 16 + captured);
    at += 16 + captured;
    const ip = ipPayload(frame, linktype);
    if (ip === null) continue;
    const udp = udpOf(ip);
    if (udp !== null) out.push(udp);
  }
  return out;
}

function ipPayload(frame: Buffer, linktype: number): Buffer | null {
  if (linktype === LINKTYPE_ETHERNET) {
    if (frame.length < 14 || frame.readUInt16BE(12) !== 0x0800) return null;
    return frame.subarray(14);
  }
  if (linktype === LINKTYPE_LINUX_SLL) {
    if (frame.length < 16 || frame.readUInt16BE(14) !== 0x0800) return null;
    return frame.subarray(16);
  }
  throw new Error(`pcap: link type ${linktype} not supported`);
}

function udpOf(ip: Buffer): PcapUdp | null {
  if (ip.length < 20 || ip[0]! >> 4 !== 4 || ip[9] !== 17) return null;
  const headerLength = (ip[0]! & 0x0f) * 4;
  const fragment = ip.readUInt16BE(6);
  if ((fragment & 0x2000) !== 0 || (fragment & 0x1fff) !== 0) return null;
  const total = ip.readUInt16BE(2);
  const udp = ip.subarray(headerLength, total);
  if (udp.length < 8) return null;
  const length = udp.readUInt16BE(4);
  return {
    src: ipv4FromBytes(ip, 12),
    dst: ipv4FromBytes(ip, 16),
    srcPort: udp.readUInt16BE(0),
    dstPort: udp.readUInt16BE(2),
    payload: Buffer.from(udp.subarray(8, length)),
  };
}
