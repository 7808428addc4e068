// TCP byte streams out of classic pcap files (pcap-savefile(5); Ethernet or Linux cooked; IPv4), for RPC captures.
//
// Loopback captures only: segments are put in sequence order and overlaps (retransmissions) dropped, with no
// attempt at handling loss; that is all a capture on lo needs.
import { ipv4FromBytes } from '../../src/net/ipv4.js';

export interface TcpStream {
  /** "127.0.0.1:713>127.0.0.1:111", one per direction of each connection, in the order first seen. */
  readonly key: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly bytes: Buffer;
}

interface Segment {
  readonly seq: number;
  readonly payload: Buffer;
}

export function readPcapTcpStreams(file: Buffer): TcpStream[] {
  if (file.length < 24) throw new Error('pcap: shorter than its header');
  const little = file.readUInt32LE(0) === 0xa1b2c3d4 || file.readUInt32LE(0) === 0xa1b23c4d;
  if (!little && file.readUInt32BE(0) !== 0xa1b2c3d4 && file.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error('pcap: not a classic pcap file');
  }
  const u32 = (at: number): number => (little ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const linktype = u32(20);
  const streams = new Map<string, { srcPort: number; dstPort: number; isn: number | null; segments: Segment[] }>();
  let at = 24;
  while (at + 16 <= file.length) {
    const captured = u32(at + 8);
    const frame = file.subarray(at + 16, at + 16 + captured);
    at += 16 + captured;
    const ip = linktype === 1 ? etherPayload(frame) : linktype === 113 ? cookedPayload(frame) : null;
    if (ip === null || ip.length < 20 || ip[0]! >> 4 !== 4 || ip[9] !== 6) continue;
    const tcp = ip.subarray((ip[0]! & 0x0f) * 4, ip.readUInt16BE(2));
    if (tcp.length < 20) continue;
    const srcPort = tcp.readUInt16BE(0);
    const dstPort = tcp.readUInt16BE(2);
    const key = `${ipv4FromBytes(ip, 12)}:${srcPort}>${ipv4FromBytes(ip, 16)}:${dstPort}`;
    let stream = streams.get(key);
    if (stream === undefined) {
      stream = { srcPort, dstPort, isn: null, segments: [] };
      streams.set(key, stream);
    }
    const seq = tcp.readUInt32BE(4);
    const syn = (tcp[13]! & 0x02) !== 0;
    if (syn) stream.isn = (seq + 1) >>> 0;
    const payload = tcp.subarray((tcp[12]! >> 4) * 4);
    if (payload.length > 0) stream.segments.push({ seq, payload: Buffer.from(payload) });
  }
  return [...streams].map(([key, s]) => ({ key, srcPort: s.srcPort, dstPort: s.dstPort, bytes: assemble(s.isn, s.segments) }));
}

function assemble(isn: number | null, segments: readonly Segment[]): Buffer {
  const first = segments[0];
  if (first === undefined) return Buffer.alloc(0);
  const base = isn ?? first.seq;
  const rel = (seq: number): number => (seq - base) >>> 0;
  const ordered = [...segments].sort((a, b) => rel(a.seq) - rel(b.seq));
  const out: Buffer[] = [];
  let next = 0;
  for (const s of ordered) {
    const start = rel(s.seq);
    const end = start + s.payload.length;
    if (end <= next) continue;
    if (start > next) throw new Error(`pcap: TCP stream has a gap at ${next}`);
    out.push(s.payload.subarray(next - start));
    next = end;
  }
  return Buffer.concat(out);
}

function etherPayload(frame: Buffer): Buffer | null {
  return frame.length >= 14 && frame.readUInt16BE(12) === 0x0800 ? frame.subarray(14) : null;
}

function cookedPayload(frame: Buffer): Buffer | null {
  return frame.length >= 16 && frame.readUInt16BE(14) === 0x0800 ? frame.subarray(16) : null;
}
