// Reads UDP/IPv4 datagrams out of a libpcap capture file (pcap-savefile(5); Ethernet or Linux cooked links).

export interface CapturedDatagram {
  readonly source: string;
  readonly destination: string;
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly payload: Buffer;
}

const LINK_ETHERNET = 1;
const LINK_LINUX_SLL = 113;

export function readPcapUdp(file: Buffer): CapturedDatagram[] {
  if (file.length < 24) throw new Error('pcap: file shorter than its global header');
  const magic = file.readUInt32LE(0);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && file.readUInt32BE(0) !== 0xa1b2c3d4 && file.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error('pcap: not a pcap file (pcapng is not supported)');
  }
  const u32 = (offset: number): number => (little ? file.readUInt32LE(offset) : file.readUInt32BE(offset));
  const link = u32(20);
  const out: CapturedDatagram[] = [];
  for (let offset = 24; offset + 16 <= file.length; ) {
    const captured = u32(offset + 8);
    const frame = file.subarray(offset + 16, offset + 16 + captured);
    offset += 16 + captured;
    const ip = ipPayload(frame, link);
    if (ip === null || ip.length < 20 || ip[0]! >> 4 !== 4 || ip[9] !== 17) continue;
    const headerLength = (ip[0]! & 15) * 4;
    const udp = ip.subarray(headerLength);
    if (udp.length < 8) continue;
    const udpLength = udp.readUInt16BE(4);
    out.push({
      source: `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`,
      destination: `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`,
      sourcePort: udp.readUInt16BE(0),
      destinationPort: udp.readUInt16BE(2),
      payload: Buffer.from(udp.subarray(8, Math.min(udp.length, udpLength))),
    });
  }
  return out;
}

function ipPayload(frame: Buffer, link: number): Buffer | null {
  if (link === LINK_ETHERNET) return frame.length >= 14 && frame.readUInt16BE(12) === 0x0800 ? frame.subarray(14) : null;
  if (link === LINK_LINUX_SLL) return frame.length >= 16 && frame.readUInt16BE(14) === 0x0800 ? frame.subarray(16) : null;
  return null;
}
