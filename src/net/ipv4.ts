// IPv4 address helpers shared by the protocol codecs (dotted quad <-> 32-bit number, subnet maths).

export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== null;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export function ipv4ToBytes(text: string): Buffer {
  const value = parseIpv4(text);
  if (value === null) throw new TypeError(`not an IPv4 address: ${text}`);
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value);
  return buf;
}

export function ipv4FromBytes(buf: Uint8Array, offset = 0): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

export function prefixToNetmask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function netmaskToPrefix(mask: number): number {
  let prefix = 0;
  while (prefix < 32 && (mask & (0x80000000 >>> prefix)) !== 0) prefix++;
  return prefix;
}

export function sameSubnet(a: number, b: number, mask: number): boolean {
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

export function broadcastOf(address: number, mask: number): number {
  return ((address & mask) | (~mask >>> 0)) >>> 0;
}
